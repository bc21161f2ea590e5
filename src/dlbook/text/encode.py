r"""Token ids to tensors: padding, multi-hot vectors, language-model windows, MLM masking.

* :func:`pad_sequences` stacks id lists into one padded ``(B, L)`` tensor;
* :func:`multi_hot` turns id lists into fixed-size 0/1 vectors a dense network can read;
* :func:`random_blocks` cuts random training windows from one long token stream;
* :func:`mask_tokens` corrupts ids for masked-language-model pre-training (BERT).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import torch

__all__ = ["mask_tokens", "multi_hot", "pad_sequences", "random_blocks"]


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
