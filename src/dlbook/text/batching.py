"""Batches of examples of similar length (little padding), reshuffled on every pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

__all__ = ["BucketBatcher"]


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
