"""KV-cached attention and generation give what the uncached computation gives; sampling filters."""

from __future__ import annotations

import pytest
import torch

from dlbook.nn import GPT, GPTConfig
from dlbook.nn.attention import MultiHeadAttention, causal_mask
from dlbook.nn.kv_cache import KVCache, cached_self_attention
from dlbook.nn.sampling import filter_logits, sample_next

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_cached_attention_in_pieces_equals_causal_attention_at_once():
    torch.manual_seed(0)
    mha = MultiHeadAttention(16, 4).eval()
    x = torch.randn(2, 9, 16)
    expected, _ = mha(x, x, x, mask=causal_mask(9))
    cache = KVCache(1)
    pieces = [cached_self_attention(mha, x[:, :4], 0, cache)]
    for t in range(4, 9):  # then one position at a time
        pieces.append(cached_self_attention(mha, x[:, t : t + 1], t, cache))
    torch.testing.assert_close(torch.cat(pieces, dim=1), expected, atol=1e-6, rtol=1e-5)
    assert len(cache) == 9
    with pytest.raises(ValueError):  # a start that does not follow the cache
        cached_self_attention(mha, x[:, :1], 3, cache)


@pytest.mark.parametrize("positional", ["learned", "rope"])
def test_gpt_logits_with_cache_equal_the_full_forward(positional):
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, block_size=20, d_model=16, num_heads=2, num_layers=2,
                          positional=positional)).eval()  # fmt: skip
    idx = torch.randint(0, 11, (3, 15))
    full = model(idx)
    cache = model.new_cache()
    steps = [model(idx[:, :6], cache)] + [model(idx[:, t : t + 1], cache) for t in range(6, 15)]
    torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError):
        model(torch.zeros(1, 21, dtype=torch.long))


def test_rope_gpt_is_causal_and_has_no_position_table():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=7, block_size=12, d_model=8, num_heads=2, num_layers=1,
                          positional="rope")).eval()  # fmt: skip
    assert not any("positions" in name for name, _ in model.named_parameters())
    idx = torch.randint(0, 7, (1, 10))
    changed = idx.clone()
    changed[0, 7] = (idx[0, 7] + 1) % 7
    torch.testing.assert_close(model(idx)[:, :7], model(changed)[:, :7])


@pytest.mark.parametrize("positional", ["learned", "rope"])
def test_cached_generation_equals_uncached(positional):
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=13, block_size=32, d_model=16, num_heads=2, num_layers=2,
                          positional=positional))  # fmt: skip
    prompt = torch.randint(0, 13, (2, 5))
    for kwargs in [{"temperature": 0.0}, {"temperature": 1.0, "top_k": 5, "top_p": 0.9}]:
        a = model.generate(prompt, 20, generator=torch.Generator().manual_seed(1), **kwargs)
        b = model.generate(prompt, 20, generator=torch.Generator().manual_seed(1),
                           use_cache=True, **kwargs)  # fmt: skip
        assert torch.equal(a, b)
    with pytest.raises(ValueError):
        model.generate(prompt, 30, use_cache=True)


def test_filters_keep_the_right_tokens():
    logits = torch.log(torch.tensor([[0.5, 0.2, 0.15, 0.1, 0.05]]))
    kept = lambda z: torch.isfinite(z)[0].tolist()  # noqa: E731
    assert kept(filter_logits(logits, top_k=2)) == [True, True, False, False, False]
    # nucleus 0.6: 0.5 is not enough, 0.5 + 0.2 is: two tokens
    assert kept(filter_logits(logits, top_p=0.6)) == [True, True, False, False, False]
    assert kept(filter_logits(logits, top_p=0.5)) == [True, False, False, False, False]
    assert kept(filter_logits(logits, top_p=1.0)) == [True] * 5
    shuffled = logits[:, [3, 0, 4, 2, 1]]  # the filter follows the values, not the positions
    assert kept(filter_logits(shuffled, top_p=0.6)) == [False, True, False, False, True]
    # temperature scales the logits
    torch.testing.assert_close(filter_logits(logits, temperature=2.0), logits / 2)
    assert sample_next(logits, temperature=0).item() == 0
    draws = torch.cat([sample_next(logits, top_k=2, generator=torch.Generator().manual_seed(s))
                       for s in range(50)])  # fmt: skip
    assert set(draws.flatten().tolist()) <= {0, 1}
    with pytest.raises(ValueError):
        filter_logits(logits, temperature=0)
    with pytest.raises(ValueError):
        filter_logits(logits, top_p=0)
