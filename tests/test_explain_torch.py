"""Attributions against closed forms, attention summaries, the deletion test's token removal."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlbook.explain_torch import (
    attention_received,
    delete_tokens,
    embedding_attributions,
    override_attention,
    uniform_weights,
)
from dlbook.nn import BERT, BERTConfig
from dlbook.nn.attention import MultiHeadAttention

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class BagOfEmbeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 4)
        self.out = nn.Linear(4, 3)

    def forward(self, ids):
        return self.out(self.embed(ids).sum(1))  # (B, 3): linear in the embeddings


class SmallClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = BERT(BERTConfig(20, 12, d_model=16, num_heads=2, num_layers=2, d_ff=32,
                                       dropout=0.0))  # fmt: skip
        self.out = nn.Linear(16, 2)

    def forward(self, ids):
        return self.out(self.encoder(ids).mean(1))


@pytest.mark.parametrize("method", ["input_x_gradient", "integrated_gradients"])
def test_linear_model_attributions_are_embedding_times_weight(method):
    torch.manual_seed(0)
    model = BagOfEmbeddings()
    ids = torch.randint(0, 20, (3, 5))
    target = torch.tensor([0, 2, 1])
    scores = embedding_attributions(model, model.embed, ids, target, method=method, steps=4)
    expected = (model.embed(ids) * model.out.weight[target].unsqueeze(1)).sum(-1)
    torch.testing.assert_close(scores, expected.detach())


def test_integrated_gradients_are_complete():
    torch.manual_seed(0)
    model = SmallClassifier().eval()
    ids = torch.randint(1, 20, (2, 7))
    target = torch.tensor([1, 0])
    scores = embedding_attributions(
        model, model.encoder.token_embed, ids, target, "integrated_gradients", steps=300
    )
    with torch.no_grad():
        full = model(ids).gather(1, target[:, None]).squeeze(1)
        handle = model.encoder.token_embed.register_forward_hook(
            lambda m, i, o: torch.zeros_like(o)
        )
        empty = model(ids).gather(1, target[:, None]).squeeze(1)
        handle.remove()
    torch.testing.assert_close(scores.sum(1), full - empty, atol=2e-3, rtol=1e-3)
    with pytest.raises(ValueError):
        embedding_attributions(model, model.encoder.token_embed, ids, target, method="nope")


def test_attention_received_is_a_distribution_over_real_tokens():
    torch.manual_seed(0)
    model = BERT(BERTConfig(20, 12, d_model=16, num_heads=2, num_layers=1, d_ff=32, dropout=0.0))
    ids = torch.randint(1, 20, (2, 6))
    ids[1, 4:] = 0
    _, weights = model.encode(ids, need_weights=True)
    received = attention_received(weights[-1], ids, pad_id=0)
    torch.testing.assert_close(received.sum(1), torch.ones(2))
    assert torch.all(received[1, 4:] == 0)


def test_delete_tokens_removes_the_top_k_and_keeps_order():
    ids = torch.tensor([[5, 6, 7, 8, 0], [9, 10, 0, 0, 0]])
    scores = torch.tensor([[0.1, 0.9, 0.5, 0.2, 9.0], [0.3, 0.1, 5.0, 5.0, 5.0]])
    out = delete_tokens(ids, scores, 2, pad_id=0)
    assert out.tolist() == [[5, 8, 0, 0, 0], [10, 0, 0, 0, 0]]  # row 2 keeps one token
    out = delete_tokens(ids, scores, torch.tensor([1, 0]), pad_id=0)
    assert out.tolist() == [[5, 7, 8, 0, 0], [9, 10, 0, 0, 0]]


def test_uniform_attention_averages_the_allowed_values():
    torch.manual_seed(0)
    mha = MultiHeadAttention(8, 2).eval()
    x = torch.randn(2, 5, 8)
    mask = torch.ones(2, 1, 5, dtype=torch.bool)
    mask[1, :, 3:] = False
    with override_attention(uniform_weights):
        out, weights = mha(x, x, x, mask=mask, need_weights=True)
    values = mha.v_proj(x)  # (B, L, d): the average of the allowed values, then out_proj
    expected = torch.stack([values[0].mean(0), values[1, :3].mean(0)])  # (B, d)
    torch.testing.assert_close(out, mha.out_proj(expected).unsqueeze(1).expand(2, 5, 8))
    assert torch.allclose(weights[1, :, :, 3:], torch.zeros(1))
    normal, _ = mha(x, x, x, mask=mask)  # the override is gone after the block
    assert not torch.allclose(normal, out)
