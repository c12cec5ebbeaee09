"""The kernel formula ``phi * (lam_in - lam_out)`` exists once, in ``operators/compact.py``.

``spectral_kernel`` equals the transposed out <- in block of ``Phi Lambda (2I - Phi)`` built by
matrix products, works over leading run axes and on numpy, TF, Keras (and, where installed,
JAX and torch) values; and no other module of the package writes the formula again.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from spectral_nb import operators as op
from spectral_nb.operators import spectral_kernel

PACKAGE = Path(__file__).resolve().parents[1] / "spectral_nb"
HOME = PACKAGE / "operators" / "compact.py"

IN_EIGENVALUES = re.compile(r"(lam|lambda|eigenvalues?)_?in\b|constant_in", re.IGNORECASE)
OUT_EIGENVALUES = re.compile(r"(lam|lambda|eigenvalues?)_?out\b", re.IGNORECASE)
EIGENVECTORS = re.compile(r"phi|eigenvectors", re.IGNORECASE)


# ------------------------------------------------------------------------------------------
# the scanner
# ------------------------------------------------------------------------------------------
def _adds_an_axis(node: ast.AST) -> bool:
    """``x[..., None]``, ``x[:, np.newaxis]``, ``expand_dims(x, ...)``: a broadcast operand."""
    if isinstance(node, ast.Subscript):
        index = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return any(
            (isinstance(i, ast.Constant) and i.value is None)
            or (isinstance(i, ast.Attribute) and i.attr == "newaxis")
            for i in index
        )
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
            node.func, "id", ""
        )
        return name in ("expand_dims", "reshape")
    return False


def _unwrap(node: ast.AST) -> ast.AST:
    """The expression inside subscripts: ``(a - b)[:, None, :]`` -> ``a - b``."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return node


def _is_eigenvalue_difference(node: ast.AST) -> bool:
    node = _unwrap(node)
    return (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Sub)
        and bool(IN_EIGENVALUES.search(ast.unparse(node.left)))
        and bool(OUT_EIGENVALUES.search(ast.unparse(node.right)))
    )


def _is_eigenvector_value(node: ast.AST) -> bool:
    """A plain reference to eigenvectors (a name, attribute or item), not a product with them."""
    return isinstance(node, ast.Name | ast.Attribute | ast.Subscript) and bool(
        EIGENVECTORS.search(ast.unparse(node))
    )


def formula_copies(source: str) -> list[int]:
    """Line numbers where ``source`` writes the spectral kernel formula itself.

    Caught: an outer difference of two vectors (``a[..., :, None] - b[..., None, :]``, with
    ``None``, ``np.newaxis``, ``expand_dims`` or ``reshape``, or ``subtract.outer``), which is
    the formula's broadcast whatever the names; and a difference of input and output
    eigenvalues multiplied by eigenvectors (``phi * (lam_in - lam_out)[...]``). A factored
    product such as ``(a @ phi) * (c - lam_out)`` multiplies a product, not the eigenvectors,
    and is not a copy.
    """
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            if _adds_an_axis(node.left) and _adds_an_axis(node.right):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "outer" and "subtract" in ast.unparse(node.func.value):
                lines.append(node.lineno)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for factor, other in ((node.left, node.right), (node.right, node.left)):
                if _is_eigenvalue_difference(factor) and _is_eigenvector_value(other):
                    lines.append(node.lineno)
    return sorted(set(lines))


SPELLINGS_THAT_ARE_COPIES = [
    "W = phi * (lam_in[:, None] - lam_out[None, :])",
    "W = self.eigenvectors * (self.eigenvalues_in[:, None] - self.eigenvalues_out[None, :])",
    'K = layer["eigenvectors"] * (layer["eigenvalues_in"][:, :, None]'
    ' - layer["eigenvalues_out"][:, None, :])',
    "K = self.phi * (self.constant_in - self.lam_out)[:, None, :]",
    "K = (lam_in[:, np.newaxis] - lam_out[np.newaxis, :]) * phi",
    "D = a[..., :, None] - b[..., None, :]",
    "D = np.subtract.outer(lam_in, lam_out)\nK = phi * D",
    "D = ops.expand_dims(lam_in, -1) - ops.expand_dims(lam_out, 0)",
]
SPELLINGS_THAT_ARE_NOT = [
    "y = dense_matmul(a, self.phi) * (self.constant_in - self.lam_out)[:, None, :]",
    "y = run_matmul(self.phi, (self.constant_in - self.lam_out)[:, :, None] * b)",
    "y = self.lam_in[:, :, None] * phi_b - phi_lam_b",
    "K = spectral_kernel(phi, lam_in, lam_out)",
    "shift = lam_in - lam_out.mean()",
]


