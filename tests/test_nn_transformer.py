"""Tests of dlbook.nn.transformer: the layers, against formulas and PyTorch's own layers."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dlbook.nn.transformer import (
    Decoder,
    DecoderLayer,
    Encoder,
    EncoderLayer,
    FeedForward,
    LearnedPositionalEmbedding,
    SinusoidalPositionalEncoding,
    TokenEmbedding,
    sinusoidal_table,
)

D, H, FF = 16, 4, 32


@pytest.fixture(autouse=True)
def _seed(one_torch_thread):
    torch.manual_seed(0)


def _copy_mha(ours, theirs: nn.MultiheadAttention) -> None:
    # PyTorch packs W_q, W_k, W_v into one (3d, d) matrix; ours keeps three Linear layers.
    with torch.no_grad():
        weights = theirs.in_proj_weight.chunk(3)
        biases = theirs.in_proj_bias.chunk(3)
        for proj, w, b in zip(
            (ours.q_proj, ours.k_proj, ours.v_proj), weights, biases, strict=True
        ):
            proj.weight.copy_(w)
            proj.bias.copy_(b)
        ours.out_proj.load_state_dict(theirs.out_proj.state_dict())


def _copy_common(ours, theirs, norms) -> None:
    ours.feed_forward.linear1.load_state_dict(theirs.linear1.state_dict())
    ours.feed_forward.linear2.load_state_dict(theirs.linear2.state_dict())
    for name in norms:
        getattr(ours, name).load_state_dict(getattr(theirs, name).state_dict())


# ----------------------------------------------------------------------------- embeddings


def test_sinusoidal_table_matches_formula():
    table = sinusoidal_table(50, 8)
    assert table.shape == (50, 8)
    p, i = 7, 2  # feature pair 2i = 4, 2i + 1 = 5
    angle = p / 10000 ** (2 * i / 8)
    assert table[p, 4].item() == pytest.approx(math.sin(angle), abs=1e-6)
    assert table[p, 5].item() == pytest.approx(math.cos(angle), abs=1e-6)
    assert torch.equal(table[0, 0::2], torch.zeros(4))
    assert torch.equal(table[0, 1::2], torch.ones(4))


def test_sinusoidal_rejects_odd_width_and_long_inputs():
    with pytest.raises(ValueError, match="even"):
        sinusoidal_table(10, 7)
    pe = SinusoidalPositionalEncoding(8, max_len=5)
    with pytest.raises(ValueError, match="max_len"):
        pe(torch.zeros(1, 6, 8))


def test_positional_modules_add_position_dependent_vectors():
    x = torch.zeros(2, 5, 8)
    pe = SinusoidalPositionalEncoding(8, max_len=10)
    assert torch.equal(pe(x)[1], sinusoidal_table(10, 8)[:5])
    learned = LearnedPositionalEmbedding(10, 8)
    out = learned(x)
    assert torch.equal(out[0], learned.embedding.weight[:5])
    with pytest.raises(ValueError, match="max_len"):
        learned(torch.zeros(1, 11, 8))


def test_token_embedding_scales_by_sqrt_d():
    emb = TokenEmbedding(20, 16, padding_idx=0)
    tokens = torch.tensor([[0, 3]])
    out = emb(tokens)
    assert out.shape == (1, 2, 16)
    assert torch.equal(out[0, 0], torch.zeros(16))
    assert torch.allclose(out[0, 1], emb.embedding.weight[3] * 4.0)


def test_feed_forward_is_position_wise_and_validates():
    ff = FeedForward(D, FF)
    x = torch.randn(3, 7, D)
    out = ff(x)
    assert out.shape == x.shape
    # The same network at every position: position 4 alone gives the same result.
    assert torch.allclose(ff(x[:, 4:5]), out[:, 4:5], atol=1e-6)
    with pytest.raises(ValueError, match="activation"):
        FeedForward(D, FF, activation="tanh")
    with pytest.raises(ValueError, match="dropout"):
        FeedForward(D, FF, dropout=1.0)


# ----------------------------------------------------------------------------- layers vs PyTorch


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_equals_torch(norm_first, activation):
    theirs = nn.TransformerEncoderLayer(
        D, H, FF, dropout=0.0, activation=activation, batch_first=True, norm_first=norm_first
    )
    ours = EncoderLayer(D, H, FF, activation=activation, norm_first=norm_first)
    _copy_mha(ours.self_attn, theirs.self_attn)
    _copy_common(ours, theirs, ("norm1", "norm2"))
    x = torch.randn(3, 6, D)
    real = torch.tensor([[1] * 6, [1] * 4 + [0] * 2, [1] * 2 + [0] * 4], dtype=torch.bool)
    expected = theirs(x, src_key_padding_mask=~real)  # PyTorch: True = blocked
    got, _ = ours(x, mask=real[:, None, :])  # ours: True = may attend
    assert torch.allclose(got[real], expected[real], atol=1e-5)
    causal = torch.ones(6, 6, dtype=torch.bool).tril()
    expected = theirs(x, src_mask=~causal)
    got, _ = ours(x, mask=causal)
    assert torch.allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_equals_torch(norm_first):
    theirs = nn.TransformerDecoderLayer(
        D, H, FF, dropout=0.0, batch_first=True, norm_first=norm_first
    )
    ours = DecoderLayer(D, H, FF, norm_first=norm_first)
    _copy_mha(ours.self_attn, theirs.self_attn)
    _copy_mha(ours.cross_attn, theirs.multihead_attn)
    _copy_common(ours, theirs, ("norm1", "norm2", "norm3"))
    y, memory = torch.randn(2, 5, D), torch.randn(2, 7, D)
    causal = torch.ones(5, 5, dtype=torch.bool).tril()
    src_real = torch.tensor([[1] * 7, [1] * 3 + [0] * 4], dtype=torch.bool)
    expected = theirs(y, memory, tgt_mask=~causal, memory_key_padding_mask=~src_real)
    got, weights = ours(y, memory, causal, src_real[:, None, :], need_weights=True)
    assert torch.allclose(got, expected, atol=1e-5)
    assert weights.shape == (2, H, 5, 7)
    assert torch.all(weights[1, :, :, 3:] == 0)  # padded source tokens get no attention


def test_layers_with_dropout_differ_between_train_and_eval():
    layer = EncoderLayer(D, H, FF, dropout=0.5)
    x = torch.randn(2, 4, D)
    layer.eval()
    a, _ = layer(x)
    b, _ = layer(x)
    assert torch.equal(a, b)
    layer.train()
    c, _ = layer(x)
    assert not torch.allclose(a, c)


def test_stacks_shapes_weights_and_final_norm():
    enc = Encoder(3, D, H, FF, norm_first=True)
    x = torch.randn(2, 5, D)
    out, weights = enc(x, need_weights=True)
    assert out.shape == (2, 5, D) and len(weights) == 3 and weights[0].shape == (2, H, 5, 5)
    assert isinstance(enc.norm, nn.LayerNorm)
    assert isinstance(Encoder(1, D, H, FF).norm, nn.Identity)
    dec = Decoder(2, D, H, FF)
    out, weights = dec(torch.randn(2, 3, D), x, need_weights=True)
    assert out.shape == (2, 3, D) and weights[-1].shape == (2, H, 3, 5)
    with pytest.raises(ValueError, match="num_layers"):
        Encoder(0, D, H, FF)


def test_layer_norm_eps_and_bias_reach_every_norm():
    enc = Encoder(2, D, H, FF, norm_first=True, layer_norm_eps=1e-3, bias=False)
    norms = [m for m in enc.modules() if isinstance(m, nn.LayerNorm)]
    assert len(norms) == 5  # two per layer and the final one
    assert all(m.eps == 1e-3 and m.bias is None for m in norms)
    linears = [m for m in enc.modules() if isinstance(m, nn.Linear)]
    assert linears and all(m.bias is None for m in linears)
    dec = Decoder(1, D, H, FF, layer_norm_eps=1e-4)
    assert {m.eps for m in dec.modules() if isinstance(m, nn.LayerNorm)} == {1e-4}


def test_layer_options_read_the_layer_arguments_from_a_config():
    from dlbook.nn import GPTConfig, TransformerConfig
    from dlbook.nn.transformer import LAYER_FIELDS, layer_options

    c = TransformerConfig(
        10, 12, d_model=16, num_heads=2, d_ff=24, dropout=0.2, activation="gelu",
        norm_first=True, layer_norm_eps=1e-6, bias=False,
    )  # fmt: skip
    options = layer_options(c)
    assert options == {name: getattr(c, name) for name in LAYER_FIELDS}
    assert layer_options(c, dropout=0.0)["dropout"] == 0.0
    layer = EncoderLayer(**options)
    assert layer.norm_first and layer.norm1.eps == 1e-6 and layer.norm1.bias is None
    assert layer.feed_forward.linear1.out_features == 24
    # GPTConfig has no norm_first (always pre-norm): it must be supplied.
    g = GPTConfig(vocab_size=20, block_size=8, d_model=16, num_heads=2, num_layers=1, d_ff=32)
    with pytest.raises(AttributeError, match="norm_first"):
        layer_options(g)
    assert layer_options(g, norm_first=True)["norm_first"] is True
