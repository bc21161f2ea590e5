"""Tests for dlbook.nn.attention against PyTorch's and Keras' own attention."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook.nn.attention import (
    AdditiveAttention,
    MultiHeadAttention,
    MultiplicativeAttention,
    causal_mask,
    masked_softmax,
    padding_mask,
    scaled_dot_product_attention,
)

TOL = 1e-5


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


# ----------------------------------------------------------------------------- masks


def test_causal_mask_is_lower_triangular():
    m = causal_mask(4)
    assert m.dtype == torch.bool and m.shape == (4, 4)
    for i in range(4):
        for j in range(4):
            assert bool(m[i, j]) == (j <= i)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_causal_mask_rejects_bad_size(bad):
    with pytest.raises(ValueError):
        causal_mask(bad)


def test_padding_mask_from_lengths_and_bool():
    m = padding_mask(torch.tensor([3, 1]), max_len=4)
    assert m.shape == (2, 1, 4)
    expected = torch.tensor([[True, True, True, False], [True, False, False, False]])
    assert torch.equal(m[:, 0], expected)
    assert torch.equal(padding_mask(expected), m)
    assert padding_mask([2, 1]).shape == (2, 1, 2)  # max_len defaults to the longest


def test_padding_mask_errors():
    with pytest.raises(ValueError):
        padding_mask(torch.tensor([3, 5]), max_len=4)
    with pytest.raises(ValueError):
        padding_mask(torch.tensor([1.0, 2.0]))
    with pytest.raises(ValueError):
        padding_mask(torch.ones(2, 3, 4, dtype=torch.bool))
    with pytest.raises(ValueError):
        padding_mask(torch.tensor([-1, 2]))


def test_masked_softmax_zero_rows_and_sums():
    scores = torch.randn(3, 5)
    mask = torch.tensor([[1, 1, 0, 0, 1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    w = masked_softmax(scores, mask)
    assert torch.allclose(w[0].sum(), torch.tensor(1.0))
    assert torch.all(w[0, 2:4] == 0)
    assert torch.all(w[1] == 0)  # fully masked row: zeros, not NaN
    assert torch.allclose(w[2], scores[2].softmax(-1))


def test_mask_must_be_boolean_and_broadcast():
    q = torch.randn(2, 3, 4)
    with pytest.raises(ValueError, match="boolean"):
        scaled_dot_product_attention(q, q, q, mask=torch.ones(3, 3))
    with pytest.raises(ValueError, match="broadcast"):
        scaled_dot_product_attention(q, q, q, mask=torch.ones(5, 5, dtype=torch.bool))


# ----------------------------------------------------------------------------- scaled dot product


def test_sdpa_matches_torch_and_shapes():
    q = torch.randn(2, 3, 5, 8)  # (B, h, L, d)
    k = torch.randn(2, 3, 7, 8)  # (B, h, S, d)
    v = torch.randn(2, 3, 7, 6)  # (B, h, S, d_v)
    out, w = scaled_dot_product_attention(q, k, v)
    assert out.shape == (2, 3, 5, 6) and w.shape == (2, 3, 5, 7)
    assert torch.allclose(w.sum(-1), torch.ones(2, 3, 5), atol=TOL)
    ref = F.scaled_dot_product_attention(q, k, v)
    assert (out - ref).abs().max() <= TOL


def test_sdpa_matches_torch_with_masks():
    q = torch.randn(2, 6, 8)
    k = torch.randn(2, 6, 8)
    v = torch.randn(2, 6, 8)
    causal = causal_mask(6)
    out, _ = scaled_dot_product_attention(q, k, v, mask=causal)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=causal)
    assert (out - ref).abs().max() <= TOL
    ref_causal = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert (out - ref_causal).abs().max() <= TOL
    pad = padding_mask(torch.tensor([6, 4]))  # (B, 1, S)
    out, _ = scaled_dot_product_attention(q, k, v, mask=pad)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=pad)
    assert (out - ref).abs().max() <= TOL


def test_sdpa_scaling_by_sqrt_d():
    q, k, v = torch.randn(1, 2, 16), torch.randn(1, 3, 16), torch.randn(1, 3, 4)
    _, w = scaled_dot_product_attention(q, k, v)
    assert torch.allclose(w, (q @ k.transpose(-2, -1) / math.sqrt(16)).softmax(-1), atol=TOL)


def test_masked_positions_get_zero_weight_and_do_not_matter():
    q = torch.randn(2, 4, 8)
    k = torch.randn(2, 6, 8)
    v = torch.randn(2, 6, 3)
    mask = padding_mask(torch.tensor([6, 3]))  # second example: keys 3, 4, 5 are padding
    out, w = scaled_dot_product_attention(q, k, v, mask=mask)
    assert torch.all(w[1, :, 3:] == 0)
    assert torch.allclose(w.sum(-1), torch.ones(2, 4), atol=TOL)
    k2, v2 = k.clone(), v.clone()
    k2[1, 3:] = 100 * torch.randn(3, 8)
    v2[1, 3:] = 100 * torch.randn(3, 3)
    out2, w2 = scaled_dot_product_attention(q, k2, v2, mask=mask)
    assert torch.equal(out[1], out2[1]) and torch.equal(w[1], w2[1])


def test_causal_mask_blocks_the_future():
    x = torch.randn(1, 5, 4)
    out, w = scaled_dot_product_attention(x, x, x, mask=causal_mask(5))
    assert torch.all(w[0].triu(1) == 0)
    x2 = x.clone()
    x2[0, 3:] = torch.randn(2, 4)  # change the future of positions 0..2
    out2, _ = scaled_dot_product_attention(x2, x2, x2, mask=causal_mask(5))
    assert torch.allclose(out[0, :3], out2[0, :3])


def test_sdpa_errors():
    with pytest.raises(ValueError, match="last axis"):
        scaled_dot_product_attention(torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4))
    with pytest.raises(ValueError, match="same length"):
        scaled_dot_product_attention(torch.randn(2, 3), torch.randn(4, 3), torch.randn(5, 3))
    with pytest.raises(ValueError, match="dropout"):
        scaled_dot_product_attention(
            torch.randn(2, 3), torch.randn(2, 3), torch.randn(2, 3), None, 1.5
        )


def test_sdpa_dropout_only_in_training():
    q = torch.randn(2, 5, 4)
    out_eval, _ = scaled_dot_product_attention(q, q, q, dropout_p=0.5, training=False)
    ref, _ = scaled_dot_product_attention(q, q, q)
    assert torch.equal(out_eval, ref)
    out_train, w = scaled_dot_product_attention(q, q, q, dropout_p=0.5, training=True)
    assert not torch.allclose(out_train, ref)
    assert torch.allclose(w.sum(-1), torch.ones(2, 5), atol=TOL)  # weights before dropout


# ----------------------------------------------------------------------------- multi-head


def copy_from_torch_mha(ours: MultiHeadAttention, theirs: torch.nn.MultiheadAttention) -> None:
    """Give ``ours`` the weights of PyTorch's layer (its in_proj stacks Q, K, V)."""
    w_q, w_k, w_v = theirs.in_proj_weight.chunk(3)
    b_q, b_k, b_v = theirs.in_proj_bias.chunk(3)
    with torch.no_grad():
        for lin, w, b in (
            (ours.q_proj, w_q, b_q),
            (ours.k_proj, w_k, b_k),
            (ours.v_proj, w_v, b_v),
        ):
            lin.weight.copy_(w)
            lin.bias.copy_(b)
        ours.out_proj.weight.copy_(theirs.out_proj.weight)
        ours.out_proj.bias.copy_(theirs.out_proj.bias)


