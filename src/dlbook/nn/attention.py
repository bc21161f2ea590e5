"""Attention: scaled dot-product, multi-head, additive (Bahdanau) and multiplicative (Luong).

Every function here follows one mask convention, the same as Keras' ``attention_mask`` and
the boolean ``attn_mask`` of :func:`torch.nn.functional.scaled_dot_product_attention`:

* a mask is a **boolean** tensor, ``True`` where a query **may attend** to a key;
* it broadcasts against the score matrix, whose last two axes are ``(L, S)``
  (``L`` queries, ``S`` keys).

PyTorch's :class:`torch.nn.MultiheadAttention` uses the opposite convention for its
``key_padding_mask`` and boolean ``attn_mask`` (``True`` = *blocked*); pass ``~mask`` there.

A query row whose keys are all masked has no distribution to take; its weights (and so its
output) are set to zero instead of the NaN a plain softmax would give.

Shapes use ``B`` batch, ``L`` query length, ``S`` key length, ``h`` heads, ``d`` feature size.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from dlbook.nn._checks import positive_int, probability

__all__ = [
    "AdditiveAttention",
    "MultiHeadAttention",
    "MultiplicativeAttention",
    "causal_mask",
    "masked_softmax",
    "padding_mask",
    "scaled_dot_product_attention",
]


# ----------------------------------------------------------------------------- masks


def causal_mask(size: int, device: torch.device | str | None = None) -> torch.Tensor:
    r"""Boolean ``(size, size)`` mask that lets position :math:`i` attend to :math:`j \le i`.

    .. math::

        M_{ij} = [\, j \le i \,]

    Examples
    --------
    >>> causal_mask(3).int()
    tensor([[1, 0, 0],
            [1, 1, 0],
            [1, 1, 1]], dtype=torch.int32)
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"causal_mask needs a positive int size, got {size!r}")
    return torch.ones(size, size, dtype=torch.bool, device=device).tril()  # (L, L)


def padding_mask(
    lengths_or_bool: torch.Tensor | list[int],
    max_len: int | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    r"""Key-padding mask of shape ``(B, 1, S)``: ``True`` at real tokens, ``False`` at padding.

    The middle axis of size one broadcasts over the queries, so the result can be passed as
    ``mask`` for scores of shape ``(B, L, S)`` and to :class:`MultiHeadAttention`, which adds
    the head axis itself.

    .. math::

        M_{b,\cdot,j} = [\, j < \text{len}_b \,]

    Parameters
    ----------
    lengths_or_bool : tensor or list of int
        Either the true lengths, an integer tensor or list of shape ``(B,)``, or a boolean
        tensor of shape ``(B, S)`` that is already ``True`` at real tokens.
    max_len : int or None, default None
        ``S``, the padded length, when lengths are given (default: the longest length).
        Ignored, and must agree if given, for a boolean input.
    device : torch.device, str or None, default None
        Device of the result when it is built from lengths (default: that of the lengths).
    """
    x = torch.as_tensor(lengths_or_bool)
    if x.dtype == torch.bool:
        if x.dim() != 2:
            raise ValueError(f"a boolean padding mask must have shape (B, S), got {tuple(x.shape)}")
        if max_len is not None and max_len != x.shape[1]:
            raise ValueError(f"max_len={max_len} disagrees with the mask's S={x.shape[1]}")
        return x.to(device).unsqueeze(1)  # (B, 1, S)
    if x.is_floating_point() or x.is_complex():
        raise ValueError("lengths must be integers (or pass a boolean (B, S) mask)")
    if x.dim() != 1:
        raise ValueError(f"lengths must have shape (B,), got {tuple(x.shape)}")
    if (x < 0).any():
        raise ValueError("lengths must be non-negative")
    longest = int(x.max()) if x.numel() else 0
    if max_len is None:
        max_len = longest
    elif max_len < longest:
        raise ValueError(f"max_len={max_len} is shorter than the longest length {longest}")
    x = x.to(device)
    positions = torch.arange(max_len, device=x.device)  # (S,)
    return (positions[None, :] < x[:, None]).unsqueeze(1)  # (B, 1, S)


def _check_mask(mask: torch.Tensor, scores: torch.Tensor) -> None:
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        raise ValueError(
            "mask must be a boolean tensor with True where attention is allowed, got "
            f"{getattr(mask, 'dtype', type(mask).__name__)}"
        )
    try:
        torch.broadcast_shapes(mask.shape, scores.shape)
    except RuntimeError as exc:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not broadcast to the scores' shape "
            f"{tuple(scores.shape)} (..., L, S)"
        ) from exc


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    r"""Softmax over the last axis that gives masked positions exactly zero weight.

    .. math::

        \alpha_{ij} = \frac{M_{ij}\, e^{s_{ij}}}{\sum_k M_{ik}\, e^{s_{ik}}}

    Rows with no allowed position get all-zero weights (rather than NaN).
    """
    if mask is None:
        return scores.softmax(dim=-1)
    _check_mask(mask, scores)
    scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)  # NaN in rows that are entirely -inf
    return weights.nan_to_num(0.0)


