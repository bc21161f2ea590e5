r"""Text to tensors for the transformer pages: tokenisers, vocabularies, padding and batching.

* :func:`tokenize` splits text into lower-cased words and punctuation marks;
* :class:`Vocab` maps tokens to ids and back, with optional special tokens;
* :func:`pad_sequences` turns a list of id lists into one padded ``(B, L)`` tensor;
* :class:`BucketBatcher` groups examples of similar length so that little padding is wasted;
* :func:`random_blocks` cuts random training windows from one long token stream (language models);
* :func:`mask_tokens` corrupts ids for masked-language-model pre-training (BERT).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import torch

__all__ = [
    "BOS",
    "EOS",
    "MASK",
    "PAD",
    "UNK",
    "BucketBatcher",
    "Vocab",
    "mask_tokens",
    "pad_sequences",
    "random_blocks",
    "tokenize",
]

PAD, UNK, BOS, EOS, MASK = "<pad>", "<unk>", "<bos>", "<eos>", "<mask>"

_TOKEN = re.compile(r"\w+(?:['-]\w+)*|[^\w\s]")


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


class Vocab:
    """A two-way map between tokens and integer ids.

    Special tokens come first, in the order given (so with the defaults ``<pad>`` is id 0), then
    the other tokens by decreasing frequency (ties broken alphabetically, so the ids do not
    depend on the order of the corpus). Unknown tokens map to ``<unk>`` when it is a special.

    Parameters
    ----------
    tokens:
        The id-to-token list, specials included.
    specials:
        Which of ``tokens`` are special (they are skipped by :meth:`decode`).
    """

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
        return f"Vocab(size={len(self)}, specials={list(self.specials)})"

    def _special(self, token: str) -> int:
        if token not in self.stoi:
            raise KeyError(f"this vocabulary has no {token} token (specials: {self.specials})")
        return self.stoi[token]

    @property
    def pad_id(self) -> int:
        return self._special(PAD)

    @property
    def unk_id(self) -> int:
        return self._special(UNK)

    @property
    def bos_id(self) -> int:
        return self._special(BOS)

    @property
    def eos_id(self) -> int:
        return self._special(EOS)

    @property
    def mask_id(self) -> int:
        return self._special(MASK)

    @property
    def special_ids(self) -> frozenset[int]:
        return self._special_ids

    def encode(self, tokens: Iterable[str], bos: bool = False, eos: bool = False) -> list[int]:
        """Ids of ``tokens``; unknown tokens become ``<unk>`` (a ``KeyError`` without one)."""
        unk = self.stoi.get(UNK)
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
        """Tokens of ``ids``, stopping at ``<eos>`` and skipping specials by default."""
        eos = self.stoi.get(EOS)
        out = []
        for i in ids:
            i = int(i)
            if stop_at_eos and i == eos:
                break
            if skip_specials and i in self._special_ids:
                continue
            out.append(self.itos[i])
        return out


def pad_sequences(
    sequences: Sequence[Sequence[int]], pad_id: int = 0, length: int | None = None
) -> torch.Tensor:
    """Stack id lists into a ``(B, L)`` long tensor, padding on the right with ``pad_id``.

    ``L`` is the longest sequence unless ``length`` is given (longer sequences are then cut).
    """
    if len(sequences) == 0:
        raise ValueError("pad_sequences needs at least one sequence")
    if length is None:
        length = max(len(s) for s in sequences)
    out = torch.full((len(sequences), length), pad_id, dtype=torch.long)  # (B, L)
    for row, seq in enumerate(sequences):
        seq = list(seq)[:length]
        if seq:
            out[row, : len(seq)] = torch.as_tensor(seq, dtype=torch.long)
    return out


class BucketBatcher:
    """Batches of examples of similar length, reshuffled on every pass.

    Sorting by length before cutting batches means little padding; shuffling within pools
    of ``pool`` batches and then shuffling the batches keeps every epoch different. Iterating
    the batcher yields ``collate([examples...])``; each pass draws from the batcher's own
    random generator, so a run is repeatable from ``seed``.

    Parameters
    ----------
    examples:
        The dataset (any sequence).
    batch_size:
        Examples per batch.
    collate:
        Turns a list of examples into a batch (default: the list itself).
    length:
        Length of an example, used for sorting (default: ``len``).
    shuffle:
        Shuffle each pass (``False``: a fixed order, sorted by length, for evaluation).
    pool:
        How many batches' worth of examples are sorted together.
    drop_last:
        Drop a final incomplete batch.
    seed:
        Seed of the batcher's generator.
    """

    def __init__(
        self,
        examples: Sequence,
        batch_size: int,
        collate: Callable[[list], object] | None = None,
        length: Callable[[object], int] = len,
        shuffle: bool = True,
        pool: int = 50,
        drop_last: bool = False,
        seed: int = 0,
    ):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if pool < 1:
            raise ValueError(f"pool must be >= 1, got {pool}")
        self.examples = examples
        self.batch_size = batch_size
        self.collate = collate or (lambda items: items)
        self.lengths = [length(e) for e in examples]
        self.shuffle = shuffle
        self.pool = pool
        self.drop_last = drop_last
        self.generator = torch.Generator().manual_seed(seed)

    def batch_indices(self) -> list[list[int]]:
        """The index lists of one pass (draws from the generator when shuffling)."""
        n = len(self.examples)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).tolist()
        else:
            order = list(range(n))
        size = self.batch_size * self.pool
        batches = []
        for start in range(0, n, size):
            chunk = sorted(order[start : start + size], key=lambda i: self.lengths[i])
            for b in range(0, len(chunk), self.batch_size):
                batch = chunk[b : b + self.batch_size]
                if len(batch) == self.batch_size or not self.drop_last:
                    batches.append(batch)
        if self.shuffle:
            perm = torch.randperm(len(batches), generator=self.generator).tolist()
            batches = [batches[i] for i in perm]
        return batches

    def __iter__(self):
        for indices in self.batch_indices():
            yield self.collate([self.examples[i] for i in indices])

    def __len__(self) -> int:
        # Every pool of batch_size * pool examples is cut into batches on its own.
        n, size = len(self.examples), self.batch_size * self.pool
        count = 0
        for start in range(0, n, size):
            chunk = min(size, n - start)
            count += chunk // self.batch_size if self.drop_last else -(-chunk // self.batch_size)
        return count


def random_blocks(
    data: torch.Tensor,
    block_size: int,
    batch_size: int,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut ``batch_size`` random windows from a 1-D token stream, for next-token prediction.

    Returns inputs ``x`` ``(B, block_size)`` and targets ``y`` ``(B, block_size)``, where
    ``y[:, t] = x[:, t + 1]`` continues the stream by one token.
    """
    if data.dim() != 1:
        raise ValueError(f"data must be a 1-D tensor of token ids, got shape {tuple(data.shape)}")
    if len(data) <= block_size:
        raise ValueError(f"data has {len(data)} tokens; need more than block_size={block_size}")
    starts = torch.randint(len(data) - block_size, (batch_size,), generator=generator)  # (B,)
    offsets = torch.arange(block_size)  # (block_size,)
    x = data[starts[:, None] + offsets]  # (B, block_size)
    y = data[starts[:, None] + offsets + 1]  # (B, block_size)
    return x, y


