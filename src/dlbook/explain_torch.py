r"""Which input tokens does a PyTorch text model's decision depend on? Gradient attributions,
attention summaries, and the deletion test that checks them.

* :func:`embedding_attributions`: input-times-gradient or integrated gradients (Sundararajan et
  al., 2017) with respect to the output of an embedding layer, summed over the embedding
  features: one score per token;
* :func:`attention_received`: how much attention each token receives in one layer, averaged over
  heads and over the real query positions;
* :func:`delete_tokens`: remove each sequence's ``k`` highest-ranked tokens (the deletion test of
  faithfulness: if a ranking is faithful, deleting its top tokens should change the output more
  than deleting random ones);
* :func:`override_attention`: within a ``with`` block, replace the attention weights of every
  :class:`dlbook.nn.attention.MultiHeadAttention` by a transformation of them (for instance
  uniform weights, :func:`uniform_weights`), to ask whether the weights matter at all.

(:mod:`dlbook.explain_torch` is PyTorch-only; attributions for Keras models live elsewhere.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch
from torch import nn

__all__ = [
    "attention_received",
    "delete_tokens",
    "embedding_attributions",
    "override_attention",
    "uniform_weights",
]


def embedding_attributions(
    model: Callable[[torch.Tensor], torch.Tensor],
    embedding: nn.Module,
    ids: torch.Tensor,
    target: torch.Tensor,
    method: str = "integrated_gradients",
    steps: int = 32,
) -> torch.Tensor:
    r"""One attribution score per token, from gradients with respect to the embeddings.

    With :math:`e_i` the embedding of token :math:`i` (the output of ``embedding``) and
    :math:`f` the logit of class ``target``:

    * ``"input_x_gradient"``: :math:`a_i = e_i \cdot \partial f / \partial e_i`;
    * ``"integrated_gradients"``: :math:`a_i = e_i \cdot \int_0^1 \partial f(\alpha e) /
      \partial e_i \, d\alpha` (the baseline is the all-zero embedding), with the integral
      taken by the midpoint rule over ``steps`` points. The scores then add up to
      :math:`f(e) - f(0)` (*completeness*), up to the error of the rule.

    Parameters
    ----------
    model:
        Maps ids ``(B, L)`` to logits ``(B, C)`` and calls ``embedding`` on the ids once.
    embedding:
        The module whose output is attributed (a forward hook replaces its output).
    ids:
        Token ids ``(B, L)``.
    target:
        Class index per sequence ``(B,)``.
    method:
        ``"integrated_gradients"`` or ``"input_x_gradient"``.
    steps:
        Points of the integral (integrated gradients only).

    Returns
    -------
    Scores ``(B, L)`` (padding positions get scores too; mask them out yourself).
    """
    if method not in ("integrated_gradients", "input_x_gradient"):
        raise ValueError(
            f"method must be 'integrated_gradients' or 'input_x_gradient', got {method!r}"
        )
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    with torch.no_grad():
        emb = embedding(ids)  # (B, L, d)
    alphas = [1.0] if method == "input_x_gradient" else [(k + 0.5) / steps for k in range(steps)]
    total = torch.zeros_like(emb)
    for alpha in alphas:
        point = (alpha * emb).requires_grad_(True)  # (B, L, d)
        handle = embedding.register_forward_hook(lambda m, i, o, point=point: point)
        try:
            logits = model(ids)  # (B, C)
        finally:
            handle.remove()
        score = logits.gather(1, target.view(-1, 1)).sum()
        (grad,) = torch.autograd.grad(score, point)
        total += grad
    return (emb * total / len(alphas)).sum(-1)  # (B, L)


def attention_received(weights: torch.Tensor, ids: torch.Tensor, pad_id: int) -> torch.Tensor:
    r"""How much attention each token receives, averaged over heads and real queries.

    .. math::

        r_j = \frac{1}{h\, n} \sum_{k=1}^{h} \sum_{i \le n} \alpha^{(k)}_{ij}

    for a sequence of :math:`n` real tokens. ``weights`` are one layer's attention weights
    ``(B, h, L, L)``; the result is ``(B, L)``, zero at padding.
    """
    real = (ids != pad_id).to(weights.dtype)  # (B, L)
    per_query = weights.mean(1)  # (B, L, L): averaged over heads
    summed = (per_query * real.unsqueeze(-1)).sum(1)  # (B, L): over real queries
    return summed / real.sum(1, keepdim=True) * real


def delete_tokens(
    ids: torch.Tensor, scores: torch.Tensor, k: int | torch.Tensor, pad_id: int
) -> torch.Tensor:
    """Remove the ``k`` highest-scoring real tokens of each row of ``ids`` ``(B, L)``.

    The remaining tokens keep their order and move left; the freed positions are padding. ``k``
    is one number or one per row ``(B,)``; at least one token of every row is kept. Scores of
    padding positions are ignored.
    """
    real = ids != pad_id  # (B, L)
    n_real = real.sum(1)  # (B,)
    k = torch.as_tensor(k, device=ids.device).expand(ids.shape[0])
    k = torch.minimum(k, n_real - 1).clamp(min=0)
    order = scores.masked_fill(~real, float("-inf")).argsort(dim=1, descending=True)  # (B, L)
    rank = order.argsort(dim=1)  # (B, L): the rank of each position's score
    keep = real & (rank >= k.unsqueeze(1))  # (B, L)
    out = torch.full_like(ids, pad_id)
    for row in range(ids.shape[0]):
        kept = ids[row][keep[row]]
        out[row, : len(kept)] = kept
    return out


def uniform_weights(weights: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Equal weight on every key the mask allows (every key when ``mask`` is ``None``)."""
    if mask is None:
        return torch.full_like(weights, 1.0 / weights.shape[-1])
    allowed = mask.expand_as(weights).to(weights.dtype)
    return allowed / allowed.sum(-1, keepdim=True).clamp(min=1.0)


@contextlib.contextmanager
def override_attention(
    transform: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor],
) -> Iterator[None]:
    """Within the block, every :class:`dlbook.nn.attention.MultiHeadAttention` uses
    ``transform(weights, mask)`` instead of its softmax weights ``(B, h, L, S)``.

    Dropout on the weights is skipped inside the block (use it in evaluation mode).
    """
    import dlbook.nn.attention as attention

    original = attention.scaled_dot_product_attention

    def patched(query, key, value, mask=None, dropout_p=0.0, training=False):
        _, weights = original(query, key, value, mask)
        weights = transform(weights, mask)
        return weights @ value, weights

    attention.scaled_dot_product_attention = patched
    try:
        yield
    finally:
        attention.scaled_dot_product_attention = original
