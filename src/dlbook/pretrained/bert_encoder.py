r"""The small BERT of Part V: masked-language-model pre-training on movie reviews, and the
review classifiers fine-tuned from it.

The BERT page explains this recipe; the pages after it adapt, explain and convert the same
encoder. Training it once per build is the job of ``dlbook.artifacts``:
:func:`pretrained_bert` and :func:`review_classifier` return the trained models, training them
only when the data cache does not hold weights made by this code with this configuration.

The recipe, in order:

1. :func:`review_task`: the movie-review snippets, split into training and test reviews; a word
   vocabulary from the training reviews; the training reviews split again into a fitting set
   and a tenth held out for validation.
2. :class:`MaskedLM` on an :class:`~dlbook.nn.bert.BERT` body, trained by
   :func:`pretrain` on the training reviews with their labels ignored (task-adaptive
   pre-training): a random ``mask_probability`` of the tokens of each sentence are chosen,
   corrupted by :func:`dlbook.text.mask_tokens`, and predicted.
3. :class:`ReviewClassifier` (mean of the encoder's states, then a linear layer), trained by
   :func:`finetune` on the labelled fitting set, keeping the epoch with the best validation
   accuracy.

Each trained module carries the record of its own training in a buffer (``record``), so a page
that loads it from the cache can still plot the training curve (:func:`training_history`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dlbook.artifacts import cached_torch_module
from dlbook.nn import BERT, BERTConfig
from dlbook.text import MASK, PAD, UNK, BucketBatcher, Vocab, mask_tokens, pad_sequences, tokenize
from dlbook.train import History, fit, warmup_schedule

__all__ = [
    "BertConfig",
    "FinetuneConfig",
    "MaskedLM",
    "ReviewClassifier",
    "ReviewTask",
    "accuracy",
    "build_encoder",
    "finetune",
    "predictions",
    "pretrain",
    "pretrained_bert",
    "review_classifier",
    "review_task",
    "training_history",
]


@dataclass(frozen=True)
class BertConfig:
    """Everything that makes the pre-trained encoder (and so the key of its cached weights)."""

    # data
    test_fraction: float = 0.2
    split_seed: int = 0
    min_freq: int = 2
    max_len: int = 64
    # encoder
    d_model: int = 128
    num_heads: int = 4
    num_layers: int = 2
    d_ff: int = 256
    dropout: float = 0.1
    # masked-language-model pre-training
    mask_probability: float = 0.25
    epochs: int = 6
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    clip_grad_norm: float = 1.0
    eval_every: int = 50
    seed: int = 0


@dataclass(frozen=True)
class FinetuneConfig:
    """The fine-tuning recipe shared by every classifier that is compared on the review task."""

    epochs: int = 2
    batch_size: int = 64
    lr: float = 3e-4
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    dropout: float = 0.1


# ----------------------------------------------------------------------------- data


@dataclass
class ReviewTask:
    """The review task as the encoder sees it: a vocabulary and id-encoded examples.

    ``fit_set``, ``val_set`` and ``test_set`` are lists of ``(ids, label)``; ``sentences`` are
    the token lists of all training reviews (the unlabelled pre-training text).
    """

    vocab: Vocab
    sentences: list[list[str]]
    fit_set: list[tuple[list[int], int]]
    val_set: list[tuple[list[int], int]]
    test_set: list[tuple[list[int], int]]
    train_df: object = field(repr=False)
    test_df: object = field(repr=False)
    max_len: int = 64

    def encode(self, text: str) -> list[int]:
        """Ids of one review (cut to ``max_len``; an empty review becomes ``[<unk>]``)."""
        return self.vocab.encode(tokenize(text))[: self.max_len] or [self.vocab.unk_id]

    def collate(self, items: Sequence[tuple[list[int], int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """``(ids (B, L), labels (B,))`` of a list of examples, padded on the right."""
        ids = pad_sequences([x for x, _ in items], self.vocab.pad_id)
        return ids, torch.tensor([y for _, y in items])

    def batches(self, items, batch_size: int = 64, shuffle: bool = False, seed: int = 0):
        """Length-bucketed batches of ``items`` (see :class:`dlbook.text.BucketBatcher`)."""
        return BucketBatcher(
            items,
            batch_size=batch_size,
            collate=self.collate,
            length=lambda item: len(item[0]),
            shuffle=shuffle,
            seed=seed,
        )


def review_task(config: BertConfig | None = None) -> ReviewTask:
    """Load the movie reviews and encode them with a vocabulary of the training reviews."""
    from dlbook.data import load_movie_reviews

    config = config or BertConfig()
    train_df, test_df = load_movie_reviews(
        test_fraction=config.test_fraction, seed=config.split_seed
    )
    sentences = [tokenize(t) for t in train_df.text]
    vocab = Vocab.build(sentences, min_freq=config.min_freq, specials=(PAD, UNK, MASK))
    task = ReviewTask(vocab, sentences, [], [], [], train_df, test_df, config.max_len)
    reviews = [(task.encode(t), int(y)) for t, y in zip(train_df.text, train_df.label, strict=True)]
    perm = np.random.default_rng(config.split_seed).permutation(len(reviews))
    n_val = len(reviews) // 10
    task.fit_set = [reviews[i] for i in perm[n_val:]]
    task.val_set = [reviews[i] for i in perm[:n_val]]
    task.test_set = [
        (task.encode(t), int(y)) for t, y in zip(test_df.text, test_df.label, strict=True)
    ]
    return task


# ----------------------------------------------------------------------------- records


def _record_buffer(module: nn.Module, rows: int, columns: Sequence[str]) -> None:
    module.record_columns = ("step", "seconds", *columns)
    module.register_buffer("record", torch.full((rows, len(module.record_columns)), float("nan")))


def _store(module: nn.Module, history: History) -> None:
    columns = module.record_columns[2:]
    rows = [
        [step, seconds, *(history[c][i] for c in columns)]
        for i, (step, seconds) in enumerate(zip(history.steps, history.seconds, strict=True))
    ]
    if len(rows) != module.record.shape[0]:
        raise RuntimeError(
            f"training made {len(rows)} records, the buffer has room for {module.record.shape[0]}"
        )
    module.record.copy_(torch.tensor(rows, dtype=torch.float32))


def training_history(module: nn.Module) -> History:
    """The :class:`~dlbook.train.History` of a model trained by :func:`pretrain` or
    :func:`finetune`, read back from its ``record`` buffer (so it survives the cache)."""
    table = module.record.cpu().double().numpy()
    history = History()
    history.steps = [int(s) for s in table[:, 0]]
    history.seconds = [float(s) for s in table[:, 1]]
    for j, name in enumerate(module.record_columns[2:], start=2):
        history[name] = [float(v) for v in table[:, j]]
    return history


# ----------------------------------------------------------------------------- pre-training


def build_encoder(vocab_size: int, pad_id: int, config: BertConfig | None = None):
    """A fresh :class:`~dlbook.nn.bert.BERT` of the configured size."""
    config = config or BertConfig()
    return BERT(
        BERTConfig(
            vocab_size=vocab_size,
            max_len=config.max_len,
            d_model=config.d_model,
            num_heads=config.num_heads,
            num_layers=config.num_layers,
            d_ff=config.d_ff,
            dropout=config.dropout,
            pad_id=pad_id,
        )
    )


class MaskedLM(nn.Module):
    r"""An encoder with BERT's masked-language-model head.

    The head maps each state back to vocabulary logits with the token-embedding matrix
    :math:`E` as output weights (tied, as in BERT):
    :math:`\operatorname{logits} = \operatorname{LN}(h)\, E^\top + b`. Only the positions chosen
    for prediction (``labels != -100``) are scored, which saves most of the output layer's cost.

    ``forward(inputs, labels)`` returns the mean cross-entropy over the chosen positions;
    :meth:`logits` returns the logits of every position.
    """

    def __init__(self, encoder: BERT, records: int = 0):
        super().__init__()
        self.encoder = encoder
        self.norm = nn.LayerNorm(encoder.d_model)
        self.bias = nn.Parameter(torch.zeros(encoder.token_embed.num_embeddings))
        _record_buffer(self, records, ("loss",))

    def _project(self, states: torch.Tensor) -> torch.Tensor:
        return self.norm(states) @ self.encoder.token_embed.weight.T + self.bias  # (..., V)

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        states = self.encoder(inputs)  # (B, L, d_model)
        chosen = labels != -100  # (B, L)
        # (n_chosen, V): logits only at the positions to predict
        logits = self._project(states[chosen])
        return F.cross_entropy(logits, labels[chosen])

    def logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Vocabulary logits ``(B, L, V)`` at every position."""
        return self._project(self.encoder(inputs))


