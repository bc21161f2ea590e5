"""Text processing, in one place: tokenisers, vocabularies, id tensors and batches.

* ``tokenizers.py``: :func:`tokenize` (words and punctuation) and :func:`ascii_words`
  (bag-of-words tokens);
* ``vocab.py``: :class:`Vocab`, :class:`CharVocab`, and the dictionary vocabularies
  :func:`build_vocabulary` / :func:`texts_to_sequences` of Part I;
* ``encode.py``: :func:`pad_sequences`, :func:`multi_hot`, :func:`random_blocks`
  (language-model windows), :func:`mask_tokens` (BERT's corruption);
* ``batching.py``: :class:`BucketBatcher`, batches of similar lengths.

Everything is exported here: ``from dlbook.text import Vocab, tokenize``.
"""

from dlbook.text.batching import BucketBatcher
from dlbook.text.encode import mask_tokens, multi_hot, pad_sequences, random_blocks
from dlbook.text.tokenizers import ascii_words, tokenize
from dlbook.text.vocab import (
    BOS,
    EOS,
    MASK,
    OOV_INDEX,
    PAD,
    PAD_INDEX,
    UNK,
    CharVocab,
    Vocab,
    build_vocabulary,
    texts_to_sequences,
)

__all__ = [
    "BOS",
    "EOS",
    "MASK",
    "OOV_INDEX",
    "PAD",
    "PAD_INDEX",
    "UNK",
    "BucketBatcher",
    "CharVocab",
    "Vocab",
    "ascii_words",
    "build_vocabulary",
    "mask_tokens",
    "multi_hot",
    "pad_sequences",
    "random_blocks",
    "texts_to_sequences",
    "tokenize",
]
