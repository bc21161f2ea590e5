r"""The book's encoder as a Hugging Face ``transformers`` model, built from a config.

:class:`dlbook.nn.bert.BERT` is a pre-norm encoder: a layer norm on the summed token and position
embeddings, layers that normalise the input of each sub-layer, and a final layer norm. In the
``transformers`` library that architecture is RoBERTa-PreLayerNorm, so the book's weights fit it
one for one; only the names differ:

=========================================  =====================================================
``dlbook.nn.BERT``                         ``RobertaPreLayerNormModel``
=========================================  =====================================================
``token_embed``                            ``embeddings.word_embeddings``
``positions.embedding`` (row ``p``)        ``embeddings.position_embeddings`` (row ``p + pad + 1``)
``embed_norm``                             ``embeddings.LayerNorm``
``encoder.layers[i].norm1``                ``encoder.layer[i].attention.LayerNorm``
``...self_attn.q_proj``, ``k_proj``,        ``...attention.self.query``, ``key``, ``value``
``v_proj``
``...self_attn.out_proj``                  ``...attention.output.dense``
``...norm2``                               ``...intermediate.LayerNorm``
``...feed_forward.linear1``, ``linear2``   ``...intermediate.dense``, ``...output.dense``
``encoder.norm``                           ``LayerNorm``
=========================================  =====================================================

RoBERTa numbers the positions of real tokens from ``pad_id + 1`` (hence the shifted rows) and has
token-type embeddings, which the book's model does not: one type, set to zero. Nothing is
downloaded; the model is built from its configuration.
"""

from __future__ import annotations

import os

import torch

from dlbook.nn.bert import BERT

__all__ = ["copy_bert_weights", "roberta_prelayernorm_config", "to_huggingface"]


def roberta_prelayernorm_config(model: BERT, **overrides):
    """The ``transformers.RobertaPreLayerNormConfig`` of the same architecture as ``model``.

    ``overrides`` are passed to the config (for instance ``num_labels=2``).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import RobertaPreLayerNormConfig

    c = model.config
    if not c.norm_first or not c.bias:
        raise ValueError("only a pre-norm BERT with biases maps onto RoBERTa-PreLayerNorm")
    return RobertaPreLayerNormConfig(
        vocab_size=c.vocab_size,
        hidden_size=c.d_model,
        num_hidden_layers=c.num_layers,
        num_attention_heads=c.num_heads,
        intermediate_size=c.d_ff,
        hidden_act=c.activation,
        hidden_dropout_prob=c.dropout,
        attention_probs_dropout_prob=c.dropout,
        max_position_embeddings=c.max_len + c.pad_id + 1,
        type_vocab_size=1,
        layer_norm_eps=c.layer_norm_eps,
        pad_token_id=c.pad_id,
        **overrides,
    )


@torch.no_grad()
def copy_bert_weights(ours: BERT, theirs) -> None:
    """Copy every weight of ``ours`` into ``theirs``, a ``RobertaPreLayerNormModel``."""
    pad = ours.pad_id
    emb = theirs.embeddings
    emb.word_embeddings.weight.copy_(ours.token_embed.weight)
    emb.position_embeddings.weight.zero_()
    table = ours.positions.embedding.weight  # (max_len, d)
    emb.position_embeddings.weight[pad + 1 : pad + 1 + len(table)] = table
    emb.token_type_embeddings.weight.zero_()
    _copy(emb.LayerNorm, ours.embed_norm)
    for layer, hf in zip(ours.encoder.layers, theirs.encoder.layer, strict=True):
        _copy(hf.attention.LayerNorm, layer.norm1)
        _copy(hf.attention.self.query, layer.self_attn.q_proj)
        _copy(hf.attention.self.key, layer.self_attn.k_proj)
        _copy(hf.attention.self.value, layer.self_attn.v_proj)
        _copy(hf.attention.output.dense, layer.self_attn.out_proj)
        _copy(hf.intermediate.LayerNorm, layer.norm2)
        _copy(hf.intermediate.dense, layer.feed_forward.linear1)
        _copy(hf.output.dense, layer.feed_forward.linear2)
    _copy(theirs.LayerNorm, ours.encoder.norm)


def _copy(target: torch.nn.Module, source: torch.nn.Module) -> None:
    if target.weight.shape != source.weight.shape:
        raise ValueError(
            f"shape mismatch: {tuple(source.weight.shape)} into {tuple(target.weight.shape)}"
        )
    target.weight.copy_(source.weight)
    target.bias.copy_(source.bias)


def to_huggingface(ours: BERT):
    """A ``transformers.RobertaPreLayerNormModel`` (no pooler) with the weights of ``ours``."""
    from transformers import RobertaPreLayerNormModel

    theirs = RobertaPreLayerNormModel(roberta_prelayernorm_config(ours), add_pooling_layer=False)
    copy_bert_weights(ours, theirs)
    return theirs.to(ours.token_embed.weight.device).train(ours.training)
