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

Whole models take a config dataclass and keep it as ``model.config``.
"""

from dlbook.nn.attention import (
    AdditiveAttention,
    MultiHeadAttention,
    MultiplicativeAttention,
    causal_mask,
    masked_softmax,
    padding_mask,
    scaled_dot_product_attention,
)
from dlbook.nn.autoencoder import Autoencoder, AutoencoderConfig, reconstruction_loss
from dlbook.nn.bert import BERT, BERTConfig
from dlbook.nn.diffusion import (
    MLPDenoiser,
    MLPDenoiserConfig,
    NoiseSchedule,
    TinyUNet,
    UNetConfig,
    ddim_sample,
    ddim_timesteps,
    ddpm_sample,
    diffusion_loss,
    timestep_embedding,
)
from dlbook.nn.encoder_decoder import Transformer, TransformerConfig
from dlbook.nn.factorization import MatrixFactorization
from dlbook.nn.gan import (
    DCGANConfig,
    DCGANDiscriminator,
    DCGANGenerator,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
)
from dlbook.nn.gat import GATConv, edge_softmax
from dlbook.nn.gcn import GCNConv
from dlbook.nn.gin import GINConv
from dlbook.nn.gpt import GPT, GPTConfig
from dlbook.nn.kv_cache import KVCache, cached_layer, cached_self_attention
from dlbook.nn.lora import LoRALinear, add_lora, merge_lora
from dlbook.nn.parameters import count_parameters
from dlbook.nn.pooling import global_add_pool, global_max_pool, global_mean_pool
from dlbook.nn.rope import RotaryEmbedding, apply_rope, rope_angles
from dlbook.nn.sampling import filter_logits, sample_next
from dlbook.nn.seq2seq import (
    BahdanauDecoder,
    GRUDecoder,
    GRUEncoder,
    LuongDecoder,
    Seq2Seq,
    Seq2SeqConfig,
)
from dlbook.nn.texture import RandomMultiscaleConfig, RandomMultiscaleNet, gram_loss, gram_matrix
from dlbook.nn.transformer import (
    Decoder,
    DecoderLayer,
    Encoder,
    EncoderLayer,
    FeedForward,
    LearnedPositionalEmbedding,
    SinusoidalPositionalEncoding,
    TokenEmbedding,
    sinusoidal_table,
)
from dlbook.nn.vae import VAE, VAEConfig, gaussian_kl, importance_sampled_nll, negative_elbo

__all__ = [
    "BERT",
    "GPT",
    "AdditiveAttention",
    "BERTConfig",
    "BahdanauDecoder",
    "Decoder",
    "DecoderLayer",
    "Encoder",
    "EncoderLayer",
    "FeedForward",
    "GATConv",
    "GCNConv",
    "GINConv",
    "GPTConfig",
    "GRUDecoder",
    "GRUEncoder",
    "KVCache",
    "LoRALinear",
    "LearnedPositionalEmbedding",
    "LuongDecoder",
    "MatrixFactorization",
    "MultiHeadAttention",
    "MultiplicativeAttention",
    "RotaryEmbedding",
    "Seq2Seq",
    "Seq2SeqConfig",
    "SinusoidalPositionalEncoding",
    "TokenEmbedding",
    "Transformer",
    "TransformerConfig",
    "add_lora",
    "apply_rope",
    "cached_layer",
    "cached_self_attention",
    "causal_mask",
    "count_parameters",
    "edge_softmax",
    "filter_logits",
    "global_add_pool",
    "global_max_pool",
    "global_mean_pool",
    "masked_softmax",
    "merge_lora",
    "padding_mask",
    "rope_angles",
    "sample_next",
    "scaled_dot_product_attention",
    "sinusoidal_table",
    "Autoencoder",
    "AutoencoderConfig",
    "reconstruction_loss",
    "MLPDenoiser",
    "MLPDenoiserConfig",
    "NoiseSchedule",
    "TinyUNet",
    "UNetConfig",
    "ddim_sample",
    "ddim_timesteps",
    "ddpm_sample",
    "diffusion_loss",
    "timestep_embedding",
    "DCGANConfig",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "discriminator_loss",
    "generator_loss",
    "gradient_penalty",
    "RandomMultiscaleConfig",
    "RandomMultiscaleNet",
    "gram_loss",
    "gram_matrix",
    "VAE",
    "VAEConfig",
    "gaussian_kl",
    "importance_sampled_nll",
    "negative_elbo",
]
