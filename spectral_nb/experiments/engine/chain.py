"""Cheapest association order for a product of matrices (classic matrix-chain DP).

For a linear cascade ``x K1 K2 ... Kp`` the product is exact in any order, but the cost
is not: ``(B x 784)(784 x 800)(800 x 10)`` costs ``B * 784 * 800`` multiply-adds left to
right and ``784 * 800 * 10`` when the small weight matrices are multiplied first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any


def chain_order(dims: Sequence[int]) -> tuple[int, Any]:
    """Minimal multiply-add count and parenthesisation of matrices ``dims[i] x dims[i+1]``.

    Returns ``(cost, tree)`` where a tree is a matrix index or a pair of trees.
    """
    dims = tuple(int(d) for d in dims)
    count = len(dims) - 1
    if count < 1:
        raise ValueError("A chain needs at least one matrix.")

    @cache
    def best(i: int, j: int) -> tuple[int, Any]:
        if i == j:
            return 0, i
        options = []
        for split in range(i, j):
            left_cost, left = best(i, split)
            right_cost, right = best(split + 1, j)
            cost = left_cost + right_cost + dims[i] * dims[split + 1] * dims[j + 1]
            options.append((cost, (left, right)))
        return min(options, key=lambda option: option[0])

    return best(0, count - 1)


def multiply_in_order(
    matrices: Sequence[Any], tree: Any, matmul: Callable[[Any, Any], Any]
) -> Any:
    """Evaluate the product of ``matrices`` following ``tree`` from :func:`chain_order`."""
    if isinstance(tree, int):
        return matrices[tree]
    left, right = tree
    return matmul(
        multiply_in_order(matrices, left, matmul), multiply_in_order(matrices, right, matmul)
    )
