"""Tests of dlbook.nn.transformer: shapes, masks, PyTorch equivalence and learning."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlbook.nn.transformer import (
    Decoder,
    DecoderLayer,
    DecoderOnlyLM,
    Encoder,
    EncoderLayer,
    EncoderOnlyModel,
    FeedForward,
    LearnedPositionalEmbedding,
    SinusoidalPositionalEncoding,
    TokenEmbedding,
    Transformer,
    count_parameters,
    sinusoidal_table,
)

D, H, FF = 16, 4, 32


@pytest.fixture(autouse=True)
def _seed():
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


# ----------------------------------------------------------------------------- masking


def test_transformer_masks():
    model = Transformer(11, 13, D, H, 1, 1, FF, dropout=0.0, pad_id=0)
    src = torch.tensor([[5, 6, 0], [7, 0, 0]])
    assert model.source_mask(src).tolist() == [[[True, True, False]], [[True, False, False]]]
    tgt = torch.tensor([[1, 4, 0]])
    assert model.target_mask(tgt)[0].int().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 0]]


def test_decoder_does_not_look_ahead():
    model = Transformer(11, 13, D, H, 2, 2, FF, dropout=0.0).eval()
    src = torch.randint(1, 11, (2, 6))
    tgt = torch.randint(1, 13, (2, 5))
    changed = tgt.clone()
    changed[:, 3:] = torch.randint(1, 13, (2, 2))
    a, b = model(src, tgt), model(src, changed)
    assert torch.allclose(a[:, :3], b[:, :3], atol=1e-6)  # earlier positions unaffected
    assert not torch.allclose(a[:, 3:], b[:, 3:])


def test_source_padding_does_not_change_the_output():
    model = Transformer(11, 13, D, H, 2, 2, FF, dropout=0.0).eval()
    src = torch.tensor([[4, 5, 6]])
    padded = torch.tensor([[4, 5, 6, 0, 0]])
    tgt = torch.tensor([[1, 7, 8]])
    assert torch.allclose(model(src, tgt), model(padded, tgt), atol=1e-5)


def test_gpt_is_causal_and_counts_parameters():
    lm = DecoderOnlyLM(65, block_size=64, d_model=128, num_heads=4, num_layers=4, bias=False)
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
    lm = DecoderOnlyLM(10, block_size=4, d_model=16, num_heads=2, num_layers=1)
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


def test_encoder_only_model_ignores_padding():
    model = EncoderOnlyModel(30, max_len=8, d_model=D, num_heads=H, num_layers=2, d_ff=FF)
    model.eval()
    a = model(torch.tensor([[3, 4, 5]]))
    b = model(torch.tensor([[3, 4, 5, 0, 0]]))
    assert a.shape == (1, 3, D)
    assert torch.allclose(a, b[:, :3], atol=1e-5)
    states, weights = model(torch.tensor([[3, 4, 0]]), need_weights=True)
    assert len(weights) == 2 and torch.all(weights[0][..., 2] == 0)


def test_parameter_count_of_the_base_model():
    # Vaswani et al. (2017), Table 3: the base model has 65M parameters with a shared
    # 37,000-token vocabulary (source, target embeddings and output projection tied).
    model = Transformer(37000, 37000, tie_embeddings=True)
    model.src_embed.embedding.weight = model.tgt_embed.embedding.weight
    # 18.9M embedding + 6 x 3.15M encoder + 6 x 4.20M decoder layers: 63.1M ("65M" in the paper).
    assert 63.0e6 < count_parameters(model) < 63.2e6


def test_transformer_validates_arguments():
    with pytest.raises(ValueError, match="positional"):
        Transformer(5, 5, D, H, 1, 1, FF, positional="rotary")
    with pytest.raises(ValueError, match="divisible"):
        Transformer(5, 5, 18, 4, 1, 1, FF)


# ----------------------------------------------------------------------------- learning


def test_tiny_transformer_overfits_a_batch_and_decodes_it():
    torch.manual_seed(0)
    bos, eos = 1, 2
    src = torch.randint(3, 12, (8, 6))
    tgt = torch.cat([torch.full((8, 1), bos), src.flip(1), torch.full((8, 1), eos)], dim=1)
    model = Transformer(12, 12, 32, 4, 1, 1, 64, dropout=0.0, max_len=16)
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


def test_tiny_gpt_overfits_a_sequence():
    torch.manual_seed(0)
    data = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7] * 2)
    lm = DecoderOnlyLM(8, block_size=8, d_model=32, num_heads=2, num_layers=1)
    opt = torch.optim.AdamW(lm.parameters(), lr=1e-2)
    for _ in range(100):
        logits = lm(data[None, :8])
        loss = F.cross_entropy(logits[0], data[1:9])
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    assert lm.generate(data[None, :1], 7, temperature=0).tolist() == [list(range(8))]
