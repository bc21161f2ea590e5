"""Tests of dlbook.nn.seq2seq: GRU encoder, decoders, teacher forcing, greedy decoding, config."""

from __future__ import annotations

import pytest
import torch

from dlbook.nn import BahdanauDecoder, GRUDecoder, GRUEncoder, LuongDecoder, Seq2Seq

DECODERS = {
    "plain": lambda v, d: GRUDecoder(v, d, hidden_dim=16, embed_dim=8),
    "bahdanau": lambda v, d: BahdanauDecoder(v, d, hidden_dim=16, embed_dim=8),
    "dot": lambda v, d: LuongDecoder(v, d, hidden_dim=16, embed_dim=8, method="dot"),
    "general": lambda v, d: LuongDecoder(v, d, hidden_dim=16, embed_dim=8, method="general"),
}


@pytest.fixture(autouse=True)
def _seed_one_thread(one_torch_thread):
    torch.manual_seed(0)


def make_model(kind: str, src_vocab: int = 12, tgt_vocab: int = 9) -> Seq2Seq:
    encoder = GRUEncoder(src_vocab, embed_dim=8, hidden_dim=8)  # output_dim 16
    return Seq2Seq(encoder, DECODERS[kind](tgt_vocab, encoder.output_dim)).eval()


def test_encoder_ignores_padding():
    enc = GRUEncoder(10, embed_dim=4, hidden_dim=5).eval()
    src = torch.randint(3, 10, (2, 6))
    lengths = torch.tensor([6, 4])
    out, hidden = enc(src, lengths)
    assert out.shape == (2, 6, 10) and hidden.shape == (2, 10)
    assert torch.all(out[1, 4:] == 0)
    padded = torch.cat([src, torch.zeros(2, 3, dtype=torch.long)], 1)  # more padding
    padded[1, 4:6] = 0
    out2, hidden2 = enc(padded, lengths)
    assert torch.allclose(hidden, hidden2, atol=1e-6)
    assert torch.allclose(out[0], out2[0, :6], atol=1e-6)
    alone, h_alone = enc(src[1:, :4], lengths[1:])  # the short example with no padding at all
    assert torch.allclose(h_alone[0], hidden[1], atol=1e-6)


@pytest.mark.parametrize("kind", list(DECODERS))
def test_teacher_forcing_equals_step_by_step(kind):
    model = make_model(kind)
    src = torch.randint(3, 12, (3, 7))
    src_len = torch.tensor([7, 5, 2])
    tgt_in = torch.randint(1, 9, (3, 4))
    logits, weights = model(src, src_len, tgt_in)
    assert logits.shape == (3, 4, 9)
    enc_out, enc_hidden = model.encoder(src, src_len)
    mask = torch.arange(7)[None] < src_len[:, None]
    state = model.decoder.init_state(enc_out, enc_hidden)
    memory = model.decoder.prepare(enc_out, enc_hidden)
    for t in range(4):
        step_logits, state, w = model.decoder.step(tgt_in[:, t], state, enc_out, mask, memory)
        assert torch.allclose(step_logits, logits[:, t], atol=1e-5)
        if w is not None:
            assert torch.allclose(w, weights[:, t], atol=1e-6)
    if kind == "plain":
        assert weights is None
    else:
        assert weights.shape == (3, 4, 7)
        assert torch.allclose(weights.sum(-1), torch.ones(3, 4), atol=1e-5)
        assert torch.all(weights[2, :, 2:] == 0)  # padding gets no attention


@pytest.mark.parametrize("kind", list(DECODERS))
def test_greedy_decode_shapes_and_padding_invariance(kind):
    model = make_model(kind)
    src = torch.randint(3, 12, (2, 5))
    src_len = torch.tensor([5, 3])
    ids, weights = model.greedy_decode(src, src_len, max_len=6)
    assert ids.shape[0] == 2 and 1 <= ids.shape[1] <= 6
    # what sits in the padding must not change the output
    src2 = src.clone()
    src2[1, 3:] = 7
    ids2, _ = model.greedy_decode(src2, src_len, max_len=6)
    assert torch.equal(ids, ids2)
    if kind != "plain":
        assert weights.shape == (2, ids.shape[1], 5)
    with pytest.raises(ValueError):
        model.greedy_decode(src, src_len, max_len=0)


def test_luong_dot_needs_matching_sizes():
    with pytest.raises(ValueError, match="dot"):
        LuongDecoder(9, enc_dim=10, hidden_dim=16, method="dot")


@pytest.mark.parametrize("attention", ["none", "bahdanau", "luong"])
def test_from_config_builds_the_same_model_as_the_parts(attention):
    from dlbook.nn import Seq2SeqConfig

    decoders = {"none": GRUDecoder, "bahdanau": BahdanauDecoder, "luong": LuongDecoder}
    config = Seq2SeqConfig(12, 9, attention=attention, embed_dim=8, encoder_hidden_dim=8)
    torch.manual_seed(3)
    model = Seq2Seq.from_config(config)
    torch.manual_seed(3)
    encoder = GRUEncoder(12, embed_dim=8, hidden_dim=8)
    parts = Seq2Seq(encoder, decoders[attention](9, encoder.output_dim, embed_dim=8))
    assert model.config is config and parts.config is None
    assert isinstance(model.decoder, decoders[attention])
    for (name, a), (_, b) in zip(
        model.state_dict().items(), parts.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), name
    with pytest.raises(ValueError, match="attention"):
        Seq2SeqConfig(12, 9, attention="luong-dot")
