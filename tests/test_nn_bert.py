"""Tests of dlbook.nn.bert: padding, attention weights, config and options."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlbook.nn import BERT, BERTConfig

D, H, FF = 16, 4, 32


@pytest.fixture(autouse=True)
def _seed(one_torch_thread):
    torch.manual_seed(0)


def small(**overrides) -> BERT:
    config = dict(vocab_size=30, max_len=8, d_model=D, num_heads=H, num_layers=2, d_ff=FF)
    return BERT(BERTConfig(**{**config, **overrides}))


def test_bert_ignores_padding():
    model = small().eval()
    a = model(torch.tensor([[3, 4, 5]]))
    b = model(torch.tensor([[3, 4, 5, 0, 0]]))
    assert a.shape == (1, 3, D)
    assert torch.allclose(a, b[:, :3], atol=1e-5)


def test_forward_returns_states_and_encode_returns_weights():
    model = small().eval()
    tokens = torch.tensor([[3, 4, 0]])
    states = model(tokens)
    assert isinstance(states, torch.Tensor)
    same, weights = model.encode(tokens, need_weights=True)
    assert torch.equal(states, same)
    assert len(weights) == 2 and torch.all(weights[0][..., 2] == 0)
    assert model.encode(tokens)[1] is None


def test_config_is_kept_and_every_option_is_reachable():
    model = small(layer_norm_eps=1e-12, bias=False, norm_first=False, activation="relu")
    assert model.config.layer_norm_eps == 1e-12 and model.d_model == D and model.pad_id == 0
    norms = [m for m in model.modules() if isinstance(m, nn.LayerNorm)]
    assert len(norms) == 5 and all(m.eps == 1e-12 and m.bias is None for m in norms)
    assert all(m.bias is None for m in model.modules() if isinstance(m, nn.Linear))
    twin = BERT(model.config)
    twin.load_state_dict(model.state_dict())
    tokens = torch.tensor([[5, 6, 7, 0]])
    assert torch.equal(model.eval()(tokens), twin.eval()(tokens))
    assert torch.equal(model.token_embed.weight[0], torch.zeros(D))  # the padding vector
    with pytest.raises(ValueError, match="activation"):
        BERTConfig(30, 8, activation="tanh")
    with pytest.raises(TypeError, match="BERTConfig"):
        BERT(30)
