"""Tests for dlbook.seq2seq: vocabularies, encoder, decoders, decoding and training."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from dlbook.nn import BahdanauDecoder, GRUDecoder, GRUEncoder, LuongDecoder, Seq2Seq
from dlbook.seq2seq import CharVocab, exact_match, fit, predict

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


def test_vocab_roundtrip_and_specials():
    vocab = CharVocab.build(["abc", "cab d"])
    assert len(vocab) == 3 + 5  # pad, sos, eos + " abcd"
    assert vocab.pad_id == 0 and vocab.itos[vocab.sos_id] == "<s>"
    ids = vocab.encode("cab", sos=True, eos=True)
    assert ids[0] == vocab.sos_id and ids[-1] == vocab.eos_id
    assert vocab.decode(ids) == "cab"
    assert vocab.decode(vocab.encode("ab") + [vocab.eos_id] + vocab.encode("cd")) == "ab"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("xyz")
    with pytest.raises(ValueError):
        CharVocab(["a", "a"])


def test_encode_batch_pads_right():
    vocab = CharVocab.build(["abc"])
    ids, lengths = vocab.encode_batch(["a", "abc", ""], eos=True)
    assert ids.shape == (3, 4) and lengths.tolist() == [2, 4, 1]
    assert ids[0, 2:].tolist() == [vocab.pad_id] * 2
    assert vocab.decode_batch(ids) == ["a", "abc", ""]
    with pytest.raises(ValueError):
        vocab.encode_batch("abc")


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


def test_exact_match():
    assert exact_match(["a", "b", "c"], ["a", "x", "c"]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        exact_match(["a"], ["a", "b"])


def test_fit_learns_to_reverse_and_attention_maps_align():
    rng = random.Random(0)
    words = ["".join(rng.choice("abcde") for _ in range(rng.randint(2, 5))) for _ in range(1200)]
    pairs = [(w, w[::-1]) for w in words]
    src_vocab = tgt_vocab = CharVocab.build(words)
    encoder = GRUEncoder(len(src_vocab), embed_dim=16, hidden_dim=32)
    decoder = BahdanauDecoder(len(tgt_vocab), encoder.output_dim, embed_dim=16, hidden_dim=64)
    model = Seq2Seq(encoder, decoder)
    history = fit(
        model, pairs[:1000], src_vocab, tgt_vocab, epochs=12, batch_size=64, val_pairs=pairs[1000:]
    )
    assert history["loss"][-1] < history["loss"][0] / 5
    assert len(history["val_loss"]) == 12
    test = pairs[1000:]
    preds, maps = predict(model, [s for s, _ in test], src_vocab, tgt_vocab, return_weights=True)
    assert exact_match(preds, [t for _, t in test]) > 0.9
    source, _ = test[0]
    assert maps[0].shape == (len(preds[0]) + 1, len(source))
    # reversing: output character i should look mostly at input character n - 1 - i
    hits = [
        np.argmax(m[i]) == len(s) - 1 - i
        for (s, _), m, p in zip(test, maps, preds, strict=True)
        for i in range(min(len(p), len(s)))
    ]
    assert np.mean(hits) > 0.8


def test_predict_without_attention_has_no_maps():
    vocab = CharVocab.build(["ab"])
    decoder = GRUDecoder(len(vocab), 8, embed_dim=4, hidden_dim=8)
    model = Seq2Seq(GRUEncoder(len(vocab), 4, 4), decoder)
    assert len(predict(model, ["ab", "b"], vocab, vocab, max_len=3)) == 2
    with pytest.raises(ValueError, match="no attention"):
        predict(model, ["ab"], vocab, vocab, return_weights=True)


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
