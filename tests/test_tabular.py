"""Tests for dlbook.tabular: category codes, sparse one-hot batches and the training loop."""

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from dlbook.tabular import (
    CategoryEncoder,
    default_embedding_dim,
    fit_binary_classifier,
    one_hot_sparse,
    predict_logits,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_category_encoder_codes_by_frequency_with_zero_for_the_rest():
    train = pd.DataFrame({"a": ["x", "y", "y", "z", "y", "x", None], "b": [1, 1, 2, 3, 3, 3, 3]})
    enc = CategoryEncoder().fit(train, ["a", "b"])
    assert enc.cardinalities == [4, 4]
    codes = enc.transform(train)
    assert codes.dtype == np.int64 and codes.shape == (7, 2)
    assert codes[:, 0].tolist() == [2, 1, 1, 3, 1, 2, 0]  # y most frequent; missing -> 0
    assert codes[:, 1].tolist() == [2, 2, 3, 1, 1, 1, 1]
    later = pd.DataFrame({"a": ["z", "never seen"], "b": [2, 99]})
    assert enc.transform(later).tolist() == [[3, 3], [0, 0]]


def test_category_encoder_min_count_sends_rare_values_to_zero():
    frame = pd.DataFrame({"a": ["x"] * 5 + ["y"] * 2 + ["z"]})
    enc = CategoryEncoder(min_count=2).fit(frame, ["a"])
    assert enc.cardinalities == [3]
    assert enc.transform(frame)[:, 0].tolist() == [1] * 5 + [2, 2, 0]


def test_category_encoder_errors():
    frame = pd.DataFrame({"a": ["x"]})
    with pytest.raises(ValueError):
        CategoryEncoder(min_count=0)
    with pytest.raises(KeyError):
        CategoryEncoder().fit(frame, ["nope"])
    with pytest.raises(RuntimeError):
        CategoryEncoder().transform(frame)


def test_default_embedding_dim():
    assert default_embedding_dim(2) == 2
    assert default_embedding_dim(100) == 10
    assert default_embedding_dim(4000) == 16
    assert default_embedding_dim(4000, max_dim=8) == 8
    with pytest.raises(ValueError):
        default_embedding_dim(0)


def test_one_hot_sparse_matches_dense_one_hot_and_embedding_sums():
    torch.manual_seed(0)
    card = [3, 5, 2]
    codes = torch.stack([torch.randint(0, k, (6,)) for k in card], dim=1)  # (6, 3)
    oh = one_hot_sparse(codes, card)
    assert oh.is_sparse and oh.shape == (6, 10)
    dense = torch.cat(
        [nn.functional.one_hot(codes[:, j], k) for j, k in enumerate(card)], dim=1
    ).float()
    assert torch.equal(oh.to_dense(), dense)
    # A linear layer on the one-hot rows is a sum of one row per variable of its weight.
    weight = torch.randn(10, 4)
    offsets = [0, 3, 8]
    lookups = sum(weight[offsets[j] + codes[:, j]] for j in range(3))
    assert torch.allclose(torch.sparse.mm(oh, weight), lookups, atol=1e-6)


def test_one_hot_sparse_rejects_bad_codes():
    with pytest.raises(ValueError):
        one_hot_sparse(torch.tensor([[0, 5]]), [3, 5])
    with pytest.raises(ValueError):
        one_hot_sparse(torch.tensor([0, 1]), [3, 5])


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(4, 2)
        self.lin = nn.Linear(3, 1)

    def forward(self, x_cat, x_num):
        return self.lin(torch.cat([self.emb(x_cat[:, 0]), x_num], dim=1))


def toy_problem(n, seed):
    g = torch.Generator().manual_seed(seed)
    x_cat = torch.randint(0, 4, (n, 1), generator=g)
    x_num = torch.randn(n, 1, generator=g)
    logit = 2.0 * (x_cat[:, 0] >= 2).float() - 1.0 + 1.5 * x_num[:, 0]
    y = (torch.rand(n, generator=g) < torch.sigmoid(2 * logit)).long()
    return (x_cat, x_num), y


def test_fit_binary_classifier_learns_and_keeps_the_best_epoch():
    torch.manual_seed(0)
    train, y_train = toy_problem(2000, 0)
    val, y_val = toy_problem(500, 1)
    model = TinyNet()
    history = fit_binary_classifier(
        model, train, y_train, val, y_val, epochs=6, batch_size=128, lr=0.05
    )
    assert set(history) == {"loss", "val_loss", "val_auc"}
    assert all(len(v) == 6 for v in history.values())
    assert history["loss"][-1] < history["loss"][0]
    assert max(history["val_auc"]) > 0.85
    # The weights left in the model are those of the epoch with the lowest validation loss.
    logits = predict_logits(model, val)
    restored = nn.functional.binary_cross_entropy_with_logits(logits, y_val.float()).item()
    assert restored == pytest.approx(min(history["val_loss"]), rel=1e-5)


def test_fit_binary_classifier_can_monitor_auc():
    from sklearn.metrics import roc_auc_score

    torch.manual_seed(0)
    train, y_train = toy_problem(1000, 2)
    val, y_val = toy_problem(300, 3)
    model = TinyNet()
    history = fit_binary_classifier(
        model, train, y_train, val, y_val, epochs=4, lr=0.05, monitor="val_auc"
    )
    auc = roc_auc_score(y_val.numpy(), predict_logits(model, val).numpy())
    assert auc == pytest.approx(max(history["val_auc"]))
    with pytest.raises(ValueError):
        fit_binary_classifier(model, train, y_train, val, y_val, monitor="accuracy")
    with pytest.raises(ValueError):
        fit_binary_classifier(model, train, y_train[:10], val, y_val)


def test_fit_binary_classifier_takes_the_steps_of_the_classic_loop():
    # The wrapper is dlbook.train.fit with a loss function: it must take exactly the steps of
    # the plain loop (same shuffled batches from the seed, AdamW) and record the same scores.
    import copy

    from sklearn.metrics import roc_auc_score

    torch.manual_seed(0)
    train, y_train = toy_problem(700, 4)
    val, y_val = toy_problem(200, 5)
    model = TinyNet()
    reference = copy.deepcopy(model)
    history = fit_binary_classifier(
        model,
        train,
        y_train,
        val,
        y_val,
        epochs=3,
        batch_size=100,
        lr=0.05,
        seed=7,
        weight_decay=0.1,
        monitor="val_auc",
    )
    optimizer = torch.optim.AdamW(reference.parameters(), lr=0.05, weight_decay=0.1)
    generator = torch.Generator().manual_seed(7)
    bce = nn.BCEWithLogitsLoss()
    aucs, states = [], []
    for _ in range(3):
        reference.train()
        for idx in torch.randperm(700, generator=generator).split(100):
            loss = bce(reference(*(x[idx] for x in train)).reshape(-1), y_train[idx].float())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        logits = predict_logits(reference, val)
        aucs.append(roc_auc_score(y_val.numpy(), logits.numpy()))
        states.append(copy.deepcopy(reference.state_dict()))
    assert history["val_auc"] == pytest.approx(aucs, abs=0)
    best = states[int(np.argmax(aucs))]
    for name, value in model.state_dict().items():
        assert torch.equal(value, best[name]), name
