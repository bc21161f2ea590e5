"""Layers and models in PyTorch, one idea per module, all exported here.

* :mod:`dlbook.nn.attention`: masks, scaled dot-product, multi-head, additive and
  multiplicative attention;
* :mod:`dlbook.nn.transformer`: transformer layers (embeddings, positional encodings,
  feed-forward, encoder and decoder layers and their stacks);
* :mod:`dlbook.nn.encoder_decoder`: :class:`Transformer` (encoder-decoder, translation);
* :mod:`dlbook.nn.gpt`: :class:`GPT` (decoder-only language model);
* :mod:`dlbook.nn.kv_cache`: :class:`KVCache` and cached causal self-attention (generation);
* :mod:`dlbook.nn.rope`: rotary position embeddings;
* :mod:`dlbook.nn.sampling`: greedy, temperature, top-k and nucleus sampling;
* :mod:`dlbook.nn.lora`: low-rank adaptation of linear layers (:class:`LoRALinear`);
* :mod:`dlbook.nn.bert`: :class:`BERT` (encoder-only body);
* :mod:`dlbook.nn.seq2seq`: GRU encoder, decoders (plain, Bahdanau, Luong) and
  :class:`Seq2Seq`;
* :mod:`dlbook.nn.factorization`: :class:`MatrixFactorization` (ratings);
* :mod:`dlbook.nn.gcn`, :mod:`dlbook.nn.gat`, :mod:`dlbook.nn.gin`: graph convolutions;
* :mod:`dlbook.nn.pooling`: graph-level readouts;
* :mod:`dlbook.nn.parameters`: :func:`count_parameters`;
* :mod:`dlbook.nn.autoencoder`, :mod:`dlbook.nn.vae`: a plain autoencoder and a variational
  autoencoder with its ELBO and importance-sampled likelihood;
* :mod:`dlbook.nn.gan`: a DCGAN generator and discriminator and the players' losses;
* :mod:`dlbook.nn.diffusion`: noise schedules, DDPM and DDIM samplers, a small U-Net and an
  MLP denoiser;
* :mod:`dlbook.nn.texture`: Gram matrices and a network of random multi-scale filters.

Whole models take a config dataclass and keep it as ``model.config``. Everything a module lists
in its ``__all__`` is exported here: ``from dlbook.nn import GPT, MultiHeadAttention``.
"""

from dlbook.nn import (
    attention,
    autoencoder,
    bert,
    diffusion,
    encoder_decoder,
    factorization,
    gan,
    gat,
    gcn,
    gin,
    gpt,
    kv_cache,
    lora,
    parameters,
    pooling,
    rope,
    sampling,
    seq2seq,
    texture,
    transformer,
    vae,
)
from dlbook.nn.attention import *  # noqa: F403
from dlbook.nn.autoencoder import *  # noqa: F403
from dlbook.nn.bert import *  # noqa: F403
from dlbook.nn.diffusion import *  # noqa: F403
from dlbook.nn.encoder_decoder import *  # noqa: F403
from dlbook.nn.factorization import *  # noqa: F403
from dlbook.nn.gan import *  # noqa: F403
from dlbook.nn.gat import *  # noqa: F403
from dlbook.nn.gcn import *  # noqa: F403
from dlbook.nn.gin import *  # noqa: F403
from dlbook.nn.gpt import *  # noqa: F403
from dlbook.nn.kv_cache import *  # noqa: F403
from dlbook.nn.lora import *  # noqa: F403
from dlbook.nn.parameters import *  # noqa: F403
from dlbook.nn.pooling import *  # noqa: F403
from dlbook.nn.rope import *  # noqa: F403
from dlbook.nn.sampling import *  # noqa: F403
from dlbook.nn.seq2seq import *  # noqa: F403
from dlbook.nn.texture import *  # noqa: F403
from dlbook.nn.transformer import *  # noqa: F403
from dlbook.nn.vae import *  # noqa: F403

__all__ = sorted(
    {
        *attention.__all__,
        *autoencoder.__all__,
        *bert.__all__,
        *diffusion.__all__,
        *encoder_decoder.__all__,
        *factorization.__all__,
        *gan.__all__,
        *gat.__all__,
        *gcn.__all__,
        *gin.__all__,
        *gpt.__all__,
        *kv_cache.__all__,
        *lora.__all__,
        *parameters.__all__,
        *pooling.__all__,
        *rope.__all__,
        *sampling.__all__,
        *seq2seq.__all__,
        *texture.__all__,
        *transformer.__all__,
        *vae.__all__,
    }
)
