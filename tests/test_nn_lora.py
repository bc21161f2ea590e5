"""LoRA: the equation, the merged weights, the frozen parameters, and agreement with peft."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from dlbook.nn import BERT, BERTConfig
from dlbook.nn.lora import LoRALinear, add_lora, merge_lora

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def small_encoder():
    torch.manual_seed(0)
    return BERT(BERTConfig(vocab_size=50, max_len=16, d_model=32, num_heads=4, num_layers=2,
                           d_ff=64, dropout=0.0))  # fmt: skip


def test_lora_linear_is_the_equation_and_starts_at_the_base():
    torch.manual_seed(0)
    base = nn.Linear(6, 5)
    layer = LoRALinear(copy.deepcopy(base), rank=2, alpha=4.0)
    x = torch.randn(3, 6)
    torch.testing.assert_close(layer(x), base(x))  # B = 0 at initialisation
    with torch.no_grad():
        layer.lora_B.normal_()
    expected = x @ base.weight.T + base.bias + 2.0 * (x @ layer.lora_A.T @ layer.lora_B.T)
    torch.testing.assert_close(layer(x), expected)
    assert [n for n, p in layer.named_parameters() if p.requires_grad] == ["lora_A", "lora_B"]
    with pytest.raises(TypeError):
        LoRALinear(nn.Conv1d(2, 2, 1))
    with pytest.raises(ValueError):
        LoRALinear(base, rank=0)


def test_merged_weights_equal_the_unmerged_forward():
    model = small_encoder()
    names = add_lora(model, rank=4, alpha=8)
    assert len(names) == 4 and all(n.endswith(("q_proj", "v_proj")) for n in names)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, LoRALinear):
                m.lora_B.normal_(std=0.1)
    model.eval()
    tokens = torch.randint(1, 50, (3, 10))
    tokens[0, 7:] = 0  # some padding
    before = model(tokens)
    merged = merge_lora(copy.deepcopy(model))
    assert not any(isinstance(m, LoRALinear) for m in merged.modules())
    torch.testing.assert_close(merged(tokens), before, atol=1e-5, rtol=1e-5)


def test_add_lora_freezes_everything_but_the_adapters_and_named_heads():
    model = nn.ModuleDict({"body": small_encoder(), "out": nn.Linear(32, 2)})
    add_lora(model, rank=2, trainable=("out.",))
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {n for n in trainable if "lora_" in n or n.startswith("out.")}
    assert {"out.weight", "out.bias"} <= trainable
    assert sum(p.numel() for n, p in model.named_parameters() if p.requires_grad) == (
        2 * 2 * 2 * (32 + 32) + 32 * 2 + 2
    )  # 2 layers x (q, v) x rank 2 x (d_in + d_out), plus the head
    # Gradients reach the adapters of the first layer through the frozen network.
    model["body"](torch.randint(1, 50, (2, 5))).sum().backward()
    a = model["body"].encoder.layers[0].self_attn.q_proj.lora_A
    assert a.grad is None or torch.all(a.grad == 0)  # B = 0, so A gets no gradient yet
    b = model["body"].encoder.layers[0].self_attn.q_proj.lora_B
    assert b.grad is not None and b.grad.abs().sum() > 0
    with pytest.raises(ValueError):
        add_lora(small_encoder(), targets=("no_such_layer",))


def test_same_outputs_and_trainable_count_as_peft():
    peft = pytest.importorskip("peft")
    ours = small_encoder()
    theirs = peft.get_peft_model(
        copy.deepcopy(ours),
        peft.LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj"]),
    )
    add_lora(ours, rank=4, alpha=8)
    with torch.no_grad():
        for name, module in ours.named_modules():
            if isinstance(module, LoRALinear):
                module.lora_B.normal_(std=0.1)
                wrapped = theirs.base_model.model.get_submodule(name)
                wrapped.lora_A["default"].weight.copy_(module.lora_A)
                wrapped.lora_B["default"].weight.copy_(module.lora_B)
    ours.eval()
    theirs.eval()
    tokens = torch.randint(1, 50, (2, 9))
    torch.testing.assert_close(ours(tokens), theirs(tokens), atol=1e-5, rtol=1e-5)
    n_ours = sum(p.numel() for p in ours.parameters() if p.requires_grad)
    n_theirs = sum(p.numel() for p in theirs.parameters() if p.requires_grad)
    assert n_ours == n_theirs
