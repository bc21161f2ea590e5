"""Text processing, in one place: tokenisers, vocabularies, id tensors and batches.

* ``tokenizers.py``: :func:`tokenize` (words and punctuation) and :func:`ascii_words`
  (bag-of-words tokens);
* ``vocab.py``: :class:`Vocab`, :class:`CharVocab`, and the dictionary vocabularies
  :func:`build_vocabulary` / :func:`texts_to_sequences` of Part I;
* ``encode.py``: :func:`pad_sequences`, :func:`multi_hot`, :func:`random_blocks`
  (language-model windows), :func:`mask_tokens` (BERT's corruption);
* ``batching.py``: :class:`BucketBatcher`, batches of similar lengths;
* ``bpe.py``: byte-pair encoding, :func:`learn_bpe`, :func:`apply_bpe` and the byte-level
  :class:`BPETokenizer` (with :func:`bytes_to_unicode` and GPT-2's :func:`pre_tokenize`).

Everything is exported here: ``from dlbook.text import Vocab, tokenize``.
"""

from dlbook.text import batching, bpe, encode, tokenizers, vocab
from dlbook.text.batching import *  # noqa: F403
from dlbook.text.bpe import *  # noqa: F403
from dlbook.text.encode import *  # noqa: F403
from dlbook.text.tokenizers import *  # noqa: F403
from dlbook.text.vocab import *  # noqa: F403

__all__ = sorted(
    {*batching.__all__, *bpe.__all__, *encode.__all__, *tokenizers.__all__, *vocab.__all__}
)
