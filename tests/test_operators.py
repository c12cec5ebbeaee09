"""The exact operators of spectral_nb.operators satisfy the identities of the construction."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from spectral_nb import operators as op

PAIR_SIZES = [(1, 1), (2, 3), (5, 2), (7, 7), (12, 4)]
NETWORK_SIZES = [[3, 2], [6, 4, 3], [5, 1, 4], [8, 6, 5, 2], [4, 7, 3, 5, 2]]


def random_layer(
    rng: np.random.Generator, n: int, m: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return rng.uniform(-0.5, 0.5, (n, m)), rng.uniform(-1, 1, n), rng.uniform(-1, 1, m)


def random_network(rng: np.random.Generator, sizes: list[int]) -> tuple[list, list, list]:
    layers = [random_layer(rng, n, m) for n, m in zip(sizes[:-1], sizes[1:], strict=True)]
    phis, lams_in, lams_out = (list(t) for t in zip(*layers, strict=True))
    return phis, lams_in, lams_out


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20210226)


# ------------------------------------------------------------------------------------------
# one layer
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("n", "m"), PAIR_SIZES)
def test_eigenvector_matrix_structure(rng, n, m):
    phi, _, _ = random_layer(rng, n, m)
    eigvecs = op.eigenvector_matrix(phi)
    assert eigvecs.shape == (n + m, n + m)
    assert eigvecs.dtype == np.float64
    np.testing.assert_array_equal(eigvecs[:n, :n], np.eye(n))
    np.testing.assert_array_equal(eigvecs[n:, n:], np.eye(m))
    np.testing.assert_array_equal(eigvecs[:n, n:], 0.0)
    # Keras orientation in, transposed block inside: rows = outputs, columns = inputs.
    np.testing.assert_array_equal(eigvecs[n:, :n], phi.T)


@pytest.mark.parametrize(("n", "m"), PAIR_SIZES)
def test_inverse_is_two_identity_minus_phi(rng, n, m):
    phi, _, _ = random_layer(rng, n, m)
    eigvecs = op.eigenvector_matrix(phi)
    inverse = op.inverse_eigenvector_matrix(phi)
    np.testing.assert_array_equal(inverse, 2 * np.eye(n + m) - eigvecs)
    np.testing.assert_allclose(eigvecs @ inverse, np.eye(n + m), atol=1e-14)
    np.testing.assert_allclose(inverse @ eigvecs, np.eye(n + m), atol=1e-14)
    np.testing.assert_allclose(inverse, np.linalg.inv(eigvecs), atol=1e-12)


@pytest.mark.parametrize(("n", "m"), PAIR_SIZES)
def test_transfer_operator_block_structure(rng, n, m):
    phi, lam_in, lam_out = random_layer(rng, n, m)
    a = op.transfer_operator(phi, lam_in, lam_out)
    kernel = op.direct_kernel(phi, lam_in, lam_out)
    assert kernel.shape == (n, m)
    np.testing.assert_allclose(a[:n, :n], np.diag(lam_in), atol=1e-14)
    np.testing.assert_allclose(a[n:, n:], np.diag(lam_out), atol=1e-14)
    np.testing.assert_array_equal(a[:n, n:], 0.0)
    np.testing.assert_allclose(a[n:, :n], kernel.T, atol=1e-14)
    # closed form, entry by entry
    j, i = n - 1, m - 1
    assert kernel[j, i] == pytest.approx(phi[j, i] * (lam_in[j] - lam_out[i]))


@pytest.mark.parametrize(("n", "m"), PAIR_SIZES)
def test_eigendecomposition(rng, n, m):
    phi, lam_in, lam_out = random_layer(rng, n, m)
    a = op.transfer_operator(phi, lam_in, lam_out)
    eigvecs = op.eigenvector_matrix(phi)
    lam = np.concatenate([lam_in, lam_out])
    np.testing.assert_allclose(a @ eigvecs, eigvecs @ np.diag(lam), atol=1e-14)
    np.testing.assert_allclose(a @ eigvecs, eigvecs * lam[None, :], atol=1e-14)
    computed = np.linalg.eigvals(a)
    np.testing.assert_allclose(np.sort(computed.real), np.sort(lam), atol=1e-10)
    np.testing.assert_allclose(computed.imag, 0.0, atol=1e-10)


@pytest.mark.parametrize(("n", "m"), PAIR_SIZES)
def test_operator_acts_as_dense_layer(rng, n, m):
    phi, lam_in, lam_out = random_layer(rng, n, m)
    x = rng.normal(size=n)
    out = op.transfer_operator(phi, lam_in, lam_out) @ np.concatenate([x, np.zeros(m)])
    np.testing.assert_allclose(out[:n], lam_in * x, atol=1e-14)
    np.testing.assert_allclose(out[n:], x @ op.direct_kernel(phi, lam_in, lam_out), atol=1e-13)


@pytest.mark.parametrize(("n", "m"), PAIR_SIZES)
def test_shift_invariance(rng, n, m):
    phi, lam_in, lam_out = random_layer(rng, n, m)
    shifted = op.direct_kernel(phi, lam_in + 3.7, lam_out + 3.7)
    np.testing.assert_allclose(shifted, op.direct_kernel(phi, lam_in, lam_out), atol=1e-14)


def test_one_eigenvalue_moves_a_whole_row_and_column(rng):
    phi, lam_in, lam_out = random_layer(rng, 5, 4)
    before = op.direct_kernel(phi, lam_in, lam_out)
    lam_in2 = lam_in.copy()
    lam_in2[2] += 0.1
    changed = op.direct_kernel(phi, lam_in2, lam_out) != before
    assert changed[2].all() and not np.delete(changed, 2, axis=0).any()
    lam_out2 = lam_out.copy()
    lam_out2[1] += 0.1
    changed = op.direct_kernel(phi, lam_in, lam_out2) != before
    assert changed[:, 1].all() and not np.delete(changed, 1, axis=1).any()


# ------------------------------------------------------------------------------------------
# full N-space
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sizes", NETWORK_SIZES)
def test_layer_slices_partition(sizes):
    slices = op.layer_slices(sizes)
    assert [s.stop - s.start for s in slices] == sizes
    assert slices[0].start == 0 and slices[-1].stop == sum(sizes)


@pytest.mark.parametrize("rest", [0.0, 1.0])
@pytest.mark.parametrize("sizes", NETWORK_SIZES)
def test_embed_places_blocks(rng, sizes, rest):
    phis, lams_in, lams_out = random_network(rng, sizes)
    slices = op.layer_slices(sizes)
    for k, (phi, lam_in, lam_out) in enumerate(zip(phis, lams_in, lams_out, strict=True)):
        compact = op.transfer_operator(phi, lam_in, lam_out)
        full = op.embed(compact, sizes, k, rest=rest)
        assert full.shape == (sum(sizes), sum(sizes))
        nodes = np.r_[slices[k], slices[k + 1]]
        np.testing.assert_array_equal(full[np.ix_(nodes, nodes)], compact)
        others = np.setdiff1d(np.arange(sum(sizes)), nodes)
        np.testing.assert_array_equal(full[np.ix_(others, others)], rest * np.eye(len(others)))
        np.testing.assert_array_equal(full[np.ix_(others, nodes)], 0.0)
        np.testing.assert_array_equal(full[np.ix_(nodes, others)], 0.0)
        # Same thing as Phi Lambda Phi^-1 built directly in the N-space.
        big_phi = np.eye(sum(sizes))
        big_phi[slices[k + 1], slices[k]] = phi.T
        lam = np.full(sum(sizes), rest)
        lam[slices[k]], lam[slices[k + 1]] = lam_in, lam_out
        expected = big_phi @ np.diag(lam) @ (2 * np.eye(sum(sizes)) - big_phi)
        np.testing.assert_allclose(full, expected, atol=1e-14)


@pytest.mark.parametrize("rest", [0.0, 1.0])
@pytest.mark.parametrize("sizes", NETWORK_SIZES)
def test_cascade_equals_layer_by_layer_forward_pass(rng, sizes, rest):
    phis, lams_in, lams_out = random_network(rng, sizes)
    x = rng.normal(size=sizes[0])
    forward = x
    for phi, lam_in, lam_out in zip(phis, lams_in, lams_out, strict=True):
        forward = forward @ op.direct_kernel(phi, lam_in, lam_out)
    n_1 = np.zeros(sum(sizes))
    n_1[: sizes[0]] = x
    total = op.cascade(op.full_space_operators(phis, lams_in, lams_out, rest=rest))
    n_l = total @ n_1
    np.testing.assert_allclose(n_l[op.layer_slices(sizes)[-1]], forward, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        op.block(total, sizes, -1, 0), op.retracted_kernel(phis, lams_in, lams_out).T, atol=1e-14
    )


@pytest.mark.parametrize("sizes", NETWORK_SIZES)
def test_rest_zero_funnels_the_signal(rng, sizes):
    """With zero eigenvalues off the active pair, step k leaves only layers k and k+1 lit."""
    phis, lams_in, lams_out = random_network(rng, sizes)
    operators = op.full_space_operators(phis, lams_in, lams_out, rest=0.0)
    slices = op.layer_slices(sizes)
    state = np.zeros(sum(sizes))
    state[slices[0]] = rng.normal(size=sizes[0])
    for k, a in enumerate(operators):
        state = a @ state
        support = np.zeros(sum(sizes), dtype=bool)
        support[slices[k]] = support[slices[k + 1]] = True
        assert not state[~support].any()
        assert np.all(state[slices[k + 1]] != 0)


@pytest.mark.parametrize("sizes", NETWORK_SIZES)
def test_compact_perceptron_is_trimmed_cascade(rng, sizes):
    phis, lams_in, lams_out = random_network(rng, sizes)
    a_c = op.compact_perceptron(phis, lams_in, lams_out)
    n_in, n_out = sizes[0], sizes[-1]
    assert a_c.shape == (n_in + n_out, n_in + n_out)
    total = op.cascade(op.full_space_operators(phis, lams_in, lams_out, rest=1.0))
    np.testing.assert_allclose(op.trim(total, sizes), a_c, atol=1e-14)
    kernel = op.retracted_kernel(phis, lams_in, lams_out)
    assert kernel.shape == (n_in, n_out)
    np.testing.assert_allclose(a_c[n_in:, :n_in], kernel.T, atol=1e-14)
    np.testing.assert_array_equal(a_c[:n_in, n_in:], 0.0)


def test_single_layer_compact_perceptron_is_transfer_operator(rng):
    phi, lam_in, lam_out = random_layer(rng, 6, 3)
    np.testing.assert_allclose(
        op.compact_perceptron([phi], [lam_in], [lam_out]),
        op.transfer_operator(phi, lam_in, lam_out),
        atol=1e-14,
    )


def test_cascade_order(rng):
    a, b = rng.normal(size=(2, 4, 4))
    np.testing.assert_array_equal(op.cascade([a, b]), b @ a)
    np.testing.assert_array_equal(op.cascade([a]), a)


# ------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------
def test_shape_errors(rng):
    phi, lam_in, lam_out = random_layer(rng, 4, 3)
    with pytest.raises(ValueError, match="2-D array of shape \\(inputs, units\\)"):
        op.eigenvector_matrix(np.zeros(4))
    with pytest.raises(ValueError, match="lam_in must be a 1-D array of length 4"):
        op.transfer_operator(phi, lam_out, lam_out)
    with pytest.raises(ValueError, match="lam_out must be a 1-D array of length 3"):
        op.direct_kernel(phi, lam_in, lam_in)
    with pytest.raises(ValueError, match="must have shape \\(7, 7\\)"):
        op.embed(np.eye(6), [4, 3, 2], 0)
    with pytest.raises(ValueError, match="k must be an integer in \\[0, 1\\]"):
        op.embed(np.eye(5), [4, 3, 2], 2)
    with pytest.raises(ValueError, match="positive integers"):
        op.layer_slices([4, 0, 2])
    with pytest.raises(ValueError, match="at least two layers"):
        op.layer_slices([4])
    with pytest.raises(ValueError, match="at least one operator"):
        op.cascade([])
    with pytest.raises(ValueError, match="share one shape"):
        op.cascade([np.eye(3), np.eye(4)])
    with pytest.raises(ValueError, match="must be square"):
        op.cascade([np.zeros((3, 4))])
    with pytest.raises(ValueError, match="phis must chain"):
        op.compact_perceptron([phi, phi], [lam_in, lam_in], [lam_out, lam_out])
    with pytest.raises(ValueError, match="one entry per layer pair"):
        op.compact_perceptron([phi], [lam_in, lam_in], [lam_out])
    with pytest.raises(ValueError, match="N = sum\\(sizes\\) = 9"):
        op.trim(np.eye(8), [4, 3, 2])
    with pytest.raises(ValueError, match="built Spectral layer"):
        op.layer_parameters(object())


def test_every_name_the_book_uses_is_one_import_away():
    """``from spectral_nb import operators as op`` keeps every name chapter 1 calls."""
    notebook = Path(__file__).resolve().parents[1] / "book" / "01_theory.ipynb"
    cells = json.loads(notebook.read_text())["cells"]
    source = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    used = set(re.findall(r"\bop\.([a-z_]+)", source))
    assert used, "chapter 1 no longer calls spectral_nb.operators"
    assert not [name for name in used if not hasattr(op, name)]
    assert set(op.__all__) >= used | {"spectral_kernel"}
