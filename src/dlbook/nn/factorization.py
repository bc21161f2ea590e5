r"""Matrix factorisation for explicit ratings (Koren, Bell and Volinsky, 2009)."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["MatrixFactorization"]


class MatrixFactorization(nn.Module):
    r"""Biased matrix factorisation: a dot product of embeddings plus user and item biases.

    .. math::

        \hat r_{ui} = \mu + b_u + b_i + \mathbf p_u^\top \mathbf q_i ,

    with a user embedding :math:`\mathbf p_u \in \mathbb R^d`, an item embedding
    :math:`\mathbf q_i \in \mathbb R^d`, scalar biases and the fixed global mean :math:`\mu`
    (a buffer, not trained). :meth:`penalty` returns the L2 term
    :math:`\lambda (\lVert P \rVert^2 + \lVert Q \rVert^2) + \lambda_b (\lVert b_U \rVert^2
    + \lVert b_I \rVert^2)` that :func:`dlbook.recsys.fit_ratings` adds to the squared error.

    Parameters
    ----------
    num_users, num_items : int
        Number of users and items (ids are ``0..num_users-1`` and ``0..num_items-1``).
    dim : int
        Embedding size :math:`d`; ``0`` gives the biases-only model.
    global_mean : float
        :math:`\mu`, usually the mean training rating.
    reg : float
        :math:`\lambda`, L2 strength on the embeddings (in units of one squared rating error).
    reg_bias : float
        :math:`\lambda_b`, L2 strength on the biases.
    init_std : float
        Standard deviation of the normal initialisation of the embeddings (biases start at 0).
    """

    def __init__(
        self,
        num_users: int,
        num_items: int,
        dim: int = 32,
        *,
        global_mean: float = 0.0,
        reg: float = 0.0,
        reg_bias: float = 0.0,
        init_std: float = 0.1,
    ) -> None:
        super().__init__()
        if num_users < 1 or num_items < 1:
            raise ValueError("num_users and num_items must be positive")
        if dim < 0:
            raise ValueError(f"dim must be >= 0, got {dim}")
        if reg < 0 or reg_bias < 0 or init_std < 0:
            raise ValueError("reg, reg_bias and init_std must be >= 0")
        self.num_users, self.num_items, self.dim = num_users, num_items, dim
        self.reg, self.reg_bias = float(reg), float(reg_bias)
        self.user_factors = nn.Embedding(num_users, dim)  # P: (num_users, d)
        self.item_factors = nn.Embedding(num_items, dim)  # Q: (num_items, d)
        self.user_bias = nn.Embedding(num_users, 1)  # b_U: (num_users, 1)
        self.item_bias = nn.Embedding(num_items, 1)  # b_I: (num_items, 1)
        nn.init.normal_(self.user_factors.weight, std=init_std)
        nn.init.normal_(self.item_factors.weight, std=init_std)
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)
        self.register_buffer("global_mean", torch.tensor(float(global_mean)))

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        p = self.user_factors(users)  # (batch, d)
        q = self.item_factors(items)  # (batch, d)
        dot = (p * q).sum(dim=-1)  # (batch,)
        bias = self.user_bias(users).squeeze(-1) + self.item_bias(items).squeeze(-1)  # (batch,)
        return self.global_mean + bias + dot  # (batch,)

    def penalty(self) -> torch.Tensor:
        """The L2 regularisation term (a scalar tensor) for :func:`dlbook.recsys.fit_ratings`."""
        factors = self.user_factors.weight.pow(2).sum() + self.item_factors.weight.pow(2).sum()
        biases = self.user_bias.weight.pow(2).sum() + self.item_bias.weight.pow(2).sum()
        return self.reg * factors + self.reg_bias * biases

    def extra_repr(self) -> str:
        return f"dim={self.dim}, reg={self.reg}, reg_bias={self.reg_bias}"
