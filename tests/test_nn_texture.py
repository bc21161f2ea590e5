"""Gram matrices against a loop over channel pairs; the random multi-scale network's filters."""

from __future__ import annotations

import pytest
import torch

from dlbook.nn.texture import RandomMultiscaleConfig, RandomMultiscaleNet, gram_loss, gram_matrix

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_gram_matrix_against_a_loop():
    torch.manual_seed(0)
    f = torch.randn(2, 3, 4, 5)
    g = gram_matrix(f)
    assert g.shape == (2, 3, 3)
    for b in range(2):
        for i in range(3):
            for j in range(3):
                expected = (f[b, i] * f[b, j]).sum() / 20
                torch.testing.assert_close(g[b, i, j], expected)
    torch.testing.assert_close(g, g.transpose(1, 2))


def test_gram_matrix_ignores_where_features_are():
    torch.manual_seed(0)
    f = torch.randn(1, 4, 6, 6)
    shuffled = f.flatten(2)[:, :, torch.randperm(36)].reshape(1, 4, 6, 6)
    torch.testing.assert_close(gram_matrix(f), gram_matrix(shuffled))
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        gram_matrix(torch.zeros(3, 3))


def test_random_filters_are_fixed_zero_mean_unit_norm():
    config = RandomMultiscaleConfig(sizes=(3, 7), filters=5, seed=1)
    net, again = RandomMultiscaleNet(config), RandomMultiscaleNet(config)
    assert len(list(net.parameters())) == 0, "nothing to train"
    for size in (3, 7):
        w = getattr(net, f"weight_{size}")
        assert w.shape == (5, 3, size, size)
        torch.testing.assert_close(w, getattr(again, f"weight_{size}"))
        torch.testing.assert_close(w.flatten(1).sum(1), torch.zeros(5), atol=1e-5, rtol=0)
        torch.testing.assert_close(w.flatten(1).norm(dim=1), torch.ones(5))
    maps = net(torch.rand(2, 3, 16, 16))
    assert [m.shape for m in maps] == [(2, 5, 16, 16)] * 2 and all((m >= 0).all() for m in maps)
    # A constant image has no structure: zero-mean filters do not respond to it.
    flat = net(torch.full((1, 3, 16, 16), 0.7))
    assert all(m.abs().max() < 1e-5 for m in flat)
    with pytest.raises(ValueError, match="odd"):
        RandomMultiscaleConfig(sizes=(4,))


def test_gram_loss_is_zero_at_the_target_and_scale_free():
    torch.manual_seed(0)
    f = [torch.randn(1, 3, 5, 5), torch.randn(1, 2, 5, 5)]
    targets = [gram_matrix(x) for x in f]
    assert gram_loss(f, targets).item() == pytest.approx(0.0, abs=1e-7)
    scaled = gram_loss([2 * x for x in f], [4 * t for t in targets])
    assert scaled.item() == pytest.approx(0.0, abs=1e-6)
    assert gram_loss([torch.zeros_like(x) for x in f], targets).item() == pytest.approx(2.0)
