"""Tests for dlbook.recsys: splits, baselines, matrix factorisation and its training loop."""

import numpy as np
import pytest
import torch

from dlbook.metrics import rmse
from dlbook.nn import MatrixFactorization
from dlbook.recsys import BiasBaseline, GlobalMean, fit_ratings, predict_ratings
from dlbook.splits import holdout_split

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def synthetic_ratings(num_users=60, num_items=40, dim=3, density=0.5, noise=0.3, seed=0):
    """Ratings from a known low-rank model with biases, on a random subset of the grid."""
    rng = np.random.default_rng(seed)
    p = rng.normal(0, 0.6, (num_users, dim))
    q = rng.normal(0, 0.6, (num_items, dim))
    bu = rng.normal(0, 0.4, num_users)
    bi = rng.normal(0, 0.4, num_items)
    uu, ii = np.meshgrid(np.arange(num_users), np.arange(num_items), indexing="ij")
    keep = rng.random(uu.shape) < density
    users, items = uu[keep], ii[keep]
    clean = 3.5 + bu[users] + bi[items] + (p[users] * q[items]).sum(1)
    ratings = clean + rng.normal(0, noise, len(users))
    return users.astype(np.int64), items.astype(np.int64), ratings.astype(np.float32)


# ----------------------------------------------------------------------------- baselines


def test_global_mean():
    model = GlobalMean().fit([0, 1], [0, 1], [2.0, 4.0])
    assert np.allclose(model.predict([5, 6, 7], [0, 0, 0]), 3.0)


def test_bias_baseline_solves_the_regularised_least_squares_problem():
    users, items, ratings = synthetic_ratings()
    lam_u, lam_i = 3.0, 2.0
    model = BiasBaseline(60, 40, reg_user=lam_u, reg_item=lam_i, n_epochs=200)
    model.fit(users, items, ratings)
    # Reference: the same objective solved exactly as one ridge-regression linear system.
    mu = ratings.mean()
    x = np.zeros((len(users), 100))
    x[np.arange(len(users)), users] = 1.0
    x[np.arange(len(users)), 60 + items] = 1.0
    reg = np.diag([lam_u] * 60 + [lam_i] * 40)
    b = np.linalg.solve(x.T @ x + reg, x.T @ (ratings - mu))
    assert np.allclose(model.user_bias_, b[:60], atol=1e-6)
    assert np.allclose(model.item_bias_, b[60:], atol=1e-6)
    # Biases beat the global mean on the data they were fitted to.
    base = GlobalMean().fit(users, items, ratings)
    assert rmse(model.predict(users, items), ratings) < rmse(base.predict(users, items), ratings)


def test_bias_baseline_validates_ids():
    model = BiasBaseline(3, 3)
    with pytest.raises(ValueError):
        model.fit([0, 3], [0, 1], [1.0, 2.0])
    with pytest.raises(RuntimeError):
        BiasBaseline(3, 3).predict([0], [0])


# ----------------------------------------------------------------------------- training


def test_biases_alone_reproduce_the_bias_baseline():
    users, items, ratings = synthetic_ratings()
    baseline = BiasBaseline(60, 40, reg_user=4.0, reg_item=4.0, n_epochs=300)
    baseline.fit(users, items, ratings)
    torch.manual_seed(0)
    model = MatrixFactorization(60, 40, dim=0, global_mean=float(ratings.mean()), reg_bias=4.0)
    fit_ratings(model, users, items, ratings, epochs=300, lr=0.1)
    got = predict_ratings(model, users, items, clip=None)
    want = baseline.predict(users, items)
    assert np.max(np.abs(got - want)) < 2e-3
    assert np.allclose(
        model.user_bias.weight[:, 0].detach().numpy(), baseline.user_bias_, atol=2e-3
    )


def test_training_lowers_the_loss_and_beats_the_bias_baseline():
    users, items, ratings = synthetic_ratings(seed=1)
    train, test = holdout_split(len(ratings), 0.2, seed=0)
    torch.manual_seed(0)
    model = MatrixFactorization(
        60, 40, dim=3, global_mean=float(ratings[train].mean()), reg=1.0, reg_bias=1.0
    )
    history = fit_ratings(
        model,
        users[train],
        items[train],
        ratings[train],
        epochs=40,
        lr=0.02,
        batch_size=256,
        validation=(users[test], items[test], ratings[test]),
        clip=None,
    )
    assert set(history) == {"loss", "rmse", "val_rmse"}
    assert all(len(v) == 40 for v in history.values())
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    baseline = BiasBaseline(60, 40).fit(users[train], items[train], ratings[train])
    bias_rmse = rmse(baseline.predict(users[test], items[test]), ratings[test])
    assert history["val_rmse"][-1] < bias_rmse - 0.1


def test_full_batch_training_is_deterministic():
    users, items, ratings = synthetic_ratings(num_users=20, num_items=10)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = MatrixFactorization(20, 10, dim=2, global_mean=3.5, reg=0.1)
        runs.append(fit_ratings(model, users, items, ratings, epochs=5)["loss"])
    assert runs[0] == runs[1]


@pytest.mark.parametrize("batch_size", [None, 64])
def test_fit_ratings_takes_the_steps_of_the_classic_loop(batch_size):
    # fit_ratings is dlbook.train.fit with a loss function: the same Adam steps on the same
    # (shuffled) batches as the plain loop, and the same recorded validation RMSE.
    import copy

    users, items, ratings = synthetic_ratings(num_users=20, num_items=10, seed=2)
    torch.manual_seed(0)
    model = MatrixFactorization(20, 10, dim=2, global_mean=3.5, reg=0.3, reg_bias=0.1)
    reference = copy.deepcopy(model)
    val = (users[:50], items[:50], ratings[:50])
    history = fit_ratings(
        model,
        users,
        items,
        ratings,
        epochs=3,
        lr=0.05,
        batch_size=batch_size,
        seed=3,
        validation=val,
    )
    u, i = torch.as_tensor(users), torch.as_tensor(items)
    r = torch.as_tensor(ratings, dtype=torch.float32)
    optimizer = torch.optim.Adam(reference.parameters(), lr=0.05)
    generator = torch.Generator().manual_seed(3)
    val_rmse = []
    for _ in range(3):
        reference.train()
        if batch_size is None:
            batches = [slice(None)]
        else:
            batches = torch.randperm(len(r), generator=generator).split(batch_size)
        for b in batches:
            loss = (reference(u[b], i[b]) - r[b]).pow(2).mean() + reference.penalty() / len(r)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        val_rmse.append(rmse(predict_ratings(reference, *val[:2]), val[2]))
    assert history["val_rmse"] == val_rmse
    for name, value in model.state_dict().items():
        assert torch.equal(value, reference.state_dict()[name]), name


def test_predict_ratings_clips_to_the_scale():
    model = MatrixFactorization(2, 2, dim=0, global_mean=9.0)
    assert np.allclose(predict_ratings(model, [0, 1], [1, 0]), 5.0)
    assert np.allclose(predict_ratings(model, [0, 1], [1, 0], clip=None), 9.0)


def test_fit_ratings_rejects_bad_arguments():
    model = MatrixFactorization(2, 2, dim=1)
    with pytest.raises(ValueError):
        fit_ratings(model, [0, 1], [0], [1.0, 2.0])
    with pytest.raises(ValueError):
        fit_ratings(model, [0], [0], [1.0], epochs=0)
    with pytest.raises(ValueError):
        fit_ratings(model, [0], [0], [1.0], batch_size=0)
