r"""Turning a language model's next-token logits into a choice: greedy, temperature, top-k and
nucleus (top-p) sampling.

With logits :math:`z` over the vocabulary, sampling draws from
:math:`p_i \propto \exp(z_i / \tau)` at temperature :math:`\tau`; :math:`\tau \to 0` is greedy
decoding (the arg-max). Two truncations remove the unreliable tail before drawing:

* **top-k** keeps the :math:`k` most likely tokens (Fan et al., 2018);
* **nucleus** or **top-p** keeps the smallest set of most likely tokens whose probabilities add
  up to at least :math:`p` (Holtzman et al., 2020), so the number kept adapts to how confident
  the model is.

The kept probabilities are renormalised before the draw.

These functions take PyTorch tensors and draw with a ``torch.Generator``. Models whose logits
are NumPy arrays (the Keras pages) use :func:`dlbook.generative.sample_logits`, a NumPy twin of
:func:`sample_next` (temperature and top-k) that draws from the same distribution with a NumPy
generator; the tests check that the two agree.
"""

from __future__ import annotations

import torch

__all__ = ["filter_logits", "sample_next"]


def filter_logits(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> torch.Tensor:
    """Scaled logits ``(..., V)`` with the removed tokens set to ``-inf``.

    ``temperature`` must be positive here (greedy decoding is :func:`sample_next` with
    ``temperature=0``).
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0 to sample, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    logits = logits / temperature
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.shape[-1])).values[..., -1:]  # (..., 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None:
        sorted_logits, order = logits.sort(dim=-1, descending=True)
        cumulative = sorted_logits.softmax(-1).cumsum(-1)  # (..., V)
        # Keep a token if the mass of the tokens before it is still below top_p.
        drop_sorted = cumulative - sorted_logits.softmax(-1) >= top_p
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    return logits


def sample_next(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """The next token ids ``(B, 1)`` for last-position logits ``(B, V)``.

    ``temperature=0`` is greedy (the arg-max; ``top_k`` and ``top_p`` are then irrelevant);
    otherwise one draw from the softmax of :func:`filter_logits`.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)  # (B, 1)
    probs = filter_logits(logits, temperature, top_k, top_p).softmax(dim=-1)  # (B, V)
    return torch.multinomial(probs, 1, generator=generator)  # (B, 1)
