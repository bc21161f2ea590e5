"""Tests of dlbook.text: tokenisers, vocabularies, padding, multi-hot, batching, LM windows,
MLM masking."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlbook.text import (
    BOS,
    EOS,
    MASK,
    OOV_INDEX,
    PAD,
    UNK,
    BucketBatcher,
    CharVocab,
    Vocab,
    ascii_words,
    build_vocabulary,
    mask_tokens,
    multi_hot,
    pad_sequences,
    random_blocks,
    texts_to_sequences,
    tokenize,
)


def test_tokenize_keeps_inner_apostrophes_and_hyphens():
    assert tokenize("A man's T-shirt -- well-known.") == [
        "a", "man's", "t-shirt", "-", "-", "well-known", ".",
    ]  # fmt: skip


def test_tokenize_words_punctuation_and_case():
    assert tokenize("Zwei Männer, die Fußball spielen.") == [
        "zwei", "männer", ",", "die", "fußball", "spielen", ".",
    ]  # fmt: skip
    assert tokenize("It's GOOD!", lowercase=False) == ["It's", "GOOD", "!"]
    with pytest.raises(ValueError):
        tokenize(["not", "a", "string"])


def test_vocab_build_order_min_freq_and_roundtrip():
    corpus = [["b", "a", "a"], ["c", "a", "b"], ["d"]]
    vocab = Vocab.build(corpus, min_freq=2)
    assert vocab.itos == [PAD, UNK, BOS, EOS, "a", "b"]
    assert (vocab.pad_id, vocab.unk_id, vocab.bos_id, vocab.eos_id) == (0, 1, 2, 3)
    ids = vocab.encode(["a", "z", "b"], bos=True, eos=True)
    assert ids == [2, 4, 1, 5, 3]
    assert vocab.decode(ids) == ["a", "b"]
    assert vocab.decode(ids, skip_specials=False) == [BOS, "a", UNK, "b"]
    assert vocab.decode([4, 3, 5]) == ["a"]  # stops at <eos>
    assert len(vocab) == 6 and "a" in vocab and "d" not in vocab
    assert len(Vocab.build(corpus, max_size=5)) == 5


def test_vocab_ties_are_alphabetical_and_specials_optional():
    chars = Vocab.build([list("hello world")], specials=())
    # By frequency (l: 3, o: 2), then ties in alphabetical order (the space sorts first).
    assert chars.itos == ["l", "o", " ", "d", "e", "h", "r", "w"]
    assert chars.decode(chars.encode("hello")) == list("hello")
    with pytest.raises(KeyError, match="no <pad>"):
        _ = chars.pad_id
    with pytest.raises(KeyError, match="not in the vocabulary"):
        chars.encode(["z"])
    with pytest.raises(ValueError, match="specials"):
        Vocab(["a", "b"], specials=[MASK])
    with pytest.raises(ValueError, match="min_freq"):
        Vocab.build([], min_freq=0)


def test_pad_sequences():
    out = pad_sequences([[1, 2, 3], [4], []], pad_id=0)
    assert out.tolist() == [[1, 2, 3], [4, 0, 0], [0, 0, 0]]
    assert out.dtype == torch.long
    assert pad_sequences([[1, 2, 3]], length=2).tolist() == [[1, 2]]
    with pytest.raises(ValueError):
        pad_sequences([])


def test_bucket_batcher_covers_everything_with_little_padding():
    examples = [
        list(range(n))
        for n in torch.randint(1, 40, (500,), generator=torch.Generator().manual_seed(0)).tolist()
    ]
    batcher = BucketBatcher(examples, batch_size=16, collate=lambda b: b, seed=0)
    batches = list(batcher)
    assert len(batches) == len(batcher)
    assert sorted(len(e) for b in batches for e in b) == sorted(len(e) for e in examples)
    spread = max(max(map(len, b)) - min(map(len, b)) for b in batches)
    assert spread <= 3  # lengths within a batch are close
    again = list(batcher)  # a new pass is shuffled differently ...
    assert [len(b[0]) for b in again] != [len(b[0]) for b in batches]
    same = list(BucketBatcher(examples, 16, seed=0))  # ... and a new batcher repeats the first
    assert same == batches


def test_bucket_batcher_drop_last_and_fixed_order():
    batcher = BucketBatcher(list(range(10)), batch_size=4, length=lambda e: e, drop_last=True)
    assert len(batcher) == 2 and all(len(b) == 4 for b in batcher)
    fixed = BucketBatcher(list(range(10)), batch_size=4, length=lambda e: -e, shuffle=False)
    assert list(fixed) == [[9, 8, 7, 6], [5, 4, 3, 2], [1, 0]]
    with pytest.raises(ValueError, match="batch_size"):
        BucketBatcher([1], batch_size=0)


def test_random_blocks_targets_are_shifted_inputs():
    data = torch.arange(100)
    x, y = random_blocks(
        data, block_size=8, batch_size=5, generator=torch.Generator().manual_seed(0)
    )
    assert x.shape == y.shape == (5, 8)
    assert torch.equal(y, x + 1)
    assert torch.equal(x[:, 1:], x[:, :-1] + 1)
    with pytest.raises(ValueError):
        random_blocks(torch.arange(8), block_size=8, batch_size=1)


def test_mask_tokens_statistics_and_specials():
    vocab_size, mask_id, pad_id = 1000, 4, 0
    ids = torch.randint(5, vocab_size, (200, 100), generator=torch.Generator().manual_seed(0))
    ids[:, 90:] = pad_id
    inputs, labels = mask_tokens(
        ids, mask_id, vocab_size, special_ids=range(5), generator=torch.Generator().manual_seed(1)
    )
    chosen = labels != -100
    assert not chosen[:, 90:].any()  # padding is never a target
    assert torch.equal(labels[chosen], ids[chosen])
    assert torch.equal(inputs[~chosen], ids[~chosen])
    rate = chosen[:, :90].float().mean().item()
    assert rate == pytest.approx(0.15, abs=0.01)
    masked = (inputs[chosen] == mask_id).float().mean().item()
    kept = (inputs[chosen] == ids[chosen]).float().mean().item()
    assert masked == pytest.approx(0.8, abs=0.03)
    assert kept == pytest.approx(0.1, abs=0.03)
    assert (inputs[chosen] >= 5).sum() + (inputs[chosen] == mask_id).sum() == chosen.sum()
    with pytest.raises(ValueError):
        mask_tokens(ids, mask_id, vocab_size, probability=0.0)


def test_ascii_words_lowercases_and_drops_punctuation():
    tokens = ascii_words("It's a GREAT film -- isn't it?")
    assert tokens == ["it's", "a", "great", "film", "isn't", "it"]
    assert ascii_words("") == []
    with pytest.raises(ValueError, match="str"):
        ascii_words(3)


def test_vocabulary_ranks_by_frequency_then_alphabet_and_reserves_two_indices():
    texts = ["b a a", "c b a", "d"]
    vocab = build_vocabulary(texts, max_tokens=10)
    assert vocab == {"a": 2, "b": 3, "c": 4, "d": 5}
    # The order of the texts does not matter; ties (c, d) are broken alphabetically.
    assert build_vocabulary(texts[::-1], max_tokens=10) == vocab
    # Truncation keeps the most frequent words and never exceeds max_tokens - 1.
    small = build_vocabulary(texts, max_tokens=4)
    assert small == {"a": 2, "b": 3}
    with pytest.raises(ValueError, match="max_tokens"):
        build_vocabulary(texts, max_tokens=2)


def test_texts_to_sequences_maps_unknown_words_to_oov():
    vocab = {"good": 2, "film": 3}
    assert texts_to_sequences(["Good film, bad plot"], vocab) == [[2, 3, OOV_INDEX, OOV_INDEX]]


def test_multi_hot_matches_a_one_hot_reference():
    sequences = [[3, 1, 3], [], [0, 4]]
    got = multi_hot(sequences, num_tokens=5)
    # Reference: the maximum over one-hot rows of each token (an empty text is all zeros).
    eye = np.eye(5, dtype="float32")
    want = np.stack([eye[s].max(axis=0) if s else np.zeros(5, "float32") for s in sequences])
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.float32 and got.shape == (3, 5)


def test_multi_hot_rejects_out_of_range_indices():
    with pytest.raises(ValueError, match="outside"):
        multi_hot([[5]], num_tokens=5)
    with pytest.raises(ValueError, match="outside"):
        multi_hot([[-1]], num_tokens=5)
    with pytest.raises(ValueError, match="num_tokens"):
        multi_hot([[0]], num_tokens=0)


def test_char_vocab_roundtrip_and_specials():
    vocab = CharVocab.build(["abc", "cab d"])
    assert len(vocab) == 3 + 5  # pad, bos, eos + " abcd"
    assert vocab.pad_id == 0 and vocab.itos[vocab.bos_id] == "<s>"
    ids = vocab.encode("cab", bos=True, eos=True)
    assert ids[0] == vocab.bos_id and ids[-1] == vocab.eos_id
    assert vocab.decode(ids) == "cab"
    assert vocab.decode(vocab.encode("ab") + [vocab.eos_id] + vocab.encode("cd")) == "ab"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("xyz")
    with pytest.raises(ValueError):
        CharVocab(["a", "a"])


def test_char_vocab_encode_batch_pads_right():
    vocab = CharVocab.build(["abc"])
    ids, lengths = vocab.encode_batch(["a", "abc", ""], eos=True)
    assert ids.shape == (3, 4) and lengths.tolist() == [2, 4, 1]
    assert ids[0, 2:].tolist() == [vocab.pad_id] * 2
    assert vocab.decode_batch(ids) == ["a", "abc", ""]
    with pytest.raises(ValueError):
        vocab.encode_batch("abc")


def test_build_vocabulary_is_the_counting_rule_it_documents():
    # Reference: count the ascii_words, rank by (-count, word), ids from 2; and the same ranking
    # as Vocab.build with the two specials.
    from collections import Counter

    texts = ["The film, the plot!", "A film isn't a plot", "the end", "Zebra zebra zebra the"]
    counts = Counter(w for text in texts for w in ascii_words(text))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:5]
    want = {word: i + 2 for i, (word, _) in enumerate(ranked)}
    assert build_vocabulary(texts, max_tokens=7) == want
    vocab = Vocab.build(map(ascii_words, texts), max_size=7, specials=(PAD, UNK))
    assert texts_to_sequences(texts, want) == [vocab.encode(ascii_words(t)) for t in texts]


def test_char_vocab_is_a_vocab():
    vocab = CharVocab(["x", "y"])
    assert isinstance(vocab, Vocab)
    assert vocab.itos == ["<pad>", "<s>", "</s>", "x", "y"]
    assert (vocab.pad_id, vocab.bos_id, vocab.eos_id) == (0, 1, 2)
    assert vocab.special_ids == {0, 1, 2}
    with pytest.raises(KeyError, match="<unk>"):
        _ = vocab.unk_id
    with pytest.raises(ValueError, match="single characters"):
        CharVocab(["xy"])
