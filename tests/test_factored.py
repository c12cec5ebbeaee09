"""Factored frozen-eigenvector kernels and thin products equal the plain products they replace."""

import numpy as np
import pytest
import tensorflow as tf

from spectral_nb.experiments.engine.factored import (
    COLUMN_MULTIPLE,
    FrozenEigenvectorKernel,
    run_matmul,
    thin_output_matmul,
)

RUNS, N, M = 3, 9, 7


def _kernel(varying_in: bool, seed: int = 0):
    rng = np.random.default_rng(seed)
    phi = tf.constant(rng.normal(size=(RUNS, N, M)), tf.float32)
    lam_out = tf.Variable(rng.normal(size=(RUNS, M)), dtype=tf.float32)
    if varying_in:
        lam_in = tf.constant(rng.normal(size=(RUNS, N)), tf.float32)
        factored = FrozenEigenvectorKernel(phi=phi, lam_out=lam_out, lam_in=lam_in)
    else:
        lam_in = tf.constant(np.repeat(rng.normal(size=(RUNS, 1)), N, axis=1), tf.float32)
        factored = FrozenEigenvectorKernel(phi=phi, lam_out=lam_out, constant_in=lam_in[:, :1])
    return factored, phi, lam_in, lam_out


@pytest.mark.parametrize("varying_in", [True, False])
@pytest.mark.parametrize("columns", [4, 2 * 32])  # a thin right operand and a wide one
def test_factored_products_and_gradients_equal_the_built_kernel(varying_in, columns):
    factored, phi, lam_in, lam_out = _kernel(varying_in)
    rng = np.random.default_rng(1)
    a = tf.Variable(rng.normal(size=(RUNS, 5, N)), dtype=tf.float32)
    b = tf.Variable(rng.normal(size=(RUNS, M, columns)), dtype=tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        built = phi * (lam_in[:, :, None] - lam_out[:, None, :])
        pairs = [(factored.left(a), a @ built), (factored.right(b), built @ b)]
        losses = [(tf.reduce_sum(tf.sin(ours)), tf.reduce_sum(tf.sin(plain)))
                  for ours, plain in pairs]
    np.testing.assert_allclose(factored.dense(), built, rtol=1e-6, atol=1e-6)
    for (ours, plain), (ours_loss, plain_loss) in zip(pairs, losses, strict=True):
        np.testing.assert_allclose(ours, plain, rtol=1e-5, atol=1e-5)
        for wrt in (lam_out, a, b):
            expected = tape.gradient(plain_loss, wrt)
            got = tape.gradient(ours_loss, wrt)
            if expected is None:
                assert got is None
            else:
                np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_shared_inputs_meet_every_runs_kernel():
    factored, phi, lam_in, lam_out = _kernel(varying_in=True)
    shared = tf.constant(np.random.default_rng(2).normal(size=(1, 4, N)), tf.float32)
    built = (phi * (lam_in[:, :, None] - lam_out[:, None, :])).numpy()
    expected = np.stack([shared[0].numpy() @ built[r] for r in range(RUNS)])
    np.testing.assert_allclose(factored.left(shared), expected, rtol=1e-5, atol=1e-5)


def test_a_frozen_kernel_needs_exactly_one_form_of_input_eigenvalues():
    _, phi, lam_in, lam_out = _kernel(varying_in=True)
    with pytest.raises(ValueError, match="exactly one"):
        FrozenEigenvectorKernel(phi=phi, lam_out=lam_out)
    with pytest.raises(ValueError, match="exactly one"):
        FrozenEigenvectorKernel(phi=phi, lam_out=lam_out, lam_in=lam_in,
                                constant_in=lam_in[:, :1])


@pytest.mark.parametrize("m", [10, COLUMN_MULTIPLE])
def test_thin_product_values_and_gradients_equal_matmul(m):
    rng = np.random.default_rng(3)
    a = tf.Variable(rng.normal(size=(30, 17)), dtype=tf.float32)
    b = tf.Variable(rng.normal(size=(17, m)), dtype=tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        ours = thin_output_matmul(a, b)
        plain = tf.linalg.matmul(a, b)
        ours_loss, plain_loss = tf.reduce_sum(tf.sin(ours)), tf.reduce_sum(tf.sin(plain))
    assert ours.shape == (30, m)
    np.testing.assert_allclose(ours, plain, rtol=1e-5, atol=1e-5)
    for wrt in (a, b):
        np.testing.assert_allclose(tape.gradient(ours_loss, wrt), tape.gradient(plain_loss, wrt),
                                   rtol=1e-5, atol=1e-5)


def _gradient_graph(m):
    a, b = tf.TensorSpec([30, 17]), tf.TensorSpec([17, m])

    def kernel_gradient(a, b):
        with tf.GradientTape() as tape:
            tape.watch(b)
            loss = tf.reduce_sum(tf.sin(thin_output_matmul(a, b)))
        return tape.gradient(loss, b)

    return tf.function(kernel_gradient).get_concrete_function(a, b).graph


def _ops(graph):
    """Every operation of ``graph`` and of the function graphs it calls (gradients are such)."""
    found = []
    for op in graph.get_operations():
        found.append(op)
        for name in op.node_def.attr:
            attr = op.node_def.attr[name]
            if attr.HasField("func"):
                found += _ops(graph._get_function(attr.func.name).graph)
    return found


def _matmuls(graph):
    return [(bool(op.get_attr("transpose_a")), op.outputs[0].shape.as_list())
            for op in _ops(graph) if op.type == "MatMul"]


def test_thin_products_pad_their_columns_and_transpose_their_kernel_gradient():
    graph = _gradient_graph(10)
    products = _matmuls(graph)
    assert (False, [30, 16]) in products  # forward, 10 columns padded to 16
    assert (True, [10, 17]) in products  # kernel gradient as g^T a, (m, k)
    assert all(shape != [17, 10] for _, shape in products)  # never a^T g
    assert "Pad" in {op.type for op in graph.get_operations()}


def test_run_matmul_uses_the_thin_product_only_for_thin_outputs():
    def graph_of(m):
        return tf.function(run_matmul).get_concrete_function(
            tf.TensorSpec([4, 7, 5]), tf.TensorSpec([4, 5, m])).graph

    assert "Pad" in {op.type for op in graph_of(10).get_operations()}
    assert "Pad" not in {op.type for op in graph_of(120).get_operations()}


def test_the_thin_right_product_is_split_not_sliced_so_its_gradient_is_a_concatenation():
    factored, *_ = _kernel(varying_in=True)
    columns = 4

    def eigenvalue_gradient(b):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.sin(factored.right(b)))
        return tape.gradient(loss, factored.lam_out)

    ops = _ops(tf.function(eigenvalue_gradient).get_concrete_function(
        tf.TensorSpec([RUNS, M, columns])).graph)
    product_shape = [RUNS, N, 2 * columns]
    assert any(op.type in ("Split", "SplitV") for op in ops)
    # no slice gradient zero-fills an array the size of the side-by-side product
    assert not [op for op in ops if op.type == "StridedSliceGrad"
                and op.outputs[0].shape.as_list() == product_shape]