def test_mha_matches_torch_multiheadattention():
    d_model, heads = 16, 4
    ref = torch.nn.MultiheadAttention(d_model, heads, batch_first=True).eval()
    torch.nn.init.normal_(ref.in_proj_bias)  # make biases non-zero so they are tested too
    torch.nn.init.normal_(ref.out_proj.bias)
    ours = MultiHeadAttention(d_model, heads).eval()
    copy_from_torch_mha(ours, ref)
    q = torch.randn(3, 5, d_model)
    kv = torch.randn(3, 7, d_model)
    out, w = ours(q, kv, kv, need_weights=True)
    ref_out, ref_w = ref(q, kv, kv, need_weights=True, average_attn_weights=False)
    assert out.shape == (3, 5, d_model) and w.shape == (3, heads, 5, 7)
    assert (out - ref_out).abs().max() <= TOL
    assert (w - ref_w).abs().max() <= TOL
    # Masks: ours says True = attend, PyTorch's boolean masks say True = blocked.
    lengths = torch.tensor([7, 4, 2])
    pad = padding_mask(lengths, max_len=7)  # (B, 1, S)
    out, w = ours(q, kv, kv, mask=pad, need_weights=True)
    ref_out, _ = ref(q, kv, kv, key_padding_mask=~pad[:, 0])
    assert (out - ref_out).abs().max() <= TOL
    assert torch.all(w[2, :, :, 2:] == 0)
    x = torch.randn(3, 5, d_model)
    out, _ = ours(x, x, x, mask=causal_mask(5))
    ref_out, _ = ref(x, x, x, attn_mask=~causal_mask(5))
    assert (out - ref_out).abs().max() <= TOL


