"""Sentences that the build checks: a claim in the prose that fails the build when it is false.

A page that writes "the convnet beats the dense network" over glued numbers makes a claim a
rebuild can silently falsify (a new library version, a changed seed). Put the claim beside the
numbers, in a cell tagged ``remove-cell``::

    from dlbook.claims import check
    check(convnet_acc > dense_acc, "the convnet beats the dense network")

The build then stops with :class:`ClaimError` (whose message is the sentence and the values
behind it) the day the sentence stops being true. Prefer gluing a computed verdict (the
``sentence()`` methods of :mod:`dlbook.stats`) where the direction itself may change; use
:func:`check` where the page's argument depends on one direction.
"""

from __future__ import annotations

__all__ = ["ClaimError", "check"]


class ClaimError(AssertionError):
    """A sentence of the book is no longer true of the numbers the page computed."""


def check(condition: object, claim: str, **values: object) -> None:
    """Fail the build with ``claim`` (and ``values``, for the log) unless ``condition`` holds.

    Parameters
    ----------
    condition:
        The claim as a boolean expression over computed values (numpy booleans are fine).
    claim:
        The sentence of the prose that depends on it, as the reader reads it.
    values:
        The numbers behind the claim, shown in the error message.
    """
    if not isinstance(claim, str) or not claim.strip():
        raise ValueError("check() needs the claim as a non-empty sentence")
    try:
        holds = bool(condition)
    except (TypeError, ValueError) as exc:  # e.g. an array of several booleans
        raise TypeError(
            f"the condition of claim {claim!r} must be one boolean, got "
            f"{type(condition).__name__}: {exc}. Use .all() or .any() to say which you mean."
        ) from None
    if not holds:
        detail = ", ".join(f"{name} = {value!r}" for name, value in values.items())
        raise ClaimError(
            f"The book says: {claim!r}, but the computed values contradict it"
            + (f" ({detail})" if detail else "")
            + ". Rewrite the sentence, or find out why the result changed."
        )
