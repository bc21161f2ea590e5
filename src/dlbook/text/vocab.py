r"""Vocabularies: two-way maps between tokens and integer ids.

* :class:`Vocab` maps tokens to ids and back, special tokens first, the others by frequency;
* :class:`CharVocab` is a :class:`Vocab` of single characters with padding, start and end
  tokens, which encodes whole strings and batches of strings;
* :func:`build_vocabulary` and :func:`texts_to_sequences` are the plain-dictionary view that
  Part I's bag-of-words pages use (index 0 for padding, 1 for unknown words).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import torch

from dlbook.text.encode import pad_sequences
from dlbook.text.tokenizers import ascii_words

__all__ = [
    "BOS",
    "EOS",
    "MASK",
    "OOV_INDEX",
    "PAD",
    "PAD_INDEX",
    "UNK",
    "CharVocab",
    "Vocab",
    "build_vocabulary",
    "texts_to_sequences",
]

#: The special tokens of :class:`Vocab`: padding, unknown, start, end and mask.
PAD, UNK, BOS, EOS, MASK = "<pad>", "<unk>", "<bos>", "<eos>", "<mask>"

#: Index of padding in :func:`build_vocabulary`'s dictionaries (never produced by
#: :func:`texts_to_sequences`).
PAD_INDEX = 0
#: Index of words that are not in a :func:`build_vocabulary` dictionary.
OOV_INDEX = 1


class Vocab:
    """A two-way map between tokens and integer ids.

    Special tokens come first, in the order given (so with the defaults ``<pad>`` is id 0), then
    the other tokens by decreasing frequency (ties broken alphabetically, so the ids do not
    depend on the order of the corpus). Unknown tokens map to ``<unk>`` when it is a special.
    The special tokens are looked up by the class attributes ``pad_token``, ``unk_token``,
    ``bos_token``, ``eos_token`` and ``mask_token`` (``PAD``, ``UNK``, ``BOS``, ``EOS``,
    ``MASK``), which a subclass may rename.

    Parameters
    ----------
    tokens : sequence of str
        The id-to-token list, specials included.
    specials : sequence of str, default ()
        Which of ``tokens`` are special (they are skipped by :meth:`decode`).
    """

    pad_token, unk_token, bos_token, eos_token, mask_token = PAD, UNK, BOS, EOS, MASK

    def __init__(self, tokens: Sequence[str], specials: Sequence[str] = ()):
        if len(set(tokens)) != len(tokens):
            raise ValueError("the tokens of a Vocab must be distinct")
        missing = [s for s in specials if s not in tokens]
        if missing:
            raise ValueError(f"specials {missing} are not among the tokens")
        self.itos = list(tokens)
        self.stoi = {token: i for i, token in enumerate(self.itos)}
        self.specials = tuple(specials)
        self._special_ids = frozenset(self.stoi[s] for s in specials)

    @classmethod
    def build(
        cls,
        corpus: Iterable[Sequence[str]],
        min_freq: int = 1,
        max_size: int | None = None,
        specials: Sequence[str] = (PAD, UNK, BOS, EOS),
    ) -> Vocab:
        """Count the tokens of ``corpus`` (an iterable of token lists) and keep the frequent ones.

        ``min_freq`` drops tokens seen fewer times; ``max_size`` caps the size, specials
        included.
        """
        if min_freq < 1:
            raise ValueError(f"min_freq must be >= 1, got {min_freq}")
        counts = Counter()
        for tokens in corpus:
            counts.update(tokens)
        for s in specials:
            counts.pop(s, None)
        kept = sorted(
            (t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t)
        )
        if max_size is not None:
            if max_size < len(specials):
                raise ValueError(f"max_size={max_size} leaves no room for {len(specials)} specials")
            kept = kept[: max_size - len(specials)]
        vocab = cls([*specials, *kept], specials)
        vocab.counts = counts
        return vocab

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={len(self)}, specials={list(self.specials)})"

    def _special(self, token: str) -> int:
        if token not in self.stoi:
            raise KeyError(f"this vocabulary has no {token} token (specials: {self.specials})")
        return self.stoi[token]

    @property
    def pad_id(self) -> int:
        return self._special(self.pad_token)

    @property
    def unk_id(self) -> int:
        return self._special(self.unk_token)

    @property
    def bos_id(self) -> int:
        return self._special(self.bos_token)

    @property
    def eos_id(self) -> int:
        return self._special(self.eos_token)

    @property
    def mask_id(self) -> int:
        return self._special(self.mask_token)

    @property
    def special_ids(self) -> frozenset[int]:
        return self._special_ids

    def encode(self, tokens: Iterable[str], bos: bool = False, eos: bool = False) -> list[int]:
        """Ids of ``tokens``; unknown tokens become ``<unk>`` (a ``KeyError`` without one)."""
        unk = self.stoi.get(self.unk_token)
        ids = []
        for t in tokens:
            i = self.stoi.get(t, unk)
            if i is None:
                raise KeyError(f"token {t!r} is not in the vocabulary, which has no {UNK}")
            ids.append(i)
        if bos:
            ids.insert(0, self.bos_id)
        if eos:
            ids.append(self.eos_id)
        return ids

    def decode(self, ids: Iterable[int], skip_specials: bool = True, stop_at_eos: bool = True):
        """Tokens of ``ids``, stopping at the end token and skipping specials by default."""
        eos = self.stoi.get(self.eos_token)
        out = []
        for i in ids:
            i = int(i)
            if stop_at_eos and i == eos:
                break
            if skip_specials and i in self._special_ids:
                continue
            out.append(self.itos[i])
        return out


class CharVocab(Vocab):
    """A character vocabulary with three special tokens: padding (id 0), start ``<s>`` and end
    ``</s>``; it encodes strings, and batches of strings as padded tensors.

    >>> vocab = CharVocab.build(["ab", "ba!"])
    >>> vocab.encode("ab", eos=True)
    [3, 4, 2]
    >>> vocab.decode([3, 4, 2, 0, 0])
    'ab'

    Parameters
    ----------
    chars : iterable of str
        The ordinary characters, in id order (ids 3, 4, ...).
    """

    bos_token, eos_token = "<s>", "</s>"

    def __init__(self, chars: Iterable[str]):
        chars = list(chars)
        if any(len(c) != 1 for c in chars):
            raise ValueError("a CharVocab holds single characters")
        if len(set(chars)) != len(chars):
            raise ValueError("characters must be distinct")
        specials = (self.pad_token, self.bos_token, self.eos_token)
        super().__init__([*specials, *chars], specials)

    @classmethod
    def build(cls, texts: Iterable[str]) -> CharVocab:
        """The sorted set of characters that occur in ``texts`` (ids in alphabetical order)."""
        return cls(sorted(set().union(*map(set, texts))))

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} tokens: {''.join(self.itos[3:])!r} + 3 special)"

    def encode(self, text: str, bos: bool = False, eos: bool = False) -> list[int]:
        """Ids of the characters of ``text``, optionally framed by start/end tokens.

        Raises ``ValueError`` for a character that is not in the vocabulary (there is no
        unknown token).
        """
        unknown = sorted(set(text) - self.stoi.keys())
        if unknown:
            raise ValueError(f"characters {unknown} are not in the vocabulary")
        return super().encode(text, bos=bos, eos=eos)

    def decode(self, ids: Iterable[int]) -> str:
        """The string up to the first end token, skipping padding and start tokens."""
        return "".join(super().decode(ids))

    def encode_batch(
        self, texts: Sequence[str], *, bos: bool = False, eos: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode and right-pad: ids ``(N, T_max)`` (int64) and lengths ``(N,)``."""
        if isinstance(texts, str):
            raise ValueError("encode_batch takes a sequence of strings; use encode for one")
        seqs = [self.encode(t, bos=bos, eos=eos) for t in texts]
        lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
        if not seqs:
            return torch.zeros((0, 0), dtype=torch.long), lengths
        return pad_sequences(seqs, self.pad_id), lengths  # (N, T), (N,)

    def decode_batch(self, ids: torch.Tensor) -> list[str]:
        """Decode every row of an ``(N, T)`` id tensor."""
        return [self.decode(row) for row in ids.tolist()]


