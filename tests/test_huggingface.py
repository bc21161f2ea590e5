"""The book's BERT and the transformers model it is copied into compute the same states."""

from __future__ import annotations

import os

import pytest
import torch

from dlbook.nn import BERT, BERTConfig

pytestmark = pytest.mark.usefixtures("one_torch_thread")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest.importorskip("transformers")

from dlbook.huggingface import roberta_prelayernorm_config, to_huggingface  # noqa: E402


def test_copied_model_gives_the_same_states_at_real_tokens():
    torch.manual_seed(0)
    ours = BERT(BERTConfig(vocab_size=40, max_len=12, d_model=16, num_heads=4, num_layers=2,
                           d_ff=32, dropout=0.1)).eval()  # fmt: skip
    with torch.no_grad():  # non-trivial norms and biases, so every copied tensor matters
        for name, p in ours.named_parameters():
            if p.dim() == 1:
                p.normal_(mean=1.0 if name.endswith("weight") else 0.0, std=0.1)
    theirs = to_huggingface(ours).eval()
    ids = torch.randint(1, 40, (3, 12))
    ids[1, 8:] = 0
    ids[2, 3:] = 0
    real = ids != 0
    expected = ours(ids)
    got = theirs(input_ids=ids, attention_mask=real.long()).last_hidden_state
    torch.testing.assert_close(got[real], expected[real], atol=1e-5, rtol=1e-5)
    config = roberta_prelayernorm_config(ours, num_labels=2)
    assert config.num_labels == 2 and config.max_position_embeddings == 13


def test_post_norm_models_are_refused():
    ours = BERT(BERTConfig(vocab_size=10, max_len=4, d_model=8, num_heads=2, norm_first=False))
    with pytest.raises(ValueError):
        roberta_prelayernorm_config(ours)
