"""Part I data-preparation helpers: tokens, vocabularies, multi-hot vectors and K folds."""

import numpy as np
import pytest

from dlbook.keras_utils import (
    OOV_INDEX,
    build_vocabulary,
    kfold_indices,
    multi_hot,
    texts_to_sequences,
    tokenize,
)


def test_tokenize_lowercases_and_drops_punctuation():
    tokens = tokenize("It's a GREAT film -- isn't it?")
    assert tokens == ["it's", "a", "great", "film", "isn't", "it"]
    assert tokenize("") == []
    with pytest.raises(ValueError, match="str"):
        tokenize(3)


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


@pytest.mark.parametrize("n, k", [(10, 2), (11, 3), (442, 4), (5, 5)])
def test_kfold_validates_every_sample_exactly_once(n, k):
    folds = list(kfold_indices(n, k, seed=1))
    assert len(folds) == k
    val = np.concatenate([v for _, v in folds])
    np.testing.assert_array_equal(np.sort(val), np.arange(n))
    for train, v in folds:
        assert len(np.intersect1d(train, v)) == 0
        assert len(train) + len(v) == n
        assert abs(len(v) - n / k) < 1  # folds of (almost) equal size


def test_kfold_shuffle_is_seeded_and_optional():
    a = [v.tolist() for _, v in kfold_indices(12, 3, seed=0)]
    b = [v.tolist() for _, v in kfold_indices(12, 3, seed=0)]
    assert a == b
    plain = [v.tolist() for _, v in kfold_indices(6, 3, shuffle=False)]
    assert plain == [[0, 1], [2, 3], [4, 5]]


def test_kfold_rejects_bad_arguments():
    with pytest.raises(ValueError, match="k must"):
        list(kfold_indices(10, 1))
    with pytest.raises(ValueError, match="at least"):
        list(kfold_indices(3, 4))
