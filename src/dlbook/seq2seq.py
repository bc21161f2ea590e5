"""Sequence to sequence on strings: training on ``(source, target)`` pairs and decoding.

:func:`fit_pairs` trains a :class:`dlbook.nn.seq2seq.Seq2Seq` on string pairs encoded with a
:class:`dlbook.text.CharVocab` (through :func:`dlbook.train.fit`), and :func:`predict`
greedy-decodes strings, with the attention maps if asked. Score the predictions with
:func:`dlbook.metrics.exact_match`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from dlbook.nn.seq2seq import Seq2Seq
from dlbook.text import BucketBatcher, CharVocab
from dlbook.train import History, fit

__all__ = ["fit_pairs", "predict"]


def fit_pairs(
    model: Seq2Seq,
    pairs: Sequence[tuple[str, str]],
    src_vocab: CharVocab,
    tgt_vocab: CharVocab,
    *,
    epochs: int = 5,
    batch_size: int = 256,
    lr: float = 3e-3,
    val_pairs: Sequence[tuple[str, str]] | None = None,
    clip: float = 1.0,
    device: str | torch.device = "cpu",
    seed: int = 0,
    progress: bool = False,
) -> History:
    """Train on ``(source, target)`` string pairs with teacher forcing and Adam.

    The loss is the mean cross-entropy per target token (padding ignored); gradients are
    clipped to norm ``clip``. Batches hold sources of similar lengths
    (:class:`dlbook.text.BucketBatcher`, seeded with ``seed``), so that little of the work
    goes to padding. The loop is :func:`dlbook.train.fit`.

    Returns
    -------
    dlbook.train.History
        ``"loss"`` per epoch (the mean over its batches) and, when ``val_pairs`` are given,
        ``"val_loss"`` (the mean over batches of 1,024 pairs).
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs and batch_size must be positive")
    model.to(device)
    data = _encode_pairs(pairs, src_vocab, tgt_vocab)
    lengths = data[1].tolist()
    batches = BucketBatcher(
        range(len(lengths)),
        batch_size,
        collate=lambda rows: _batch(torch.tensor(rows), *data, device),
        length=lengths.__getitem__,
        seed=seed,
    )
    val_batches = None
    if val_pairs is not None:
        val = _encode_pairs(val_pairs, src_vocab, tgt_vocab)
        n_val = len(val_pairs)
        val_batches = [
            _batch(torch.arange(start, min(start + 1024, n_val)), *val, device)
            for start in range(0, n_val, 1024)
        ]

    def loss_fn(model, batch):
        src, src_len, tgt_in, tgt_out = batch
        logits, _ = model(src, src_len, tgt_in)  # (B, T, V)
        return F.cross_entropy(
            logits.flatten(0, 1), tgt_out.flatten(), ignore_index=tgt_vocab.pad_id
        )

    return fit(
        model,
        loss_fn,
        batches,
        optimizer=torch.optim.Adam(model.parameters(), lr=lr),
        epochs=epochs,
        val_data=val_batches,
        clip_grad_norm=clip,
        progress=progress,
    )


def _batch(idx, src, src_len, tgt_in, tgt_out, device):
    lengths = src_len[idx]
    s_max, t_max = int(lengths.max()), int((tgt_out[idx] != 0).sum(1).max())
    return (
        src[idx, :s_max].to(device),  # (B, S_batch): trimmed to this batch's longest source
        lengths.to(device),
        tgt_in[idx, :t_max].to(device),
        tgt_out[idx, :t_max].to(device),
    )


def _encode_pairs(pairs, src_vocab, tgt_vocab):
    if len(pairs) == 0:
        raise ValueError("no pairs to train on")
    sources, targets = zip(*pairs, strict=True)
    src, src_len = src_vocab.encode_batch(sources)  # (N, S), (N,)
    tgt, _ = tgt_vocab.encode_batch(targets, bos=True, eos=True)  # (N, T + 2)
    return src, src_len, tgt[:, :-1], tgt[:, 1:]  # input starts with BOS, output ends with EOS


@torch.no_grad()
def predict(
    model: Seq2Seq,
    texts: Sequence[str],
    src_vocab: CharVocab,
    tgt_vocab: CharVocab,
    *,
    max_len: int = 20,
    batch_size: int = 1024,
    return_weights: bool = False,
    device: str | torch.device = "cpu",
) -> list[str] | tuple[list[str], list[np.ndarray]]:
    """Greedy-decode every text. With ``return_weights``, also each example's attention map.

    Each map is a NumPy array ``(output length + 1, input length)``: one row per output
    character and a last row for the end token, one column per input character.
    """
    model.eval().to(device)
    outputs: list[str] = [""] * len(texts)
    maps: list[np.ndarray] = [np.empty((0, 0))] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding per batch
    for start in range(0, len(texts), batch_size):
        rows = order[start : start + batch_size]
        chunk = [texts[i] for i in rows]
        src, src_len = src_vocab.encode_batch(chunk)
        ids, weights = model.greedy_decode(src.to(device), src_len.to(device), max_len)
        if return_weights and weights is None:
            raise ValueError("this model's decoder has no attention weights to return")
        for j, (i, out) in enumerate(zip(rows, tgt_vocab.decode_batch(ids), strict=True)):
            outputs[i] = out
            if return_weights:
                n_out = min(len(out) + 1, weights.shape[1])
                maps[i] = weights[j, :n_out, : len(texts[i])].cpu().numpy()
    return (outputs, maps) if return_weights else outputs
