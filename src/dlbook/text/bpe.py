r"""Byte-pair encoding (Sennrich et al., 2016), learnt from its definition, and byte-level BPE.

Byte-pair encoding builds a subword vocabulary bottom-up. Start from the symbols of an alphabet
(characters, or the 256 byte values); then, as many times as wanted, find the pair of adjacent
symbols that occurs most often in the corpus and make it a new symbol, replacing every
occurrence. The list of merges, in the order they were learnt, is the tokeniser: to segment a
word, split it into alphabet symbols and apply the merges in that order.

* :func:`learn_bpe` learns the merges from word counts (the corpus is counted word by word,
  since merges never cross a word boundary);
* :func:`apply_bpe` segments one word with a list of merges;
* :func:`bytes_to_unicode` and :func:`pre_tokenize` give GPT-2's byte-level view of text: every
  byte becomes one printable character, so the alphabet has exactly 256 symbols and no string is
  ever unknown;
* :class:`BPETokenizer` puts the pieces together: ``train``, ``encode`` to ids, ``decode``.

Ties between pairs of equal count are broken the way Hugging Face ``tokenizers`` breaks them
(the pair of smaller symbol ids first, where alphabet symbols are numbered by code point and
each merge gets the next id), so that the two implementations learn the same merges from the same
word counts.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

__all__ = [
    "BPETokenizer",
    "apply_bpe",
    "bytes_to_unicode",
    "learn_bpe",
    "pre_tokenize",
]

Pair = tuple[str, str]


def learn_bpe(
    word_counts: Mapping[str, int],
    num_merges: int,
    alphabet: Iterable[str] = (),
    min_frequency: int = 2,
) -> list[Pair]:
    r"""Learn up to ``num_merges`` byte-pair merges from a table of word counts.

    Each word starts as the sequence of its characters. At every step the adjacent pair
    :math:`(a, b)` with the largest count

    .. math::

        n(a, b) = \sum_{w} c(w)\, \#\{i : w_i = a,\ w_{i+1} = b\}

    (with :math:`c(w)` the count of word :math:`w` and occurrences counted left to right,
    without overlap) becomes a new symbol :math:`ab`, replacing those occurrences in every word.
    Learning stops early when the best pair occurs fewer than ``min_frequency`` times.

    Parameters
    ----------
    word_counts:
        Word (a string of alphabet characters) to the number of times it occurs.
    num_merges:
        How many merges to learn at most; the vocabulary is the alphabet plus one symbol per
        merge.
    alphabet:
        Extra single characters that get ids even when no word contains them (for byte-level
        BPE, all 256 byte characters). They matter only for breaking ties (see below).
    min_frequency:
        Stop when the most frequent pair occurs fewer times than this.

    Returns
    -------
    The merges ``[(a, b), ...]`` in the order they were learnt.

    Notes
    -----
    Ties are broken as in Hugging Face ``tokenizers``: symbols get ids, the alphabet's characters
    first in code-point order, then each merged symbol the next id; among pairs of equal count
    the one with the smaller ``(id(a), id(b))`` wins. Pair counts are kept up to date
    incrementally (only the words that contain the merged pair are rescanned), with a heap of
    candidate pairs whose stale entries are refreshed when popped.
    """
    if num_merges < 0:
        raise ValueError(f"num_merges must be >= 0, got {num_merges}")
    if min_frequency < 1:
        raise ValueError(f"min_frequency must be >= 1, got {min_frequency}")
    words = [list(w) for w in word_counts]
    counts = [int(c) for c in word_counts.values()]
    if any(c < 0 for c in counts):
        raise ValueError("word counts must be non-negative")
    chars = set(alphabet) | {ch for w in words for ch in w}
    if any(len(ch) != 1 for ch in chars):
        raise ValueError("the alphabet must be single characters")
    ids = {ch: i for i, ch in enumerate(sorted(chars))}

    pair_counts: Counter[Pair] = Counter()
    where: defaultdict[Pair, set[int]] = defaultdict(set)  # pair -> words that (may) hold it
    for index, (symbols, count) in enumerate(zip(words, counts, strict=True)):
        for pair in _pairs(symbols):
            pair_counts[pair] += count
            where[pair].add(index)

    def entry(pair: Pair) -> tuple[int, int, int, Pair]:
        return (-pair_counts[pair], ids[pair[0]], ids[pair[1]], pair)

    heap = [entry(p) for p in pair_counts]
    heapq.heapify(heap)
    merges: list[Pair] = []
    while len(merges) < num_merges and heap:
        neg_count, _, _, pair = heapq.heappop(heap)
        if -neg_count != pair_counts[pair]:  # stale: its count changed since it was pushed
            if pair_counts[pair] > 0:
                heapq.heappush(heap, entry(pair))
            continue
        if -neg_count < min_frequency:
            break
        merged = pair[0] + pair[1]
        ids[merged] = len(ids)
        merges.append(pair)
        touched: set[Pair] = set()
        for index in where.pop(pair):
            old = words[index]
            new = _merge(old, pair, merged)
            if len(new) == len(old):  # the pair is no longer in this word
                continue
            count = counts[index]
            for p in _pairs(old):
                pair_counts[p] -= count
                touched.add(p)
            for p in _pairs(new):
                pair_counts[p] += count
                where[p].add(index)
                touched.add(p)
            words[index] = new
        pair_counts.pop(pair, None)
        for p in touched:
            if p != pair and pair_counts[p] > 0:
                heapq.heappush(heap, entry(p))
    return merges


def _pairs(symbols: Sequence[str]) -> Iterable[Pair]:
    return zip(symbols, symbols[1:], strict=False)


def _merge(symbols: list[str], pair: Pair, merged: str) -> list[str]:
    # Replace every occurrence of ``pair``, left to right and without overlap.
    out, i, n = [], 0, len(symbols)
    while i < n:
        if i + 1 < n and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            out.append(merged)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def apply_bpe(word: str, merges: Sequence[Pair] | Mapping[Pair, int]) -> list[str]:
    """Segment ``word`` with ``merges``: split it into characters, then merge in learnt order.

    At every step the adjacent pair that was learnt *earliest* is merged (all its occurrences,
    left to right), until no adjacent pair is a learnt merge. ``merges`` is the list returned by
    :func:`learn_bpe`, or a precomputed ``{pair: rank}`` dict (faster when called often).
    """
    ranks = merges if isinstance(merges, Mapping) else {p: r for r, p in enumerate(merges)}
    symbols = list(word)
    while len(symbols) > 1:
        best = min(_pairs(symbols), key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        symbols = _merge(symbols, best, best[0] + best[1])
    return symbols


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's map from the 256 byte values to 256 printable characters.

    Bytes that are printable, non-space Latin-1 characters (``!`` to ``~``, ``¡`` to ``¬``,
    ``®`` to ``ÿ``) stand for themselves; each of the other 68 bytes (controls, space,
    ``0x7f``-``0xa0``, the soft hyphen) is mapped, in byte order, to the next unused code point
    from 256 upwards. A space (byte 32) becomes ``Ġ`` and a newline ``Ċ``.
    """
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    table, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            table[byte] = chr(byte)
        else:
            table[byte] = chr(256 + extra)
            extra += 1
    return table


