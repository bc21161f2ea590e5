"""Character-level sequence to sequence: vocabulary, training and evaluation on string pairs.

* :class:`CharVocab` turns strings into padded id tensors and back;
* :func:`fit`, :func:`predict` and :func:`exact_match` train and evaluate a
  :class:`dlbook.nn.seq2seq.Seq2Seq` (the models live in :mod:`dlbook.nn.seq2seq`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dlbook.nn.seq2seq import Seq2Seq

__all__ = [
    "CharVocab",
    "exact_match",
    "fit",
    "predict",
]

PAD, SOS, EOS = "<pad>", "<s>", "</s>"


# ----------------------------------------------------------------------------- vocabulary


class CharVocab:
    """A character vocabulary with three special tokens: padding (id 0), start and end.

    >>> vocab = CharVocab.build(["ab", "ba!"])
    >>> vocab.encode("ab", eos=True)
    [3, 4, 2]
    >>> vocab.decode([3, 4, 2, 0, 0])
    'ab'
    """

    def __init__(self, chars: Iterable[str]):
        chars = list(chars)
        if any(len(c) != 1 for c in chars):
            raise ValueError("a CharVocab holds single characters")
        if len(set(chars)) != len(chars):
            raise ValueError("characters must be distinct")
        self.itos: list[str] = [PAD, SOS, EOS, *chars]
        self.stoi: dict[str, int] = {s: i for i, s in enumerate(self.itos)}
        self.pad_id, self.sos_id, self.eos_id = 0, 1, 2

    @classmethod
    def build(cls, texts: Iterable[str]) -> CharVocab:
        """The sorted set of characters that occur in ``texts``."""
        return cls(sorted(set().union(*map(set, texts))))

    def __len__(self) -> int:
        return len(self.itos)

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} tokens: {''.join(self.itos[3:])!r} + 3 special)"

    def encode(self, text: str, *, sos: bool = False, eos: bool = False) -> list[int]:
        """Ids of the characters of ``text``, optionally framed by start/end tokens."""
        unknown = sorted(set(text) - self.stoi.keys())
        if unknown:
            raise ValueError(f"characters {unknown} are not in the vocabulary")
        ids = [self.stoi[c] for c in text]
        return [self.sos_id] * sos + ids + [self.eos_id] * eos

    def decode(self, ids: Iterable[int]) -> str:
        """The string up to the first end token, skipping padding and start tokens."""
        chars = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if i > self.eos_id:
                chars.append(self.itos[i])
        return "".join(chars)

    def encode_batch(
        self, texts: Sequence[str], *, sos: bool = False, eos: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode and right-pad: ids ``(N, T_max)`` (int64) and lengths ``(N,)``."""
        if isinstance(texts, str):
            raise ValueError("encode_batch takes a sequence of strings; use encode for one")
        seqs = [self.encode(t, sos=sos, eos=eos) for t in texts]
        lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
        ids = torch.full((len(seqs), int(lengths.max()) if seqs else 0), self.pad_id)
        for row, seq in enumerate(seqs):
            ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        return ids, lengths  # (N, T), (N,)

    def decode_batch(self, ids: torch.Tensor) -> list[str]:
        """Decode every row of an ``(N, T)`` id tensor."""
        return [self.decode(row) for row in ids.tolist()]


# ----------------------------------------------------------------------------- train, evaluate


def fit(
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
) -> dict[str, list[float]]:
    """Train with teacher forcing and Adam; return ``{"loss": [...], "val_loss": [...]}``.

    The loss is the mean cross-entropy per target token (padding ignored). Gradients are
    clipped to norm ``clip``. ``val_loss`` is recorded when ``val_pairs`` are given.
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs and batch_size must be positive")
    model.to(device)
    src, src_len, tgt_in, tgt_out = _encode_pairs(pairs, src_vocab, tgt_vocab)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    history: dict[str, list[float]] = {"loss": []}
    if val_pairs is not None:
        history["val_loss"] = []
        val = _encode_pairs(val_pairs, src_vocab, tgt_vocab)
    for _ in range(epochs):
        model.train()
        total, count = 0.0, 0
        for idx in _length_batches(src_len, batch_size, generator):
            batch = _batch(idx, src, src_len, tgt_in, tgt_out, device)
            loss = _loss(model, *batch, pad_id=tgt_vocab.pad_id)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            total += loss.item() * len(idx)
            count += len(idx)
        history["loss"].append(total / count)
        if val_pairs is not None:
            history["val_loss"].append(_evaluate_loss(model, val, tgt_vocab.pad_id, device))
    model.eval()
    return history


def _length_batches(lengths: torch.Tensor, batch_size: int, generator: torch.Generator):
    """Shuffled batches of indices whose sources have similar lengths.

    Sorting each run of 50 random batches by length means a batch of short dates is not padded
    to the longest date in the data set, which saves most of the work on padding.
    """
    order = torch.randperm(len(lengths), generator=generator)
    chunk = 50 * batch_size
    batches = []
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[torch.argsort(lengths[part], stable=True)]
        batches.extend(part.split(batch_size))
    shuffle = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[i] for i in shuffle]


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
    tgt, _ = tgt_vocab.encode_batch(targets, sos=True, eos=True)  # (N, T + 2)
    return src, src_len, tgt[:, :-1], tgt[:, 1:]  # input starts with SOS, output ends with EOS


def _loss(model, src, src_len, tgt_in, tgt_out, pad_id):
    logits, _ = model(src, src_len, tgt_in)  # (B, T, V)
    return F.cross_entropy(logits.flatten(0, 1), tgt_out.flatten(), ignore_index=pad_id)


@torch.no_grad()
def _evaluate_loss(model, data, pad_id, device, batch_size=1024):
    model.eval()
    total, n = 0.0, data[0].shape[0]
    for start in range(0, n, batch_size):
        idx = torch.arange(start, min(start + batch_size, n))
        batch = _batch(idx, *data, device)
        total += _loss(model, *batch, pad_id=pad_id).item() * len(idx)
    return total / n


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


def exact_match(predictions: Sequence[str], targets: Sequence[str]) -> float:
    """Fraction of predictions that equal their target exactly."""
    if len(predictions) != len(targets):
        raise ValueError(f"{len(predictions)} predictions for {len(targets)} targets")
    if not targets:
        return math.nan
    return sum(p == t for p, t in zip(predictions, targets, strict=True)) / len(targets)