# ----------------------------------------------------------------------------- scaled dot product


def scaled_dot_product_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    mask: torch.Tensor | None = None,
    dropout_p: float = 0.0,
    training: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Scaled dot-product attention (Vaswani et al., 2017).

    .. math::

        \operatorname{Attention}(Q, K, V) = \operatorname{softmax}\!\left(
            \frac{Q K^\top}{\sqrt{d}} + \log M \right) V

    where :math:`\log M` is :math:`0` where the mask allows attention and :math:`-\infty`
    where it does not.

    Parameters
    ----------
    query : torch.Tensor
        ``(..., L, d)``.
    key : torch.Tensor
        ``(..., S, d)``.
    value : torch.Tensor
        ``(..., S, d_v)``.
    mask : torch.Tensor or None, default None
        Optional boolean tensor broadcastable to ``(..., L, S)``; ``True`` = may attend.
    dropout_p : float, default 0.0
        Dropout probability on the attention weights, applied only when ``training``.
    training : bool, default False
        Whether to apply dropout.

    Returns
    -------
    output : torch.Tensor
        ``(..., L, d_v)``.
    weights : torch.Tensor
        ``(..., L, S)``, the attention distribution before dropout: each unmasked row sums
        to one.
    """
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise ValueError("query, key and value need at least two axes: (..., length, features)")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(
            f"query and key must share their last axis: got d={query.shape[-1]} "
            f"and d={key.shape[-1]}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"key and value must have the same length S: got {key.shape[-2]} and {value.shape[-2]}"
        )
    probability("dropout_p", dropout_p)
    d = query.shape[-1]
    scores = query @ key.transpose(-2, -1) / math.sqrt(d)  # (..., L, S)
    weights = masked_softmax(scores, mask)  # (..., L, S)
    dropped = F.dropout(weights, p=dropout_p, training=training) if dropout_p else weights
    output = dropped @ value  # (..., L, d_v)
    return output, weights


# ----------------------------------------------------------------------------- multi-head


class MultiHeadAttention(nn.Module):
    r"""Multi-head attention (Vaswani et al., 2017), batch first.

    .. math::

        \operatorname{MultiHead}(Q, K, V) &= [\mathrm{head}_1; \dots; \mathrm{head}_h]\, W^O
        + b^O \\
        \mathrm{head}_i &= \operatorname{Attention}(Q W_i^Q + b_i^Q,\; K W_i^K + b_i^K,\;
        V W_i^V + b_i^V)

    with :math:`W_i^Q, W_i^K, W_i^V \in \mathbb{R}^{d_\text{model} \times d_k}`,
    :math:`d_k = d_\text{model} / h` and :math:`W^O \in \mathbb{R}^{d_\text{model} \times
    d_\text{model}}`. The :math:`h` projections of each kind are stored as one
    ``nn.Linear(d_model, d_model)`` (``q_proj``, ``k_proj``, ``v_proj``, ``out_proj``), head
    :math:`i` owning output features ``i * d_k : (i + 1) * d_k``: the same layout as
    :class:`torch.nn.MultiheadAttention`'s ``in_proj_weight`` split in three.

    Parameters
    ----------
    d_model : int
        Feature size of queries, keys, values and output.
    num_heads : int
        Number of heads :math:`h`; must divide ``d_model``.
    dropout : float, default 0.0
        Dropout probability on the attention weights during training.
    bias : bool, default True
        Whether the four projections have biases.
    """

    def __init__(self, d_model: int, num_heads: int, dropout: float = 0.0, bias: bool = True):
        super().__init__()
        positive_int("d_model", d_model)
        positive_int("num_heads", num_heads)
        if d_model % num_heads:
            raise ValueError(
                f"d_model={d_model} is not divisible by num_heads={num_heads}: every head "
                "gets d_model // num_heads features"
            )
        probability("dropout", dropout)
        self.d_model = d_model
        self.num_heads = num_heads
        self.head_dim = d_model // num_heads
        self.dropout = dropout
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, num_heads={self.num_heads}, dropout={self.dropout}"

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        return x.view(b, n, self.num_heads, self.head_dim).transpose(1, 2)  # (B, h, n, d_k)

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        mask: torch.Tensor | None = None,
        need_weights: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Attend from ``query`` ``(B, L, d_model)`` to ``key``/``value`` ``(B, S, d_model)``.

        ``mask`` is boolean, ``True`` = may attend, of shape ``(L, S)``, ``(B, L, S)``,
        ``(B, 1, S)`` (see :func:`padding_mask`) or ``(B, h, L, S)``; a 2-D or 3-D mask is
        shared by every head. Returns the output ``(B, L, d_model)`` and, if
        ``need_weights``, the per-head weights ``(B, h, L, S)`` (else ``None``).
        """
        for name, x in (("query", query), ("key", key), ("value", value)):
            if x.dim() != 3 or x.shape[-1] != self.d_model:
                raise ValueError(
                    f"{name} must have shape (batch, length, d_model={self.d_model}), "
                    f"got {tuple(x.shape)}"
                )
        if key.shape[:2] != value.shape[:2] or query.shape[0] != key.shape[0]:
            raise ValueError(
                f"batch and length mismatch: query {tuple(query.shape)}, key "
                f"{tuple(key.shape)}, value {tuple(value.shape)}"
            )
        if mask is not None:
            if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
                raise ValueError("mask must be a boolean tensor, True where attention is allowed")
            if mask.dim() == 3:
                mask = mask.unsqueeze(1)  # (B, 1, L or 1, S): the same for every head
            elif mask.dim() not in (2, 4):
                raise ValueError(
                    "mask must have shape (L, S), (B, L, S), (B, 1, S) or (B, h, L, S), "
                    f"got {tuple(mask.shape)}"
                )
        q = self._split_heads(self.q_proj(query))  # (B, h, L, d_k)
        k = self._split_heads(self.k_proj(key))  # (B, h, S, d_k)
        v = self._split_heads(self.v_proj(value))  # (B, h, S, d_k)
        heads, weights = scaled_dot_product_attention(
            q, k, v, mask=mask, dropout_p=self.dropout, training=self.training
        )  # (B, h, L, d_k), (B, h, L, S)
        b, _, length, _ = heads.shape
        concat = heads.transpose(1, 2).reshape(b, length, self.d_model)  # (B, L, d_model)
        out = self.out_proj(concat)  # (B, L, d_model)
        return out, (weights if need_weights else None)


