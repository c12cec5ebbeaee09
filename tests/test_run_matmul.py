"""The engine's per-run matrix product equals TF's batched one, values and gradients."""

import numpy as np
import tensorflow as tf

from spectral_nb.experiments.engine.factored import dense_matmul, run_matmul


def _pair(runs, n=7, k=5, m=3, seed=0):
    rng = np.random.default_rng(seed)
    return (tf.constant(rng.normal(size=(runs, n, k)), tf.float32),
            tf.Variable(rng.normal(size=(runs, k, m)), dtype=tf.float32))


def test_per_run_product_and_its_gradients_equal_the_batched_ones():
    a, b = _pair(runs=4)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(a)
        ours = run_matmul(a, b)
        batched = tf.linalg.matmul(a, b)
        ours_loss = tf.reduce_sum(tf.sin(ours))
        batched_loss = tf.reduce_sum(tf.sin(batched))
    np.testing.assert_allclose(ours, batched, rtol=1e-6, atol=1e-6)
    for wrt in (a, b):
        np.testing.assert_allclose(tape.gradient(ours_loss, wrt), tape.gradient(batched_loss, wrt),
                                   rtol=1e-6, atol=1e-6)


def test_shared_left_operand_still_broadcasts_against_every_run():
    a, b = _pair(runs=3)
    shared = a[:1]
    expected = np.stack([shared[0].numpy() @ b[r].numpy() for r in range(3)])
    np.testing.assert_allclose(dense_matmul(shared, b), expected, rtol=1e-5, atol=1e-6)


def _op_types(function, *specs):
    graph = tf.function(function).get_concrete_function(*specs).graph
    return {op.type for op in graph.get_operations()}


def test_known_run_counts_split_into_per_run_products_and_others_stay_batched():
    per_run = _op_types(run_matmul, tf.TensorSpec([4, 7, 5]), tf.TensorSpec([4, 5, 3]))
    assert "Unpack" in per_run and "MatMul" in per_run and "BatchMatMulV2" not in per_run
    for runs in (1, None):  # one run, or a run count unknown when the graph is traced
        batched = _op_types(run_matmul, tf.TensorSpec([runs, 7, 5]), tf.TensorSpec([runs, 5, 3]))
        assert "BatchMatMulV2" in batched and "Unpack" not in batched
    a, b = _pair(runs=1)
    np.testing.assert_allclose(run_matmul(a, b), tf.linalg.matmul(a, b), rtol=1e-6)