def test_mha_weights_none_by_default_and_errors():
    mha = MultiHeadAttention(8, 2)
    x = torch.randn(2, 3, 8)
    assert mha(x, x, x)[1] is None
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(10, 3)
    with pytest.raises(ValueError, match="d_model"):
        mha(torch.randn(2, 3, 7), x, x)
    with pytest.raises(ValueError, match="boolean"):
        mha(x, x, x, mask=torch.ones(3, 3))
    with pytest.raises(ValueError):
        MultiHeadAttention(8, 2, dropout=1.0)


def test_mha_masked_key_values_do_not_matter():
    mha = MultiHeadAttention(8, 2).eval()
    q = torch.randn(2, 3, 8)
    kv = torch.randn(2, 5, 8)
    mask = padding_mask(torch.tensor([5, 2]))
    out, w = mha(q, kv, kv, mask=mask, need_weights=True)
    kv2 = kv.clone()
    kv2[1, 2:] = 50 * torch.randn(3, 8)
    out2, _ = mha(q, kv2, kv2, mask=mask)
    assert torch.allclose(out, out2, atol=1e-6)
    assert torch.allclose(w.sum(-1), torch.ones(2, 2, 3), atol=TOL)


def test_mha_matches_keras_multiheadattention():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the comparison uses Keras on the TensorFlow backend")
    d_model, heads = 16, 4
    head_dim = d_model // heads
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 5, d_model)).astype("float32")
    kv = rng.standard_normal((2, 6, d_model)).astype("float32")
    layer = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=head_dim)
    mask = np.tril(np.ones((5, 6), dtype=bool))[None].repeat(2, 0)  # (B, L, S)
    mask[1, :, 4:] = False
    ref_out, ref_w = layer(q, kv, kv, attention_mask=mask, return_attention_scores=True)
    for dense in (layer._query_dense, layer._key_dense, layer._value_dense, layer._output_dense):
        # random biases so that copying them is tested as well
        dense.bias.assign(rng.standard_normal(tuple(dense.bias.shape)).astype("float32"))
    ref_out, ref_w = layer(q, kv, kv, attention_mask=mask, return_attention_scores=True)

    ours = MultiHeadAttention(d_model, heads).eval()
    with torch.no_grad():
        for lin, dense in (
            (ours.q_proj, layer._query_dense),
            (ours.k_proj, layer._key_dense),
            (ours.v_proj, layer._value_dense),
        ):
            kernel = np.asarray(dense.kernel)  # (d_model, heads, head_dim)
            lin.weight.copy_(torch.from_numpy(kernel.reshape(d_model, d_model).T))
            lin.bias.copy_(torch.from_numpy(np.asarray(dense.bias).reshape(d_model)))
        kernel = np.asarray(layer._output_dense.kernel)  # (heads, head_dim, d_model)
        ours.out_proj.weight.copy_(torch.from_numpy(kernel.reshape(d_model, d_model).T))
        ours.out_proj.bias.copy_(torch.from_numpy(np.asarray(layer._output_dense.bias)))
        out, w = ours(
            torch.from_numpy(q),
            torch.from_numpy(kv),
            torch.from_numpy(kv),
            mask=torch.from_numpy(mask),
            need_weights=True,
        )
    assert np.abs(out.numpy() - np.asarray(ref_out)).max() <= TOL
    assert np.abs(w.numpy() - np.asarray(ref_w)).max() <= TOL