# ----------------------------------------------------------------------------- RNN-era scorers


class _ScoredAttention(nn.Module):
    """What additive and multiplicative attention share: the subclass scores every key
    against every query (:meth:`score`), and a softmax over the keys turns the scores into
    weights for a weighted sum of the values."""

    def score(self, query: torch.Tensor, key: torch.Tensor, **options) -> torch.Tensor:
        raise NotImplementedError

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        **score_options,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the context ``(..., L, d_v)`` and weights ``(..., L, S)``.

        ``value`` defaults to ``key`` (the encoder states serve as both, as in the papers);
        ``mask`` (``True`` = may attend) broadcasts against the scores ``(..., L, S)``;
        ``score_options`` go to :meth:`score` (``projected_keys`` for
        :class:`AdditiveAttention`).
        """
        value = key if value is None else value
        scores = self.score(query, key, **score_options)  # (..., L, S)
        weights = masked_softmax(scores, mask)  # (..., L, S)
        return weights @ value, weights  # (..., L, d_v), (..., L, S)


class AdditiveAttention(_ScoredAttention):
    r"""Additive (Bahdanau) attention (Bahdanau et al., 2015).

    A small feed-forward network scores each key against the query; the weights are a
    softmax of the scores, and the output is the weighted sum of the values:

    .. math::

        e_{ij} &= v^\top \tanh(W_q\, q_i + W_k\, k_j + b) \\
        \alpha_{ij} &= \frac{\exp e_{ij}}{\sum_{j'} \exp e_{ij'}} \\
        c_i &= \sum_j \alpha_{ij}\, v_j

    Called as ``attention(query, key, value=None, mask=None, projected_keys=None)``; pass
    ``projected_keys=attention.project_keys(key)`` when many queries share the same keys.

    Parameters
    ----------
    query_dim : int
        Feature size of the queries (the decoder state).
    key_dim : int
        Feature size of the keys (the encoder states).
    hidden_dim : int or None, default None
        Size of the scoring network's hidden layer (default: ``key_dim``).
    """

    def __init__(self, query_dim: int, key_dim: int, hidden_dim: int | None = None):
        super().__init__()
        hidden_dim = key_dim if hidden_dim is None else hidden_dim
        for name, value in (("query_dim", query_dim), ("key_dim", key_dim), ("hidden", hidden_dim)):
            positive_int(name, value)
        self.query_dim, self.key_dim = query_dim, key_dim
        self.w_q = nn.Linear(query_dim, hidden_dim, bias=False)
        self.w_k = nn.Linear(key_dim, hidden_dim, bias=True)
        self.v = nn.Linear(hidden_dim, 1, bias=False)

    def project_keys(self, key: torch.Tensor) -> torch.Tensor:
        """:math:`W_k k_j`, ``(..., S, hidden)``: compute once when many queries share keys."""
        if key.dim() < 2 or key.shape[-1] != self.key_dim:
            raise ValueError(
                f"key must have shape (..., S, {self.key_dim}), got {tuple(key.shape)}"
            )
        return self.w_k(key)

    def score(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        projected_keys: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Scores ``(..., L, S)`` for queries ``(..., L, d_q)`` and keys ``(..., S, d_k)``.

        ``projected_keys``, from :meth:`project_keys`, saves recomputing :math:`W_k k_j`
        at every decoder step.
        """
        _check_qk(query, key, self.query_dim, self.key_dim)
        if projected_keys is None:
            projected_keys = self.w_k(key)
        q = self.w_q(query).unsqueeze(-2)  # (..., L, 1, hidden)
        k = projected_keys.unsqueeze(-3)  # (..., 1, S, hidden)
        return self.v(torch.tanh(q + k)).squeeze(-1)  # (..., L, S)


