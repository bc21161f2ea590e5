"""Data-preparation helpers for the deep-learning basics (Part I of the book).

The chapters first write each of these out where the reader can follow it; later cells and
pages reuse the tested versions here:

* :func:`tokenize`, :func:`build_vocabulary` and :func:`texts_to_sequences` turn short texts
  into lists of word indices;
* :func:`multi_hot` turns those lists into fixed-size 0/1 vectors a dense network can read;
* :func:`kfold_indices` splits a small dataset into K folds for K-fold validation.

Nothing here needs TensorFlow: the functions take and return NumPy arrays and Python lists.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

#: Index reserved for words that are not in the vocabulary.
OOV_INDEX = 1
#: Index reserved for padding (never produced by :func:`texts_to_sequences`).
PAD_INDEX = 0

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text: str) -> list[str]:
    """Split a text into lower-case word tokens, dropping punctuation.

    A token is a run of letters and digits, optionally followed by an apostrophe and letters
    (so ``"isn't"`` stays one token).

    >>> tokenize("It's a GREAT film -- isn't it?")
    ["it's", 'a', 'great', 'film', "isn't", 'it']
    """
    if not isinstance(text, str):
        raise ValueError(f"tokenize expects a str, got {type(text).__name__}")
    return _WORD.findall(text.lower())


def build_vocabulary(texts: Iterable[str], max_tokens: int) -> dict[str, int]:
    """Map the ``max_tokens - 2`` most frequent words of ``texts`` to indices ``2, 3, ...``.

    Index 0 is kept for padding and index 1 for out-of-vocabulary words, so the largest index
    is ``max_tokens - 1`` (or smaller when the texts have fewer distinct words). Ties in
    frequency are broken alphabetically, so the vocabulary does not depend on the order of the
    texts.

    Parameters
    ----------
    texts : iterable of str
        The training texts (never the test texts: the vocabulary is part of the model).
    max_tokens : int
        Size of the index space, including the two reserved indices; at least 3.

    Returns
    -------
    dict
        ``word -> index``, most frequent word first.
    """
    if not isinstance(max_tokens, int) or max_tokens < 3:
        raise ValueError(
            f"max_tokens must be an int >= 3 (two indices are reserved), got {max_tokens!r}"
        )
    counts = Counter(word for text in texts for word in tokenize(text))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: max_tokens - 2]
    return {word: i + 2 for i, (word, _) in enumerate(ranked)}


def texts_to_sequences(texts: Iterable[str], vocabulary: dict[str, int]) -> list[list[int]]:
    """Replace every token of every text by its index (:data:`OOV_INDEX` when unknown)."""
    return [[vocabulary.get(word, OOV_INDEX) for word in tokenize(text)] for text in texts]


def multi_hot(sequences: Sequence[Sequence[int]], num_tokens: int) -> np.ndarray:
    """Encode each sequence of token indices as a 0/1 vector of length ``num_tokens``.

    .. math::

        x_{i,j} = \\begin{cases} 1 & \\text{if token } j \\text{ occurs in sequence } i \\\\
                                 0 & \\text{otherwise} \\end{cases}

    Word order and word counts are lost: this is the "set of words" view of a text.

    Parameters
    ----------
    sequences : sequence of sequences of int
        Token indices, each in ``[0, num_tokens)``. Sequences may have different lengths.
    num_tokens : int
        Length of the output vectors (the vocabulary size).

    Returns
    -------
    numpy.ndarray
        ``float32`` array of shape ``(len(sequences), num_tokens)``.
    """
    if not isinstance(num_tokens, int | np.integer) or num_tokens < 1:
        raise ValueError(f"num_tokens must be a positive int, got {num_tokens!r}")
    out = np.zeros((len(sequences), num_tokens), dtype="float32")  # (samples, num_tokens)
    for i, seq in enumerate(sequences):
        idx = np.asarray(seq, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= num_tokens):
            raise ValueError(
                f"sequence {i} has token index {int(idx.min() if idx.min() < 0 else idx.max())} "
                f"outside [0, {num_tokens})"
            )
        out[i, idx] = 1.0
    return out


def kfold_indices(
    num_samples: int, k: int, *, shuffle: bool = True, seed: int = 0
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(train_indices, validation_indices)`` for each of ``k`` folds.

    The samples are split into ``k`` folds of (almost) equal size; fold ``i`` is the
    validation set of round ``i`` and the other ``k - 1`` folds form its training set. Every
    sample is validated on exactly once.

    Parameters
    ----------
    num_samples : int
        Number of samples in the dataset.
    k : int
        Number of folds, ``2 <= k <= num_samples``.
    shuffle : bool
        Permute the samples (with ``seed``) before cutting the folds. Leave it on unless the
        data are already in random order.
    seed : int
        Seed of the permutation.
    """
    if not isinstance(k, int) or k < 2:
        raise ValueError(f"k must be an int >= 2, got {k!r}")
    if not isinstance(num_samples, int | np.integer) or num_samples < k:
        raise ValueError(f"need at least k={k} samples for {k} folds, got {num_samples!r}")
    order = np.arange(num_samples)
    if shuffle:
        order = np.random.default_rng(seed).permutation(num_samples)
    folds = np.array_split(order, k)
    for i in range(k):
        train = np.concatenate([f for j, f in enumerate(folds) if j != i])
        yield train, folds[i]