# GPT-2's split of text into "words": common English contractions, runs of letters, runs of
# digits, runs of other symbols (each optionally led by one space), and whitespace. The third-party
# ``regex`` module writes letters as \p{L}; with the standard library, [^\W\d_] (word characters
# that are neither digits nor the underscore) is the same set up to rare numeric symbols.
_WORD = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")


def pre_tokenize(text: str) -> list[str]:
    """Split ``text`` into GPT-2-style words and write each in byte characters.

    A word keeps the space in front of it (``" film"`` becomes ``"Ġfilm"``), so segmentations
    can be joined back into the text exactly.

    >>> pre_tokenize("A film, isn't it?")
    ['A', 'Ġfilm', ',', 'Ġisn', "'t", 'Ġit', '?']
    """
    table = bytes_to_unicode()
    return ["".join(table[b] for b in w.encode("utf-8")) for w in _WORD.findall(text)]


class BPETokenizer:
    """A byte-pair-encoding tokeniser: pre-tokenisation, learnt merges and a vocabulary.

    With ``byte_level=True`` (GPT-2, RoBERTa) text is read as UTF-8 bytes: the alphabet is the
    256 byte characters of :func:`bytes_to_unicode`, so every string can be encoded. With
    ``byte_level=False`` the alphabet is the characters seen in training, and a character never
    seen becomes ``unk_token``.

    Parameters
    ----------
    merges:
        The learnt merges, in order.
    alphabet:
        The base symbols (ids ``0 .. len(alphabet) - 1``, in the given order); merged symbols
        follow, in merge order.
    byte_level:
        Whether text is written in byte characters before segmentation.
    unk_token:
        The symbol for unknown characters (character-level only); it gets the last id.
    """

    def __init__(
        self,
        merges: Sequence[Pair],
        alphabet: Sequence[str],
        byte_level: bool = True,
        unk_token: str = "<unk>",
    ):
        self.merges = list(merges)
        self.byte_level = byte_level
        self.unk_token = unk_token
        self.ranks = {p: r for r, p in enumerate(self.merges)}
        self.itos = list(alphabet) + [a + b for a, b in self.merges]
        if not byte_level:
            self.itos.append(unk_token)
        self.stoi = {s: i for i, s in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("the alphabet and the merges give duplicate symbols")
        self._cache: dict[str, list[str]] = {}

    @classmethod
    def train(
        cls,
        texts: Iterable[str],
        vocab_size: int,
        byte_level: bool = True,
        min_frequency: int = 2,
    ) -> BPETokenizer:
        """Learn a tokeniser of about ``vocab_size`` symbols from ``texts``.

        The vocabulary is the alphabet (256 byte characters, or the characters seen plus
        ``<unk>``) plus one symbol per merge; fewer merges are learnt when no pair is frequent
        enough.
        """
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(cls._split(text, byte_level))
        if byte_level:
            alphabet = sorted(bytes_to_unicode().values())
            extra = 0
        else:
            alphabet = sorted({ch for w in counts for ch in w})
            extra = 1  # <unk>
        num_merges = vocab_size - len(alphabet) - extra
        if num_merges < 0:
            raise ValueError(
                f"vocab_size={vocab_size} is smaller than the alphabet ({len(alphabet) + extra})"
            )
        merges = learn_bpe(counts, num_merges, alphabet, min_frequency)
        return cls(merges, alphabet, byte_level)

    @staticmethod
    def _split(text: str, byte_level: bool) -> list[str]:
        if byte_level:
            return pre_tokenize(text)
        return _WORD.findall(text)

    def __len__(self) -> int:
        return len(self.itos)

    def __repr__(self) -> str:
        kind = "byte-level" if self.byte_level else "character-level"
        return f"BPETokenizer({kind}, {len(self)} symbols, {len(self.merges)} merges)"

    def segment(self, word: str) -> list[str]:
        """The symbols of one pre-tokenised word (cached)."""
        if word not in self._cache:
            self._cache[word] = apply_bpe(word, self.ranks)
        return self._cache[word]

    def tokenize(self, text: str) -> list[str]:
        """The symbols of ``text``."""
        return [s for word in self._split(text, self.byte_level) for s in self.segment(word)]

    def encode(self, text: str) -> list[int]:
        """The ids of ``text``; unseen characters map to ``<unk>`` (character-level only)."""
        unk = self.stoi.get(self.unk_token)
        ids = []
        for symbol in self.tokenize(text):
            i = self.stoi.get(symbol)
            if i is None:  # only possible without byte fallback: split into known characters
                ids.extend(self.stoi.get(ch, unk) for ch in symbol)
            else:
                ids.append(i)
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids`` (exactly the encoded text, for a byte-level tokeniser)."""
        joined = "".join(self.itos[int(i)] for i in ids)
        if not self.byte_level:
            return joined
        inverse = {ch: b for b, ch in bytes_to_unicode().items()}
        return bytes(inverse[ch] for ch in joined).decode("utf-8", errors="replace")