@pytest.mark.parametrize("source", SPELLINGS_THAT_ARE_COPIES)
def test_scanner_finds_every_spelling_of_the_formula(source):
    assert formula_copies(source), source


@pytest.mark.parametrize("source", SPELLINGS_THAT_ARE_NOT)
def test_scanner_leaves_factored_products_alone(source):
    assert formula_copies(source) == [], source


def test_the_formula_is_written_only_in_operators_compact():
    assert formula_copies(HOME.read_text()), "the scanner no longer sees the formula's home"
    copies = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == HOME:
            continue
        found = formula_copies(path.read_text())
        if found:
            copies[path.relative_to(PACKAGE).as_posix()] = found
    assert not copies, (
        f"The spectral kernel formula is written again in {copies} (file: line numbers); "
        "import spectral_nb.operators.spectral_kernel instead."
    )


# ------------------------------------------------------------------------------------------
# spectral_kernel itself
# ------------------------------------------------------------------------------------------
@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(16)


@pytest.mark.parametrize(("n", "m"), [(1, 1), (3, 2), (5, 7), (12, 4)])
def test_spectral_kernel_is_the_out_in_block_of_the_transfer_operator(rng, n, m):
    phi, lam_in, lam_out = rng.uniform(-1, 1, (n, m)), rng.uniform(-1, 1, n), rng.uniform(-1, 1, m)
    a = op.transfer_operator(phi, lam_in, lam_out)
    np.testing.assert_allclose(spectral_kernel(phi, lam_in, lam_out), a[n:, :n].T, atol=1e-14)
    np.testing.assert_array_equal(op.direct_kernel(phi, lam_in, lam_out),
                                  spectral_kernel(phi, lam_in, lam_out))


def test_spectral_kernel_over_leading_run_axes(rng):
    runs, n, m = (2, 3), 5, 4
    phi = rng.uniform(-1, 1, (*runs, n, m))
    lam_in, lam_out = rng.uniform(-1, 1, (*runs, n)), rng.uniform(-1, 1, (*runs, m))
    kernel = spectral_kernel(phi, lam_in, lam_out)
    assert kernel.shape == (*runs, n, m)
    for r in np.ndindex(*runs):
        np.testing.assert_array_equal(kernel[r], op.direct_kernel(phi[r], lam_in[r], lam_out[r]))
    # one input eigenvalue shared by every input node broadcasts (the engine's constant lam_in)
    shared = rng.uniform(-1, 1, (*runs, 1))
    np.testing.assert_array_equal(
        spectral_kernel(phi, shared, lam_out),
        spectral_kernel(phi, np.broadcast_to(shared, (*runs, n)), lam_out),
    )


def test_spectral_kernel_is_shift_invariant(rng):
    phi, lam_in, lam_out = rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, 4), rng.uniform(-1, 1, 3)
    np.testing.assert_allclose(
        spectral_kernel(phi, lam_in + 0.25, lam_out + 0.25),
        spectral_kernel(phi, lam_in, lam_out), atol=1e-15,
    )


def _reference(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    phi = rng.uniform(-1, 1, (3, 6, 4)).astype(np.float32)
    lam_in = rng.uniform(-1, 1, (3, 6)).astype(np.float32)
    lam_out = rng.uniform(-1, 1, (3, 4)).astype(np.float32)
    return phi, lam_in, lam_out, spectral_kernel(phi, lam_in, lam_out)


def test_spectral_kernel_on_tf_tensors_and_keras_variables(rng):
    import keras
    import tensorflow as tf

    phi, lam_in, lam_out, expected = _reference(rng)
    tensors = spectral_kernel(tf.constant(phi), tf.constant(lam_in), tf.constant(lam_out))
    assert tensors.dtype == tf.float32
    np.testing.assert_array_equal(tensors.numpy(), expected)
    variables = spectral_kernel(keras.Variable(phi), keras.Variable(lam_in),
                                keras.Variable(lam_out))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(variables), expected)


def test_spectral_kernel_on_jax_arrays(rng):
    jnp = pytest.importorskip("jax.numpy")
    phi, lam_in, lam_out, expected = _reference(rng)
    result = spectral_kernel(jnp.asarray(phi), jnp.asarray(lam_in), jnp.asarray(lam_out))
    np.testing.assert_allclose(np.asarray(result), expected, rtol=1e-6)


def test_spectral_kernel_on_torch_tensors(rng):
    torch = pytest.importorskip("torch")
    phi, lam_in, lam_out, expected = _reference(rng)
    result = spectral_kernel(torch.from_numpy(phi), torch.from_numpy(lam_in),
                             torch.from_numpy(lam_out))
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)
