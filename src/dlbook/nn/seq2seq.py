r"""GRU encoder-decoders for sequence to sequence, with and without attention.

* :class:`GRUEncoder` reads the source with a (bidirectional) GRU;
* :class:`GRUDecoder` (no attention), :class:`BahdanauDecoder` and :class:`LuongDecoder` write
  the target one token at a time;
* :class:`Seq2Seq` ties an encoder to a decoder, with teacher-forced :meth:`Seq2Seq.forward`
  for training and :meth:`Seq2Seq.greedy_decode` for inference; :meth:`Seq2Seq.from_config`
  builds the package's encoder and decoder from a :class:`Seq2SeqConfig`.

Every decoder has the same two methods, so :class:`Seq2Seq` works with any of them (and with a
reader's own):

``forward(tgt_in, enc_out, enc_hidden, src_mask) -> (logits (B, T, V), weights (B, T, S) | None)``
    teacher forcing over a whole target;
``step(token, state, enc_out, src_mask, memory) -> (logits (B, V), state, weights (B, S) | None)``
    one step of decoding; ``state`` starts as ``init_state(enc_out, enc_hidden)`` and
    ``memory = prepare(enc_out, enc_hidden)`` is what the decoder computes once per source.

``src_mask`` is ``(B, S)``, ``True`` at real source tokens. Shapes use ``B`` batch, ``S``
source length, ``T`` target length, ``V`` target vocabulary size, ``E`` embedding size, ``H``
decoder state size, ``D`` encoder output size.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from dlbook.nn._checks import positive_int
from dlbook.nn.attention import AdditiveAttention, MultiplicativeAttention, padding_mask

__all__ = [
    "BahdanauDecoder",
    "GRUDecoder",
    "GRUEncoder",
    "LuongDecoder",
    "Seq2Seq",
    "Seq2SeqConfig",
]

ATTENTION = ("none", "bahdanau", "luong")


@dataclass
class Seq2SeqConfig:
    """Everything that defines a :class:`Seq2Seq` built from the package's GRU parts.

    Attributes
    ----------
    src_vocab_size, tgt_vocab_size : int
        Vocabulary sizes of the source and the target.
    attention : {"none", "bahdanau", "luong"}, default "bahdanau"
        The decoder: :class:`GRUDecoder`, :class:`BahdanauDecoder` or :class:`LuongDecoder`.
    embed_dim : int, default 32
        Size of the token embeddings (source and target).
    encoder_hidden_dim : int, default 64
        GRU state size of the encoder, per direction.
    bidirectional : bool, default True
        Read the source in both directions.
    decoder_hidden_dim : int, default 128
        GRU state size of the decoder.
    attention_dim : int, default 64
        Hidden size of Bahdanau's additive score (``attention="bahdanau"`` only).
    luong_method : {"general", "dot"}, default "general"
        Luong's score (``attention="luong"`` only); ``"dot"`` needs
        ``decoder_hidden_dim`` equal to the encoder's output size.
    pad_id, bos_id, eos_id : int, default 0, 1, 2
        Padding, start and end ids (those of :class:`dlbook.text.CharVocab`).
    """

    src_vocab_size: int
    tgt_vocab_size: int
    attention: str = "bahdanau"
    embed_dim: int = 32
    encoder_hidden_dim: int = 64
    bidirectional: bool = True
    decoder_hidden_dim: int = 128
    attention_dim: int = 64
    luong_method: str = "general"
    pad_id: int = 0
    bos_id: int = 1
    eos_id: int = 2

    def __post_init__(self) -> None:
        positive_int("src_vocab_size", self.src_vocab_size)
        positive_int("tgt_vocab_size", self.tgt_vocab_size)
        if self.attention not in ATTENTION:
            raise ValueError(f"attention must be one of {ATTENTION}, got {self.attention!r}")


# ----------------------------------------------------------------------------- encoder


class GRUEncoder(nn.Module):
    r"""Embed the source characters and run a GRU over them.

    .. math::

        h_j = [\overrightarrow{h}_j; \overleftarrow{h}_j], \qquad
        \overrightarrow{h}_j = \operatorname{GRU}(x_j, \overrightarrow{h}_{j-1}), \quad
        \overleftarrow{h}_j = \operatorname{GRU}'(x_j, \overleftarrow{h}_{j+1})

    Padding is skipped (packed sequences), so the final states are those after the last real
    character. Returns every state ``(B, S, output_dim)`` (what attention looks at) and the
    final states concatenated, ``(B, output_dim)`` (the whole sentence in one vector).

    Parameters
    ----------
    vocab_size : int
        Number of source token ids.
    embed_dim : int, default 32
        Size of the token embeddings.
    hidden_dim : int, default 64
        GRU state size per direction; ``output_dim`` is twice that when bidirectional.
    bidirectional : bool, default True
        Read the source in both directions.
    pad_id : int, default 0
        Padding id (its embedding stays zero).
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
    """What the decoders share: the target embedding and the bridge from the encoder's summary
    to the first state (created first, in this order), and teacher forcing step by step
    (attention needs the state)."""

    def __init__(self, vocab_size: int, enc_dim: int, embed_dim: int, hidden_dim: int, pad_id: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)
        self.bridge = nn.Linear(enc_dim, hidden_dim)

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


