"""Character-level sequence-to-sequence models: vocabularies, GRU encoder-decoders, decoding.

The pieces that Part IV's encoder-decoder pages share:

* :class:`CharVocab` turns strings into padded id tensors and back;
* :class:`Encoder` reads the source with a (bidirectional) GRU;
* :class:`Decoder` (no attention), :class:`BahdanauDecoder` and :class:`LuongDecoder` write the
  target one character at a time;
* :class:`Seq2Seq` ties an encoder to a decoder, with teacher-forced :meth:`Seq2Seq.forward`
  for training and :meth:`Seq2Seq.greedy_decode` for inference;
* :func:`fit`, :func:`predict` and :func:`exact_match` train and evaluate on string pairs.

Every decoder has the same two methods, so :class:`Seq2Seq` and :func:`fit` work with any of
them (and with a reader's own):

``forward(tgt_in, enc_out, enc_hidden, src_mask) -> (logits (B, T, V), weights (B, T, S) | None)``
    teacher forcing over a whole target;
``step(token, state, enc_out, src_mask, memory) -> (logits (B, V), state, weights (B, S) | None)``
    one step of decoding; ``state`` starts as ``init_state(enc_out, enc_hidden)`` and
    ``memory = prepare(enc_out, enc_hidden)`` is what the decoder computes once per source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from dlbook.nn.attention import AdditiveAttention, MultiplicativeAttention

__all__ = [
    "BahdanauDecoder",
    "CharVocab",
    "Decoder",
    "Encoder",
    "LuongDecoder",
    "Seq2Seq",
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


# ----------------------------------------------------------------------------- encoder


class Encoder(nn.Module):
    r"""Embed the source characters and run a GRU over them.

    .. math::

        h_j = [\overrightarrow{h}_j; \overleftarrow{h}_j], \qquad
        \overrightarrow{h}_j = \operatorname{GRU}(x_j, \overrightarrow{h}_{j-1}), \quad
        \overleftarrow{h}_j = \operatorname{GRU}'(x_j, \overleftarrow{h}_{j+1})

    Padding is skipped (packed sequences), so the final states are those after the last real
    character. Returns every state ``(B, S, output_dim)`` (what attention looks at) and the
    final states concatenated, ``(B, output_dim)`` (the whole sentence in one vector).
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int = 32,
        hidden_dim: int = 64,
        bidirectional: bool = True,
        pad_id: int = 0,
    ):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.gru = nn.GRU(embed_dim, hidden_dim, batch_first=True, bidirectional=bidirectional)
        self.output_dim = hidden_dim * (2 if bidirectional else 1)

    def forward(
        self, src: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        batch, src_len = src.shape
        x = self.embed(src)  # (B, S, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h_n = self.gru(packed)  # h_n: (directions, B, H)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src_len)  # (B, S, D)
        return out, h_n.transpose(0, 1).reshape(batch, -1)  # (B, S, D), (B, D)


# ----------------------------------------------------------------------------- decoders


class _StepDecoder(nn.Module):
    """Teacher forcing for decoders that must run step by step (attention needs the state)."""

    def init_state(self, enc_out: torch.Tensor, enc_hidden: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.bridge(enc_hidden))  # (B, H)

    def forward(self, tgt_in, enc_out, enc_hidden, src_mask):
        state = self.init_state(enc_out, enc_hidden)
        memory = self.prepare(enc_out, enc_hidden)
        logits, weights = [], []
        for t in range(tgt_in.shape[1]):
            step_logits, state, w = self.step(tgt_in[:, t], state, enc_out, src_mask, memory)
            logits.append(step_logits)
            weights.append(w)
        return torch.stack(logits, 1), torch.stack(weights, 1)  # (B, T, V), (B, T, S)

    def prepare(self, enc_out: torch.Tensor, enc_hidden: torch.Tensor) -> torch.Tensor | None:
        """Work that depends only on the source, done once per sequence (the ``memory``)."""
        return None


class Decoder(_StepDecoder):
    r"""A GRU decoder without attention: one fixed summary of the source is all it knows.

    The summary is :math:`c = h_{\text{final}}`, the encoder's final states (Cho et al.,
    2014). It sets the first state and is fed again at every step, so that it is never
    forgotten; attention will replace this fixed :math:`c` by a :math:`c_t` per step.

    .. math::

        s_0 = \tanh(W_b c), \qquad
        s_t = \operatorname{GRU}([E y_{t-1}; c], s_{t-1}), \qquad
        p(y_t \mid y_{<t}, x) = \operatorname{softmax}(W_o [s_t; c] + b_o)
    """

    def __init__(
        self,
        vocab_size: int,
        enc_dim: int,
        embed_dim: int = 32,
        hidden_dim: int = 128,
        pad_id: int = 0,
    ):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.bridge = nn.Linear(enc_dim, hidden_dim)
        self.gru = nn.GRU(embed_dim + enc_dim, hidden_dim, batch_first=True)
        self.out = nn.Linear(hidden_dim + enc_dim, vocab_size)

    def forward(self, tgt_in, enc_out, enc_hidden, src_mask):
        # No attention, so the whole target can go through the GRU in one call.
        s0 = self.init_state(enc_out, enc_hidden)  # (B, H)
        c = enc_hidden.unsqueeze(1).expand(-1, tgt_in.shape[1], -1)  # (B, T, D): same every step
        states, _ = self.gru(torch.cat([self.embed(tgt_in), c], -1), s0.unsqueeze(0))  # (B, T, H)
        return self.out(torch.cat([states, c], -1)), None  # (B, T, V)

    def prepare(self, enc_out, enc_hidden):
        return enc_hidden  # the fixed context c, (B, D)

    def step(self, token, state, enc_out, src_mask, memory):
        x = torch.cat([self.embed(token), memory], -1).unsqueeze(1)  # (B, 1, E + D)
        out, h = self.gru(x, state.unsqueeze(0))  # (B, 1, H), (1, B, H)
        return self.out(torch.cat([out[:, 0], memory], -1)), h[0], None  # (B, V), (B, H)


class BahdanauDecoder(_StepDecoder):
    r"""GRU decoder with additive attention computed from the previous state (Bahdanau et al.).

    .. math::

        c_t &= \sum_j \alpha_{tj} h_j, \quad
            \alpha_{tj} = \operatorname{softmax}_j\big(v^\top \tanh(W_q s_{t-1} + W_k h_j)\big)\\
        s_t &= \operatorname{GRU}([E y_{t-1}; c_t], s_{t-1}) \\
        p(y_t \mid y_{<t}, x) &= \operatorname{softmax}(W_o [s_t; c_t] + b_o)
    """

    def __init__(
        self,
        vocab_size: int,
        enc_dim: int,
        embed_dim: int = 32,
        hidden_dim: int = 128,
        attention_dim: int = 64,
        pad_id: int = 0,
    ):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.bridge = nn.Linear(enc_dim, hidden_dim)
        self.attention = AdditiveAttention(hidden_dim, enc_dim, attention_dim)
        self.cell = nn.GRUCell(embed_dim + enc_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim + enc_dim, vocab_size)

    def prepare(self, enc_out, enc_hidden):
        return self.attention.project_keys(enc_out)  # W_k h_j, (B, S, attention_dim)

    def step(self, token, state, enc_out, src_mask, memory=None):
        mask = src_mask.unsqueeze(1)  # (B, 1, S)
        context, weights = self.attention(
            state.unsqueeze(1), enc_out, mask=mask, projected_keys=memory
        )  # (B, 1, D), (B, 1, S)
        context = context[:, 0]  # (B, D)
        state = self.cell(torch.cat([self.embed(token), context], -1), state)  # (B, H)
        logits = self.out(torch.cat([state, context], -1))  # (B, V)
        return logits, state, weights[:, 0]


class LuongDecoder(_StepDecoder):
    r"""GRU decoder with multiplicative attention computed from the current state (Luong et al.).

    .. math::

        s_t &= \operatorname{GRU}(E y_{t-1}, s_{t-1}) \\
        c_t &= \sum_j \alpha_{tj} h_j, \quad
            \alpha_{tj} = \operatorname{softmax}_j\big(\operatorname{score}(s_t, h_j)\big),
            \quad \operatorname{score}(s, h) = s^\top h \text{ or } s^\top W_a h \\
        \tilde{s}_t &= \tanh(W_c [c_t; s_t]), \qquad
        p(y_t \mid y_{<t}, x) = \operatorname{softmax}(W_o \tilde{s}_t + b_o)

    ``method="dot"`` needs ``enc_dim == hidden_dim``. (Luong et al.'s *input feeding*, which
    also gives :math:`\tilde{s}_{t-1}` to the GRU, is left out.)
    """

    def __init__(
        self,
        vocab_size: int,
        enc_dim: int,
        embed_dim: int = 32,
        hidden_dim: int = 128,
        method: str = "general",
        pad_id: int = 0,
    ):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.bridge = nn.Linear(enc_dim, hidden_dim)
        self.attention = MultiplicativeAttention(hidden_dim, enc_dim, method=method)
        self.cell = nn.GRUCell(embed_dim, hidden_dim)
        self.combine = nn.Linear(enc_dim + hidden_dim, hidden_dim)
        self.out = nn.Linear(hidden_dim, vocab_size)

    def step(self, token, state, enc_out, src_mask, memory=None):
        state = self.cell(self.embed(token), state)  # (B, H)
        context, weights = self.attention(
            state.unsqueeze(1), enc_out, mask=src_mask.unsqueeze(1)
        )  # (B, 1, D), (B, 1, S)
        attentional = torch.tanh(self.combine(torch.cat([context[:, 0], state], -1)))  # (B, H)
        return self.out(attentional), state, weights[:, 0]


# ----------------------------------------------------------------------------- the model


class Seq2Seq(nn.Module):
    """An encoder and a decoder, with the target vocabulary's start and end ids."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, sos_id: int = 1, eos_id: int = 2):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.sos_id, self.eos_id = sos_id, eos_id

    def forward(
        self, src: torch.Tensor, src_lengths: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Teacher forcing: logits ``(B, T, V)`` for ``tgt_in`` ``(B, T)`` (starts with SOS)."""
        enc_out, enc_hidden = self.encoder(src, src_lengths)  # (B, S, D), (B, D)
        src_mask = _length_mask(src_lengths, src.shape[1])  # (B, S)
        return self.decoder(tgt_in, enc_out, enc_hidden, src_mask)

    @torch.no_grad()
    def greedy_decode(
        self, src: torch.Tensor, src_lengths: torch.Tensor, max_len: int
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Feed back the most likely token: ids ``(B, T)`` and weights ``(B, T, S)`` or None.

        Decoding stops after ``max_len`` tokens or once every sequence has produced EOS.
        """
        if max_len < 1:
            raise ValueError(f"max_len must be positive, got {max_len}")
        enc_out, enc_hidden = self.encoder(src, src_lengths)
        src_mask = _length_mask(src_lengths, src.shape[1])
        state = self.decoder.init_state(enc_out, enc_hidden)
        memory = self.decoder.prepare(enc_out, enc_hidden)
        token = torch.full((src.shape[0],), self.sos_id, dtype=torch.long, device=src.device)
        done = torch.zeros_like(token, dtype=torch.bool)
        ids, weights = [], []
        for _ in range(max_len):
            logits, state, w = self.decoder.step(token, state, enc_out, src_mask, memory)
            token = logits.argmax(-1)  # (B,)
            ids.append(token)
            weights.append(w)
            done |= token == self.eos_id
            if done.all():
                break
        ids = torch.stack(ids, 1)  # (B, T)
        return ids, (None if weights[0] is None else torch.stack(weights, 1))


def _length_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    positions = torch.arange(max_len, device=lengths.device)
    return positions[None, :] < lengths[:, None].to(positions.device)  # (B, S)


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