# ----------------------------------------------------------------------------- Bahdanau, Luong


def test_additive_attention_follows_its_equation():
    att = AdditiveAttention(query_dim=6, key_dim=4, hidden_dim=5)
    q = torch.randn(2, 3, 6)
    k = torch.randn(2, 7, 4)
    ctx, w = att(q, k)
    assert ctx.shape == (2, 3, 4) and w.shape == (2, 3, 7)
    b, i, j = 1, 2, 5
    e = att.v.weight[0] @ torch.tanh(
        att.w_q.weight @ q[b, i] + att.w_k.weight @ k[b, j] + att.w_k.bias
    )
    assert torch.allclose(att.score(q, k)[b, i, j], e, atol=TOL)
    assert torch.allclose(w.sum(-1), torch.ones(2, 3), atol=TOL)
    assert torch.allclose(ctx, w @ k, atol=TOL)


def test_additive_attention_reuses_projected_keys():
    # The decoder projects the encoder states once and hands them to every step.
    att = AdditiveAttention(query_dim=6, key_dim=4, hidden_dim=5)
    q, k, v = torch.randn(2, 3, 6), torch.randn(2, 7, 4), torch.randn(2, 7, 2)
    mask = padding_mask(torch.tensor([7, 4]))
    ctx, w = att(q, k, v, mask=mask)
    ctx_p, w_p = att(q, k, v, mask=mask, projected_keys=att.project_keys(k))
    assert torch.equal(ctx, ctx_p) and torch.equal(w, w_p)
    assert torch.allclose(ctx, w @ v, atol=TOL) and torch.all(w[1, :, 4:] == 0)
    # What is passed is used: keys projected from other states give other weights.
    _, w_other = att(q, k, v, mask=mask, projected_keys=att.project_keys(-k))
    assert not torch.allclose(w, w_other)


@pytest.mark.parametrize("method", ["dot", "general"])
def test_multiplicative_attention_follows_its_equation(method):
    att = MultiplicativeAttention(4, 4, method=method)
    q = torch.randn(2, 3, 4)
    k = torch.randn(2, 7, 4)
    v = torch.randn(2, 7, 9)
    mask = padding_mask(torch.tensor([7, 5]))
    ctx, w = att(q, k, v, mask=mask)
    assert ctx.shape == (2, 3, 9)
    expected = q @ (k if method == "dot" else k @ att.w.weight.T).transpose(-2, -1)
    assert torch.allclose(att.score(q, k), expected, atol=TOL)
    assert torch.all(w[1, :, 5:] == 0)
    assert torch.allclose(w.sum(-1), torch.ones(2, 3), atol=TOL)


def test_rnn_scorers_mask_blocks_and_errors():
    att = AdditiveAttention(3, 3)
    q, k = torch.randn(1, 1, 3), torch.randn(1, 4, 3)
    mask = torch.tensor([[[True, True, False, False]]])
    ctx, w = att(q, k, mask=mask)
    k2 = k.clone()
    k2[0, 2:] = 10.0
    ctx2, _ = att(q, k2, mask=mask)
    assert torch.allclose(ctx, ctx2) and torch.all(w[..., 2:] == 0)
    with pytest.raises(ValueError, match="dot"):
        MultiplicativeAttention(3, 4, method="dot")
    with pytest.raises(ValueError, match="method"):
        MultiplicativeAttention(3, 3, method="concat")
    with pytest.raises(ValueError, match="features"):
        att(torch.randn(1, 1, 5), k)
    with pytest.raises(ValueError, match="unsqueeze"):
        att(torch.randn(3), k)
