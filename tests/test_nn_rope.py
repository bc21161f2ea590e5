"""Rotary position embeddings against their closed form: 2x2 rotations of feature pairs."""

from __future__ import annotations

import math

import pytest
import torch

from dlbook.nn.rope import RotaryEmbedding, apply_rope, rope_angles

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def rotation_matrix(position: int, dim: int, base: float = 10000.0) -> torch.Tensor:
    """The block-diagonal rotation R_p of the paper, built entry by entry."""
    r = torch.zeros(dim, dim, dtype=torch.float64)
    for i in range(dim // 2):
        theta = position * base ** (-2 * i / dim)
        c, s = math.cos(theta), math.sin(theta)
        r[2 * i, 2 * i], r[2 * i, 2 * i + 1] = c, -s
        r[2 * i + 1, 2 * i], r[2 * i + 1, 2 * i + 1] = s, c
    return r


def test_apply_rope_is_the_block_rotation():
    torch.manual_seed(0)
    dim, positions = 8, torch.tensor([0, 1, 5, 37])
    x = torch.randn(2, 3, len(positions), dim)  # (B, h, T, d)
    out = apply_rope(x, positions)
    for t, p in enumerate(positions.tolist()):
        expected = x[:, :, t].double() @ rotation_matrix(p, dim).T
        torch.testing.assert_close(out[:, :, t].double(), expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out[..., 0, :], x[..., 0, :])  # position 0: no rotation


def test_scores_depend_on_relative_position_only_and_norms_are_kept():
    torch.manual_seed(1)
    q, k = torch.randn(16), torch.randn(16)

    def score(m, n):
        qm = apply_rope(q.view(1, 16), torch.tensor([m]))
        kn = apply_rope(k.view(1, 16), torch.tensor([n]))
        return (qm * kn).sum().item()

    assert score(3, 1) == pytest.approx(score(13, 11), abs=1e-4)
    assert score(40, 40) == pytest.approx((q * k).sum().item(), abs=1e-4)
    assert score(3, 1) != pytest.approx(score(3, 2), abs=1e-3)
    rotated = apply_rope(q.view(1, 16), torch.tensor([123]))
    assert rotated.norm().item() == pytest.approx(q.norm().item(), rel=1e-5)


def test_rotary_module_offsets_and_checks():
    torch.manual_seed(2)
    rotary = RotaryEmbedding(4)
    x = torch.randn(1, 2, 6, 4)
    whole = rotary(x)
    torch.testing.assert_close(rotary(x[:, :, 4:], start=4), whole[:, :, 4:])
    assert rope_angles(torch.arange(3), 4).shape == (3, 2)
    with pytest.raises(ValueError):
        RotaryEmbedding(5)
    with pytest.raises(ValueError):
        apply_rope(x, torch.arange(5))