class MultiplicativeAttention(_ScoredAttention):
    r"""Multiplicative (Luong) attention (Luong et al., 2015), ``"dot"`` or ``"general"``.

    .. math::

        e_{ij} = \begin{cases}
            q_i^\top k_j & \text{dot} \\
            q_i^\top W\, k_j & \text{general}
        \end{cases}
        \qquad
        \alpha_{ij} = \operatorname{softmax}_j(e_{ij}), \qquad c_i = \sum_j \alpha_{ij}\, v_j

    ``"dot"`` has no parameters and needs ``query_dim == key_dim``; ``"general"`` learns
    :math:`W \in \mathbb{R}^{d_q \times d_k}`. Unlike :func:`scaled_dot_product_attention`
    there is no :math:`1/\sqrt{d}` factor, as in the paper.

    Parameters
    ----------
    query_dim, key_dim : int
        Feature sizes of queries and keys.
    method : {"general", "dot"}, default "general"
        ``"dot"`` or ``"general"``.
    """

    METHODS = ("dot", "general")

    def __init__(self, query_dim: int, key_dim: int, method: str = "general"):
        super().__init__()
        if method not in self.METHODS:
            raise ValueError(f"method must be one of {self.METHODS}, got {method!r}")
        positive_int("query_dim", query_dim)
        positive_int("key_dim", key_dim)
        if method == "dot" and query_dim != key_dim:
            raise ValueError(
                f"dot scoring needs query_dim == key_dim, got {query_dim} and {key_dim}; "
                "use method='general' to learn a map between them"
            )
        self.query_dim, self.key_dim, self.method = query_dim, key_dim, method
        # W maps keys into query space: q^T (W k), stored as Linear(key_dim -> query_dim).
        self.w = nn.Linear(key_dim, query_dim, bias=False) if method == "general" else None

    def extra_repr(self) -> str:
        return f"query_dim={self.query_dim}, key_dim={self.key_dim}, method={self.method!r}"

    def score(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        """Scores ``(..., L, S)`` for queries ``(..., L, d_q)`` and keys ``(..., S, d_k)``."""
        _check_qk(query, key, self.query_dim, self.key_dim)
        if self.w is not None:
            key = self.w(key)  # (..., S, d_q)
        return query @ key.transpose(-2, -1)  # (..., L, S)


def _check_qk(query: torch.Tensor, key: torch.Tensor, query_dim: int, key_dim: int) -> None:
    if query.dim() < 2 or key.dim() < 2:
        raise ValueError(
            "query and key need at least two axes (..., length, features); for a single "
            "decoder step use query.unsqueeze(-2)"
        )
    if query.shape[-1] != query_dim:
        raise ValueError(f"query has {query.shape[-1]} features, expected {query_dim}")
    if key.shape[-1] != key_dim:
        raise ValueError(f"key has {key.shape[-1]} features, expected {key_dim}")
