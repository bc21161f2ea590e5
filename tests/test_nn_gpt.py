"""Tests of dlbook.nn.gpt: causality, nanoGPT's parameter count, sampling, config, learning."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlbook.nn import GPT, GPTConfig, count_parameters


@pytest.fixture(autouse=True)
def _seed(one_torch_thread):
    torch.manual_seed(0)


def test_gpt_is_causal_and_counts_parameters():
    lm = GPT(GPTConfig(65, block_size=64, d_model=128, num_heads=4, num_layers=4, bias=False))
    # nanoGPT's Shakespeare-char CPU model has 0.80M parameters (tied embedding counted once).
    assert count_parameters(lm) == 804_096
    idx = torch.randint(0, 65, (2, 10))
    changed = idx.clone()
    changed[:, 6] = (changed[:, 6] + 1) % 65
    a, b = lm(idx), lm(changed)
    assert a.shape == (2, 10, 65)
    assert torch.allclose(a[:, :6], b[:, :6], atol=1e-6) and not torch.allclose(a[:, 6:], b[:, 6:])
    with pytest.raises(ValueError, match="block_size"):
        lm(torch.zeros(1, 65, dtype=torch.long))


def test_gpt_generate_greedy_and_sampled():
    lm = GPT(GPTConfig(10, block_size=4, d_model=16, num_heads=2, num_layers=1))
    start = torch.zeros(2, 1, dtype=torch.long)
    out = lm.generate(start, 6, temperature=0)
    assert out.shape == (2, 7)  # longer than block_size: the context is cropped
    assert torch.equal(out[0], out[1])  # greedy is deterministic
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    s1 = lm.generate(start, 5, temperature=1.5, top_k=3, generator=g1)
    s2 = lm.generate(start, 5, temperature=1.5, top_k=3, generator=g2)
    assert torch.equal(s1, s2)
    with pytest.raises(ValueError, match="temperature"):
        lm.generate(start, 1, temperature=-1)


def test_config_defaults_options_and_rebuild():
    config = GPTConfig(12, block_size=6, d_model=16, num_heads=2, num_layers=2)
    assert config.d_ff == 64  # 4 * d_model
    lm = GPT(config)
    assert lm.config is config and lm.block_size == 6
    twin = GPT(lm.config)
    twin.load_state_dict(lm.state_dict())
    idx = torch.randint(0, 12, (2, 6))
    assert torch.equal(lm(idx), twin(idx))
    odd = GPT(GPTConfig(12, 6, d_model=16, num_heads=2, num_layers=1, layer_norm_eps=1e-3))
    assert {m.eps for m in odd.modules() if isinstance(m, nn.LayerNorm)} == {1e-3}
    relu = GPT(GPTConfig(12, 6, d_model=16, num_heads=2, num_layers=1, activation="relu"))
    assert relu.layers[0].feed_forward.activation == "relu"
    with pytest.raises(ValueError, match="activation"):
        GPTConfig(12, 6, activation="swish")
    with pytest.raises(TypeError, match="GPTConfig"):
        GPT(12)


def test_residual_outputs_start_smaller_with_depth():
    lm = GPT(GPTConfig(50, 8, d_model=64, num_heads=2, num_layers=8))
    out_std = lm.layers[0].feed_forward.linear2.weight.std().item()
    in_std = lm.layers[0].feed_forward.linear1.weight.std().item()
    assert in_std == pytest.approx(0.02, rel=0.05)
    assert out_std == pytest.approx(0.02 / 4, rel=0.05)  # 0.02 / sqrt(2 * 8)


def test_tiny_gpt_overfits_a_sequence():
    torch.manual_seed(0)
    data = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7] * 2)
    lm = GPT(GPTConfig(8, block_size=8, d_model=32, num_heads=2, num_layers=1))
    opt = torch.optim.AdamW(lm.parameters(), lr=1e-2)
    for _ in range(100):
        logits = lm(data[None, :8])
        loss = F.cross_entropy(logits[0], data[1:9])
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    assert lm.generate(data[None, :1], 7, temperature=0).tolist() == [list(range(8))]
