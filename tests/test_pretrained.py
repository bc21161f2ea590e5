"""The shared MNIST models of Part VI: the judge (shapes, a short run that learns, the cache) and
the autoencoder recipe."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from dlbook.pretrained import mnist_judge
from dlbook.pretrained.mnist_judge import JudgeConfig, MnistJudge, judge_outputs

pytestmark = pytest.mark.usefixtures("one_torch_thread")

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
MIRROR = os.environ.get("DLBOOK_DATA_MIRROR") or (str(_SHARED) if _SHARED.is_dir() else None)
SMALL = JudgeConfig(
    channels=(4, 8), features=16, train_examples=3000, batch_size=32, epochs=2, lr=3e-3
)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DLBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DLBOOK_ARTIFACTS", raising=False)
    if MIRROR:
        monkeypatch.setenv("DLBOOK_DATA_MIRROR", MIRROR)
    return tmp_path


def test_shapes_and_outputs():
    torch.manual_seed(0)
    judge = MnistJudge(JudgeConfig(features=32)).eval()
    images = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    feats, probs = judge_outputs(judge, images, batch_size=2)
    assert feats.shape == (5, 32) and probs.shape == (5, 10)
    assert (feats >= 0).all(), "ReLU features"
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-6)
    # uint8 in 0..255, floats in [0, 1] and flat rows are the same images.
    feats2, _ = judge_outputs(judge, torch.tensor(images / 255.0).reshape(5, 784))
    np.testing.assert_allclose(feats, feats2, atol=1e-5)
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        judge.features(torch.zeros(2, 28, 28))


def test_config_is_checked():
    with pytest.raises(ValueError, match="channels"):
        JudgeConfig(channels=(4,))
    with pytest.raises(ValueError, match="train_examples"):
        JudgeConfig(train_examples=0)


def test_a_short_run_learns_and_is_cached(data_dir, monkeypatch):
    from dlbook.data import load_mnist

    calls = []
    real_train = mnist_judge.train_judge
    monkeypatch.setattr(mnist_judge, "train_judge", lambda m: (calls.append(1), real_train(m)))
    judge = mnist_judge.load_mnist_judge(config=SMALL)
    assert calls == [1] and not judge.training
    _, (x_test, y_test) = load_mnist()
    _, probs = judge_outputs(judge, x_test[:1000])
    accuracy = float((probs.argmax(1) == y_test[:1000]).mean())
    assert accuracy > 0.8, f"a judge trained on 3,000 digits should pass 80%, got {accuracy}"
    # Real training digits against the real test digits: near the floor, all ten classes.
    reference = mnist_judge.real_test_stats(judge)
    (x_train, _), _ = load_mnist()
    real = mnist_judge.score_images(judge, x_train[:2000], reference)
    noise = mnist_judge.score_images(judge, np.random.default_rng(0).random((2000, 784)), reference)
    assert real.fd < noise.fd and real.coverage > 0.95 and real.n == 2000
    again = mnist_judge.load_mnist_judge(config=SMALL)
    assert calls == [1], "the second load reads the cache"
    for a, b in zip(judge.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_the_shared_autoencoder_recipe_trains_and_caches(data_dir, monkeypatch):
    from dlbook.data import load_mnist
    from dlbook.nn.autoencoder import AutoencoderConfig, reconstruction_loss
    from dlbook.pretrained import mnist_autoencoder as mae

    recipe = mae.MnistAutoencoderRecipe(model=AutoencoderConfig(hidden=32, latent_dim=4), epochs=1)
    calls = []
    real_train = mae.train_mnist_autoencoder
    monkeypatch.setattr(
        mae, "train_mnist_autoencoder", lambda m, r: (calls.append(1), real_train(m, r))
    )
    model = mae.load_mnist_autoencoder(recipe=recipe)
    _, (x_test, _) = load_mnist()
    x = torch.from_numpy(x_test[:500]).reshape(500, -1).float() / 255
    untrained = mae.Autoencoder(recipe.model)
    with torch.no_grad():
        assert reconstruction_loss(model, x) < 0.7 * reconstruction_loss(untrained, x)
    mae.load_mnist_autoencoder(recipe=recipe)
    assert calls == [1] and not model.training
