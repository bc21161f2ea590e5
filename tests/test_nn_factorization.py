"""Tests of dlbook.nn.factorization: the biased dot-product formula and its penalty."""

import pytest
import torch

from dlbook.nn import MatrixFactorization


def test_matrix_factorization_shapes_and_formula():
    torch.manual_seed(0)
    model = MatrixFactorization(7, 5, dim=4, global_mean=3.0)
    with torch.no_grad():
        model.user_bias.weight.normal_()
        model.item_bias.weight.normal_()
    users = torch.tensor([0, 6, 3])
    items = torch.tensor([4, 0, 2])
    out = model(users, items)
    assert out.shape == (3,)
    p = model.user_factors.weight[users]
    q = model.item_factors.weight[items]
    expected = (
        3.0 + model.user_bias.weight[users, 0] + model.item_bias.weight[items, 0] + (p * q).sum(1)
    )
    assert torch.allclose(out, expected)
    assert model.user_factors.weight.shape == (7, 4)
    assert model.item_factors.weight.shape == (5, 4)
    # The global mean is a buffer, not a trained parameter.
    assert "global_mean" not in dict(model.named_parameters())


def test_matrix_factorization_penalty():
    model = MatrixFactorization(3, 2, dim=2, reg=2.0, reg_bias=0.5)
    with torch.no_grad():
        for emb in (model.user_factors, model.item_factors, model.user_bias, model.item_bias):
            emb.weight.fill_(1.0)
    # 2 * (3*2 + 2*2) + 0.5 * (3 + 2)
    assert model.penalty().item() == pytest.approx(22.5)


@pytest.mark.parametrize("kwargs", [dict(dim=-1), dict(reg=-1.0), dict(init_std=-0.1)])
def test_matrix_factorization_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        MatrixFactorization(3, 3, **kwargs)