class GRUDecoder(_StepDecoder):
    r"""A GRU decoder without attention: one fixed summary of the source is all it knows.

    The summary is :math:`c = h_{\text{final}}`, the encoder's final states (Cho et al.,
    2014). It sets the first state and is fed again at every step, so that it is never
    forgotten; attention will replace this fixed :math:`c` by a :math:`c_t` per step.

    .. math::

        s_0 = \tanh(W_b c), \qquad
        s_t = \operatorname{GRU}([E y_{t-1}; c], s_{t-1}), \qquad
        p(y_t \mid y_{<t}, x) = \operatorname{softmax}(W_o [s_t; c] + b_o)

    Parameters
    ----------
    vocab_size : int
        Number of target token ids :math:`V`.
    enc_dim : int
        Size :math:`D` of the encoder's states (``GRUEncoder.output_dim``).
    embed_dim : int, default 32
        Size of the target embeddings.
    hidden_dim : int, default 128
        Size :math:`H` of the decoder's state.
    pad_id : int, default 0
        Padding id (its embedding stays zero).
    """

    def __init__(
        self,
        vocab_size: int,
        enc_dim: int,
        embed_dim: int = 32,
        hidden_dim: int = 128,
        pad_id: int = 0,
    ):
        super().__init__(vocab_size, enc_dim, embed_dim, hidden_dim, pad_id)
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

    Parameters are those of :class:`GRUDecoder`, plus ``attention_dim`` (int, default 64), the
    hidden size of the additive score (:class:`~dlbook.nn.attention.AdditiveAttention`).
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
        super().__init__(vocab_size, enc_dim, embed_dim, hidden_dim, pad_id)
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

    Parameters are those of :class:`GRUDecoder`, plus ``method`` (``"general"``, the default,
    or ``"dot"``), the score of :class:`~dlbook.nn.attention.MultiplicativeAttention`.
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
        super().__init__(vocab_size, enc_dim, embed_dim, hidden_dim, pad_id)
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
    """An encoder and a decoder, with the target vocabulary's start and end ids.

    A model made by :meth:`from_config` keeps its :class:`Seq2SeqConfig` as ``self.config``
    (``Seq2Seq.from_config(model.config)`` rebuilds it); one assembled from other parts has
    ``config = None``.

    Parameters
    ----------
    encoder : torch.nn.Module
        ``encoder(src, lengths) -> (enc_out (B, S, D), enc_hidden (B, D))``, such as
        :class:`GRUEncoder`.
    decoder : torch.nn.Module
        A decoder with the interface described in this module's docstring.
    bos_id, eos_id : int, default 1, 2
        Start and end ids of the target vocabulary.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, bos_id: int = 1, eos_id: int = 2):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.bos_id, self.eos_id = bos_id, eos_id
        self.config: Seq2SeqConfig | None = None

    @classmethod
    def from_config(cls, config: Seq2SeqConfig) -> Seq2Seq:
        """A :class:`GRUEncoder` and the decoder that ``config.attention`` names.

        The encoder is built (and initialised) first, then the decoder.
        """
        if not isinstance(config, Seq2SeqConfig):
            raise TypeError(f"from_config takes a Seq2SeqConfig, got {type(config).__name__}")
        c = config
        encoder = GRUEncoder(
            c.src_vocab_size, c.embed_dim, c.encoder_hidden_dim, c.bidirectional, c.pad_id
        )
        common = dict(embed_dim=c.embed_dim, hidden_dim=c.decoder_hidden_dim, pad_id=c.pad_id)
        if c.attention == "none":
            decoder = GRUDecoder(c.tgt_vocab_size, encoder.output_dim, **common)
        elif c.attention == "bahdanau":
            decoder = BahdanauDecoder(
                c.tgt_vocab_size, encoder.output_dim, attention_dim=c.attention_dim, **common
            )
        else:
            decoder = LuongDecoder(
                c.tgt_vocab_size, encoder.output_dim, method=c.luong_method, **common
            )
        model = cls(encoder, decoder, c.bos_id, c.eos_id)
        model.config = config
        return model

    def forward(
        self, src: torch.Tensor, src_lengths: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Teacher forcing: logits ``(B, T, V)`` for ``tgt_in`` ``(B, T)`` (BOS first)."""
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
        token = torch.full((src.shape[0],), self.bos_id, dtype=torch.long, device=src.device)
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
    return padding_mask(lengths, max_len)[:, 0]  # (B, S): True at real source tokens