def _pretrain_batches(task: ReviewTask, config: BertConfig) -> BucketBatcher:
    ids = [task.vocab.encode(s)[: config.max_len] for s in task.sentences]
    return BucketBatcher(
        ids,
        batch_size=config.batch_size,
        collate=lambda b: pad_sequences(b, task.vocab.pad_id),
        seed=config.seed,
    )


def _records(total_steps: int, every: int) -> int:
    return -(-total_steps // every)  # dlbook.train.fit records every `every` steps and at the end


def pretrain(
    mlm: MaskedLM, task: ReviewTask, config: BertConfig | None = None, device="cpu"
) -> History:
    """Masked-language-model pre-training of ``mlm`` on the training reviews (labels
    unused).

    Sentences are batched by length and masked afresh each time they are drawn; AdamW
    with a linear warm-up over the first ``warmup_fraction`` of the steps and linear
    decay to zero. (The book shows this function: its lines fit the page's 88 columns.)
    """
    config = config or BertConfig()
    batches = _pretrain_batches(task, config)
    vocab = task.vocab
    mask_rng = torch.Generator().manual_seed(config.seed)

    def mlm_loss(model: MaskedLM, ids: torch.Tensor) -> torch.Tensor:
        inputs, labels = mask_tokens(
            ids.cpu(),
            vocab.mask_id,
            len(vocab),
            vocab.special_ids,
            probability=config.mask_probability,
            generator=mask_rng,
        )
        return model(inputs.to(device), labels.to(device))

    optimizer = torch.optim.AdamW(
        mlm.parameters(),
        lr=config.lr,
        weight_decay=config.weight_decay,
    )
    total = config.epochs * len(batches)
    warmup = int(total * config.warmup_fraction)
    scheduler = warmup_schedule(optimizer, warmup, total_steps=total, decay="linear")
    history = fit(
        mlm,
        mlm_loss,
        batches,
        optimizer=optimizer,
        scheduler=scheduler,
        epochs=config.epochs,
        eval_every=config.eval_every,
        clip_grad_norm=config.clip_grad_norm,
        device=device,
    )
    _store(mlm, history)
    return history


def pretrained_bert(
    config: BertConfig | None = None, task: ReviewTask | None = None, device="cpu"
) -> tuple[MaskedLM, ReviewTask]:
    """The pre-trained :class:`MaskedLM` (encoder and head) and its :class:`ReviewTask`.

    Trained by :func:`pretrain` with ``torch.manual_seed(config.seed)`` the first time, then read
    from the artifact cache. The model is returned in evaluation mode on ``device``.
    """
    config = config or BertConfig()
    task = task or review_task(config)
    records = _records(config.epochs * len(_pretrain_batches(task, config)), config.eval_every)
    torch.manual_seed(config.seed)
    mlm = MaskedLM(build_encoder(len(task.vocab), task.vocab.pad_id, config), records).to(device)
    cached_torch_module(
        "bert-reviews-mlm",
        asdict(config),
        mlm,
        lambda module: pretrain(module, task, config, device),
        seed=config.seed,
    )
    return mlm, task


# ----------------------------------------------------------------------------- fine-tuning


class ReviewClassifier(nn.Module):
    r"""Sentiment from an encoder: the mean of its states over the real tokens, then a linear
    layer, :math:`p(y \mid x) = \operatorname{softmax}\big(W\, \tfrac{1}{n}\sum_{i \le n} h_i
    + b\big)`.

    Parameters
    ----------
    encoder:
        A :class:`~dlbook.nn.bert.BERT` (pre-trained or fresh).
    num_classes:
        Output size (2 for fresh/rotten).
    dropout:
        Dropout on the pooled vector.
    records:
        Rows of the training record buffer (one per epoch).
    """

    def __init__(self, encoder: BERT, num_classes: int = 2, dropout: float = 0.1, records=0):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(encoder.d_model, num_classes)
        _record_buffer(self, records, ("loss", "accuracy", "val_loss", "val_accuracy"))

    def pool(self, ids: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
        real = (ids != self.encoder.pad_id).unsqueeze(-1).to(states.dtype)  # (B, L, 1)
        return (states * real).sum(1) / real.sum(1)  # (B, d_model): mean over real tokens

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        states = self.encoder(ids)  # (B, L, d_model)
        return self.out(self.dropout(self.pool(ids, states)))  # (B, num_classes)


def _classification_loss(model: nn.Module, batch):
    ids, y = batch
    logits = model(ids)
    return F.cross_entropy(logits, y), {"accuracy": (logits.argmax(-1) == y).float().mean()}


def finetune(
    model: ReviewClassifier,
    task: ReviewTask,
    config: FinetuneConfig | None = None,
    seed: int = 0,
    device="cpu",
    lr: float | None = None,
) -> History:
    """Train the parameters of ``model`` that require gradients on the labelled fitting set.

    AdamW, linear warm-up and decay, ``config.epochs`` epochs; after each epoch the validation
    accuracy is measured and the weights of the best epoch are kept (loaded back at the end).
    Frozen parameters (``requires_grad=False``) stay as they are, so the same recipe serves
    full fine-tuning, a frozen encoder with a trained head, and LoRA. ``lr`` overrides
    ``config.lr``.
    """
    config = config or FinetuneConfig()
    torch.manual_seed(seed)
    train_batches = task.batches(task.fit_set, config.batch_size, shuffle=True, seed=seed)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr or config.lr, weight_decay=config.weight_decay)
    total = config.epochs * len(train_batches)
    scheduler = warmup_schedule(
        optimizer, int(total * config.warmup_fraction), total, decay="linear"
    )
    best, history = (-1.0, None), None
    for _ in range(config.epochs):  # one epoch at a time, to keep the best one
        history = fit(
            model,
            _classification_loss,
            train_batches,
            optimizer=optimizer,
            scheduler=scheduler,
            val_data=task.batches(task.val_set, config.batch_size),
            history=history,
            device=device,
            progress=False,
        )
        if history["val_accuracy"][-1] > best[0]:
            best = (history["val_accuracy"][-1], copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[1])
    _store(model, history)
    model.eval()
    return history


def review_classifier(
    init: str = "pretrained",
    seed: int = 0,
    config: BertConfig | None = None,
    finetune_config: FinetuneConfig | None = None,
    task: ReviewTask | None = None,
    device="cpu",
) -> tuple[ReviewClassifier, ReviewTask]:
    """A review classifier fine-tuned (all weights) from the pre-trained encoder
    (``init="pretrained"``) or trained from a fresh encoder (``"scratch"``), with ``seed``.

    Both are trained with the same :func:`finetune` recipe and cached like the encoder. Pass
    the ``task`` of an earlier call to skip loading and encoding the reviews again.
    """
    if init not in ("pretrained", "scratch"):
        raise ValueError(f"init must be 'pretrained' or 'scratch', got {init!r}")
    config = config or BertConfig()
    finetune_config = finetune_config or FinetuneConfig()
    if init == "pretrained":
        mlm, task = pretrained_bert(config, task, device=device)
        encoder = copy.deepcopy(mlm.encoder)
        torch.manual_seed(seed)  # the new head's initial weights
    else:
        task = task or review_task(config)
        torch.manual_seed(seed)
        encoder = build_encoder(len(task.vocab), task.vocab.pad_id, config)
    model = ReviewClassifier(
        encoder, dropout=finetune_config.dropout, records=finetune_config.epochs
    )
    model.to(device)
    cached_torch_module(
        f"bert-reviews-classifier-{init}",
        {"encoder": asdict(config), "finetune": asdict(finetune_config), "seed": seed},
        model,
        lambda module: finetune(module, task, finetune_config, seed, device),
        seed=seed,
    )
    return model, task


# ----------------------------------------------------------------------------- evaluation


@torch.no_grad()
def predictions(model: nn.Module, task: ReviewTask, items=None, device="cpu") -> np.ndarray:
    """Predicted labels of ``items`` (default: the test set), in their original order."""
    items = task.test_set if items is None else items
    model.eval()
    out = np.empty(len(items), dtype=np.int64)
    batches = task.batches(items, 256)
    for indices, (ids, _) in zip(batches.batch_indices(), batches, strict=True):
        out[indices] = model(ids.to(device)).argmax(-1).cpu().numpy()
    return out


def accuracy(model: nn.Module, task: ReviewTask, items=None, device="cpu") -> float:
    """Accuracy on ``items`` (default: the test set)."""
    items = task.test_set if items is None else items
    labels = np.array([y for _, y in items])
    return float((predictions(model, task, items, device) == labels).mean())