def mask_tokens(
    ids: torch.Tensor,
    mask_id: int,
    vocab_size: int,
    special_ids: Iterable[int] = (),
    probability: float = 0.15,
    generator: torch.Generator | None = None,
    ignore_index: int = -100,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Corrupt a batch of ids for masked-language-model training (Devlin et al., 2019).

    Each ordinary (non-special) token is chosen with probability ``probability``. A chosen
    token is replaced by ``mask_id`` 80% of the time, by a random ordinary id 10% of the time,
    and kept 10% of the time; the model must predict the original token at every chosen
    position.

    Returns
    -------
    inputs:
        The corrupted ids, same shape as ``ids``.
    labels:
        The original id at chosen positions, ``ignore_index`` elsewhere (the default -100 is
        what :func:`torch.nn.functional.cross_entropy` ignores).
    """
    if not 0.0 < probability < 1.0:
        raise ValueError(f"probability must be in (0, 1), got {probability}")
    special = torch.zeros(vocab_size, dtype=torch.bool)
    special_list = list(special_ids)
    if special_list:
        special[torch.as_tensor(special_list)] = True
    special = special.to(ids.device)
    eligible = ~special[ids]  # (B, L)

    def uniform() -> torch.Tensor:
        return torch.rand(ids.shape, generator=generator).to(ids.device)

    chosen = eligible & (uniform() < probability)
    labels = torch.where(chosen, ids, torch.full_like(ids, ignore_index))
    roll = uniform()
    inputs = ids.clone()
    inputs[chosen & (roll < 0.8)] = mask_id
    ordinary = (~special).nonzero().squeeze(1)  # ids a random replacement may take
    random_pick = chosen & (roll >= 0.8) & (roll < 0.9)
    picks = torch.randint(len(ordinary), ids.shape, generator=generator).to(ids.device)
    inputs[random_pick] = ordinary[picks][random_pick]
    return inputs, labels
