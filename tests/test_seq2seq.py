"""Tests of dlbook.seq2seq: training on string pairs and decoding strings."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest
import torch

from dlbook.metrics import exact_match
from dlbook.nn import BahdanauDecoder, GRUDecoder, GRUEncoder, Seq2Seq
from dlbook.seq2seq import fit_pairs, predict
from dlbook.text import CharVocab
from test_nn_seq2seq import make_model


@pytest.fixture(autouse=True)
def _seed_one_thread(one_torch_thread):
    torch.manual_seed(0)


def test_fit_learns_to_reverse_and_attention_maps_align():
    rng = random.Random(0)
    words = ["".join(rng.choice("abcde") for _ in range(rng.randint(2, 5))) for _ in range(1200)]
    pairs = [(w, w[::-1]) for w in words]
    src_vocab = tgt_vocab = CharVocab.build(words)
    encoder = GRUEncoder(len(src_vocab), embed_dim=16, hidden_dim=32)
    decoder = BahdanauDecoder(len(tgt_vocab), encoder.output_dim, embed_dim=16, hidden_dim=64)
    model = Seq2Seq(encoder, decoder)
    history = fit_pairs(
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


def test_fit_pairs_takes_the_steps_of_the_classic_loop():
    # fit_pairs is dlbook.train.fit with a loss function and length-bucketed batches; it must
    # take exactly the steps of the plain loop it replaced (same batches, clipping, Adam).
    import torch.nn.functional as F

    from dlbook.seq2seq import _batch, _encode_pairs

    rng = random.Random(1)
    words = ["".join(rng.choice("abcd") for _ in range(rng.randint(1, 6))) for _ in range(300)]
    pairs = [(w, w[::-1]) for w in words]
    vocab = CharVocab.build(words)
    torch.manual_seed(0)
    model = make_model("bahdanau", len(vocab), len(vocab)).train()
    reference = copy.deepcopy(model)
    fit_pairs(model, pairs, vocab, vocab, epochs=2, batch_size=32, lr=1e-2, clip=0.5, seed=4)

    data = _encode_pairs(pairs, vocab, vocab)
    lengths = data[1]
    optimizer = torch.optim.Adam(reference.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(4)
    for _ in range(2):
        order = torch.randperm(len(lengths), generator=generator)
        batches = []
        for start in range(0, len(order), 50 * 32):
            part = order[start : start + 50 * 32]
            batches.extend(part[torch.argsort(lengths[part], stable=True)].split(32))
        for i in torch.randperm(len(batches), generator=generator).tolist():
            src, src_len, tgt_in, tgt_out = _batch(batches[i], *data, "cpu")
            logits, _ = reference(src, src_len, tgt_in)
            loss = F.cross_entropy(logits.flatten(0, 1), tgt_out.flatten(), ignore_index=0)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(reference.parameters(), 0.5)
            optimizer.step()
    for name, value in model.state_dict().items():
        assert torch.equal(value, reference.state_dict()[name]), name
