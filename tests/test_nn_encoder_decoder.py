"""Tests of dlbook.nn.encoder_decoder: masks, causality, padding, configs and learning."""

from __future__ import annotations

import dataclasses

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlbook.nn import Transformer, TransformerConfig, count_parameters

D, H, FF = 16, 4, 32


@pytest.fixture(autouse=True)
def _seed(one_torch_thread):
    torch.manual_seed(0)


def small(**overrides) -> Transformer:
    config = dict(src_vocab_size=11, tgt_vocab_size=13, d_model=D, num_heads=H, d_ff=FF)
    config.update(num_encoder_layers=2, num_decoder_layers=2, dropout=0.0)
    config.update(overrides)
    return Transformer(TransformerConfig(**config))


def test_transformer_masks():
    model = small(num_encoder_layers=1, num_decoder_layers=1, pad_id=0)
    src = torch.tensor([[5, 6, 0], [7, 0, 0]])
    assert model.source_mask(src).tolist() == [[[True, True, False]], [[True, False, False]]]
    tgt = torch.tensor([[1, 4, 0]])
    assert model.target_mask(tgt)[0].int().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 0]]


def test_decoder_does_not_look_ahead():
    model = small().eval()
    src = torch.randint(1, 11, (2, 6))
    tgt = torch.randint(1, 13, (2, 5))
    changed = tgt.clone()
    changed[:, 3:] = torch.randint(1, 13, (2, 2))
    a, b = model(src, tgt), model(src, changed)
    assert torch.allclose(a[:, :3], b[:, :3], atol=1e-6)  # earlier positions unaffected
    assert not torch.allclose(a[:, 3:], b[:, 3:])


def test_source_padding_does_not_change_the_output():
    model = small().eval()
    src = torch.tensor([[4, 5, 6]])
    padded = torch.tensor([[4, 5, 6, 0, 0]])
    tgt = torch.tensor([[1, 7, 8]])
    assert torch.allclose(model(src, tgt), model(padded, tgt), atol=1e-5)


def test_encode_and_decode_return_weights_only_when_asked():
    model = small().eval()
    src = torch.tensor([[4, 5, 6, 0]])
    memory, mask, weights = model.encode(src)
    assert memory.shape == (1, 4, D) and mask.shape == (1, 1, 4) and weights is None
    _, _, weights = model.encode(src, need_weights=True)
    assert len(weights) == 2 and weights[0].shape == (1, H, 4, 4)
    assert torch.all(weights[1][..., 3] == 0)  # nobody attends to the padding
    logits, cross = model.decode(torch.tensor([[1, 7]]), memory, mask, need_weights=True)
    assert logits.shape == (1, 2, 13) and cross[0].shape == (1, H, 2, 4)
    assert model.decode(torch.tensor([[1, 7]]), memory, mask)[1] is None


def test_parameter_count_of_the_base_model():
    # Vaswani et al. (2017), Table 3: the base model has 65M parameters with a shared
    # 37,000-token vocabulary (source, target embeddings and output projection tied).
    model = Transformer(TransformerConfig(37000, 37000, tie_embeddings=True))
    model.src_embed.embedding.weight = model.tgt_embed.embedding.weight
    # 18.9M embedding + 6 x 3.15M encoder + 6 x 4.20M decoder layers: 63.1M ("65M" in the paper).
    assert 63.0e6 < count_parameters(model) < 63.2e6


def test_config_is_kept_and_rebuilds_the_model():
    model = small(norm_first=True, positional="learned", activation="gelu")
    assert isinstance(model.config, TransformerConfig) and model.pad_id == 0
    twin = Transformer(dataclasses.replace(model.config))
    twin.load_state_dict(model.state_dict())
    src, tgt = torch.randint(1, 11, (2, 5)), torch.randint(1, 13, (2, 4))
    assert torch.equal(model.eval()(src, tgt), twin.eval()(src, tgt))


def test_every_option_reaches_the_layers():
    model = small(layer_norm_eps=1e-3, bias=False, norm_first=True)
    norms = [m for m in model.modules() if isinstance(m, nn.LayerNorm)]
    assert norms and all(m.eps == 1e-3 and m.bias is None for m in norms)
    assert all(m.bias is None for m in model.modules() if isinstance(m, nn.Linear))
    tied = small(tie_embeddings=True)
    assert tied.generator.weight is tied.tgt_embed.embedding.weight


def test_transformer_validates_arguments():
    with pytest.raises(ValueError, match="positional"):
        TransformerConfig(5, 5, D, H, 1, 1, FF, positional="rotary")
    with pytest.raises(ValueError, match="activation"):
        TransformerConfig(5, 5, activation="tanh")
    with pytest.raises(ValueError, match="divisible"):
        Transformer(TransformerConfig(5, 5, 18, 4, 1, 1, FF))
    with pytest.raises(TypeError, match="TransformerConfig"):
        Transformer(5)


def test_tiny_transformer_overfits_a_batch_and_decodes_it():
    torch.manual_seed(0)
    bos, eos = 1, 2
    src = torch.randint(3, 12, (8, 6))
    tgt = torch.cat([torch.full((8, 1), bos), src.flip(1), torch.full((8, 1), eos)], dim=1)
    model = Transformer(TransformerConfig(12, 12, 32, 4, 1, 1, 64, dropout=0.0, max_len=16))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(200):
        logits = model(src, tgt[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 12), tgt[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    out = model.greedy_decode(src, bos, eos, max_len=10)
    assert torch.equal(out[:, :7], tgt[:, 1:])
    assert torch.all(out[:, 7:] == model.pad_id)
