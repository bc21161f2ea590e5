"""Argument checks shared by the layers of :mod:`dlbook.nn`; each message names the argument."""

from __future__ import annotations


def positive_int(name: str, value: object) -> None:
    """Raise ``ValueError`` unless ``value`` is an int of at least 1 (a bool is not)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


def probability(name: str, value: float) -> None:
    """Raise ``ValueError`` unless ``0 <= value < 1`` (a dropout rate)."""
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
