"""The plain autoencoder: shapes, and its loss against the cross-entropy written out."""

from __future__ import annotations

import pytest
import torch

from dlbook.nn.autoencoder import Autoencoder, AutoencoderConfig, reconstruction_loss

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_shapes_and_loss_against_the_formula():
    torch.manual_seed(0)
    model = Autoencoder(AutoencoderConfig(input_dim=10, hidden=6, latent_dim=3))
    x = torch.rand(4, 10)
    assert model.encode(x).shape == (4, 3) and model(x).shape == (4, 10)
    p = model(x).sigmoid()
    expected = -(x * p.log() + (1 - x) * (1 - p).log()).sum(1).mean()
    torch.testing.assert_close(reconstruction_loss(model, x), expected)


def test_training_reduces_the_loss_on_a_tiny_set():
    torch.manual_seed(0)
    model = Autoencoder(AutoencoderConfig(input_dim=8, hidden=16, latent_dim=2))
    x = torch.eye(8)[:4]  # four patterns: a two-number code can tell them apart
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    before = reconstruction_loss(model, x).item()
    for _ in range(300):
        optimizer.zero_grad()
        loss = reconstruction_loss(model, x)
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.1 * before
    with pytest.raises(ValueError, match="hidden"):
        AutoencoderConfig(hidden=0)
