"""Tests of dlbook.text.bpe: byte-pair encoding against its definition and against Hugging Face."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from dlbook.text.bpe import BPETokenizer, apply_bpe, bytes_to_unicode, learn_bpe, pre_tokenize


def naive_bpe(word_counts, num_merges, alphabet=(), min_frequency=2):
    """BPE straight from the definition: recount every pair after every merge."""
    words = {w: list(w) for w in word_counts}
    chars = set(alphabet) | {c for w in word_counts for c in w}
    ids = {c: i for i, c in enumerate(sorted(chars))}
    merges = []
    for _ in range(num_merges):
        counts = Counter()
        for w, symbols in words.items():
            for pair in zip(symbols, symbols[1:], strict=False):
                counts[pair] += word_counts[w]
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], ids[p[0]], ids[p[1]]))
        if counts[best] < min_frequency:
            break
        merged = best[0] + best[1]
        ids[merged] = len(ids)
        merges.append(best)
        for w, symbols in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(merged)
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            words[w] = out
    return merges, words


def random_corpus(seed, n_words=300, letters="abcde"):
    rng = random.Random(seed)
    counts = Counter()
    for _ in range(n_words):
        word = "".join(rng.choice(letters) for _ in range(rng.randint(1, 8)))
        counts[word] += rng.randint(1, 5)
    return dict(counts)


@pytest.mark.parametrize("seed", range(5))
def test_learn_bpe_equals_the_definition(seed):
    counts = random_corpus(seed)
    merges = learn_bpe(counts, 60)
    expected, final_words = naive_bpe(counts, 60)
    assert merges == expected
    # Segmenting a training word with the merges gives the segmentation training ended with.
    for word, symbols in final_words.items():
        assert apply_bpe(word, merges) == symbols


def test_learn_bpe_classic_example_and_stopping():
    counts = {"low": 5, "lower": 2, "newest": 6, "widest": 3}
    merges = learn_bpe(counts, 10)
    # "es" and "st" both occur 9 times; "e" < "s" by code point, so "es" comes first, and then
    # "est" (9) beats "lo" (7).
    assert merges[:3] == [("e", "s"), ("es", "t"), ("l", "o")]
    assert apply_bpe("lowest", merges) == ["low", "est"]
    # min_frequency stops learning: no pair occurs 100 times.
    assert learn_bpe(counts, 10, min_frequency=100) == []
    with pytest.raises(ValueError):
        learn_bpe(counts, -1)


def test_overlapping_pairs_are_merged_left_to_right():
    merges = learn_bpe({"aaa": 3}, 1)
    assert merges == [("a", "a")]
    assert apply_bpe("aaa", merges) == ["aa", "a"]
    assert apply_bpe("aaaa", merges) == ["aa", "aa"]


def test_bytes_to_unicode_is_a_printable_bijection():
    table = bytes_to_unicode()
    assert len(table) == 256 and len(set(table.values())) == 256
    assert all(ch.isprintable() and not ch.isspace() for ch in table.values())
    assert table[ord("a")] == "a" and table[ord(" ")] == "Ġ" and table[ord("\n")] == "Ċ"


def test_pre_tokenize_keeps_spaces_with_words():
    assert pre_tokenize("A film, isn't it?") == ["A", "Ġfilm", ",", "Ġisn", "'t", "Ġit", "?"]
    assert pre_tokenize("two  spaces\n") == ["two", "Ġ", "Ġspaces", "Ċ"]


TEXT = (
    "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs away.\n"
    "A quicker fox, a lazier dog: foxes and dogs, jumping and sleeping.\n"
) * 20


def test_byte_level_tokenizer_round_trips_any_text():
    tok = BPETokenizer.train([TEXT], vocab_size=300)
    assert len(tok) == 300 and len(tok.merges) == 44
    for text in [TEXT[:200], "naïve café, 東京 🙂\tend", ""]:
        ids = tok.encode(text)
        assert all(0 <= i < len(tok) for i in ids)
        assert tok.decode(ids) == text
    # Merges make common words single symbols.
    assert tok.tokenize(" the fox") == ["Ġthe", "Ġfox"]


def test_character_level_tokenizer_marks_unseen_characters():
    tok = BPETokenizer.train([TEXT], vocab_size=100, byte_level=False)
    assert tok.itos[-1] == "<unk>"
    ids = tok.encode("fox é")
    assert ids[-1] == tok.stoi["<unk>"]
    assert tok.decode(ids[:-1]) == "fox "
    with pytest.raises(ValueError):
        BPETokenizer.train([TEXT], vocab_size=10, byte_level=False)


def test_same_merges_as_hugging_face_tokenizers():
    tokenizers = pytest.importorskip("tokenizers")
    from tokenizers import models, pre_tokenizers, trainers

    text = TEXT + "".join(f"word{i % 17} and {i % 5} more, " for i in range(400))
    ours = BPETokenizer.train([text], vocab_size=360)
    hf = tokenizers.Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=360,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        min_frequency=2,
        show_progress=False,
    )
    hf.train_from_iterator([text], trainer=trainer)
    assert [w for w, _ in hf.pre_tokenizer.pre_tokenize_str(text)] == pre_tokenize(text)
    vocab = hf.get_vocab()
    assert len(vocab) == len(ours)
    for word in set(pre_tokenize(text)):
        assert [t.value for t in hf.model.tokenize(word)] == ours.segment(word)
