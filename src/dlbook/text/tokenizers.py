r"""Tokenisers: text to a list of tokens.

* :func:`tokenize`: lower-cased words (Unicode, with inner apostrophes and hyphens) and
  punctuation marks, for the sequence models (translation, BERT);
* :func:`ascii_words`: lower-cased ASCII words without punctuation, for the bag-of-words
  models of Part I.
"""

from __future__ import annotations

import re

__all__ = ["ascii_words", "tokenize"]

_TOKEN = re.compile(r"\w+(?:['-]\w+)*|[^\w\s]")
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text: str, lowercase: bool = True) -> list[str]:
    """Split ``text`` into words and punctuation marks, lower-cased by default.

    A word is a run of letters and digits, possibly joined by inner apostrophes or hyphens
    (``"man's"``, ``"t-shirt"``); every other non-space character is a token of its own.

    >>> tokenize("Ein Mann fährt Fahrrad, oder?")
    ['ein', 'mann', 'fährt', 'fahrrad', ',', 'oder', '?']
    """
    if not isinstance(text, str):
        raise ValueError(f"tokenize expects a str, got {type(text).__name__}")
    if lowercase:
        text = text.lower()
    return _TOKEN.findall(text)


def ascii_words(text: str) -> list[str]:
    """Split a text into lower-case ASCII words, dropping punctuation (the bag-of-words tokens).

    A token is a run of ASCII letters and digits, optionally followed by an apostrophe and
    letters (so ``"isn't"`` stays one token); everything else separates tokens. Part I's
    bag-of-words models use it, through :func:`build_vocabulary` and
    :func:`texts_to_sequences`; :func:`tokenize` keeps punctuation, hyphenated and non-ASCII
    words, for the sequence models.

    >>> ascii_words("It's a GREAT film -- isn't it?")
    ["it's", 'a', 'great', 'film', "isn't", 'it']
    """
    if not isinstance(text, str):
        raise ValueError(f"ascii_words expects a str, got {type(text).__name__}")
    return _ASCII_WORD.findall(text.lower())