def build_vocabulary(texts: Iterable[str], max_tokens: int) -> dict[str, int]:
    """Map the ``max_tokens - 2`` most frequent words of ``texts`` to indices ``2, 3, ...``.

    The words are :func:`~dlbook.text.ascii_words`; the ranking is that of
    :meth:`Vocab.build` with the specials ``<pad>`` and ``<unk>``. Index 0
    (``PAD_INDEX``) is kept for padding and index 1 (``OOV_INDEX``) for
    out-of-vocabulary words, so the largest index is ``max_tokens - 1`` (or smaller when the
    texts have fewer distinct words). Ties in frequency are broken alphabetically, so the
    vocabulary does not depend on the order of the texts.

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
    vocab = Vocab.build(map(ascii_words, texts), max_size=max_tokens, specials=(PAD, UNK))
    return {word: i for i, word in enumerate(vocab.itos) if i not in vocab.special_ids}


def texts_to_sequences(texts: Iterable[str], vocabulary: dict[str, int]) -> list[list[int]]:
    """Replace every :func:`~dlbook.text.ascii_words` token of every text by its
    index in ``vocabulary`` (``OOV_INDEX`` when unknown)."""
    return [[vocabulary.get(word, OOV_INDEX) for word in ascii_words(text)] for text in texts]
