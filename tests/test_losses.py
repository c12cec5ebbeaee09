"""The engine's written-out cross-entropy equals TF's fused kernel, values and gradients."""

import numpy as np
import pytest
import tensorflow as tf

from spectral_nb.experiments.engine.losses import sparse_softmax_cross_entropy


@pytest.mark.parametrize("scale", [1.0, 30.0])  # ordinary logits and ones whose exp overflows
def test_values_and_gradients_equal_the_fused_kernel(scale):
    rng = np.random.default_rng(0)
    logits = tf.Variable(scale * rng.normal(size=(3, 50, 10)).astype(np.float32))
    labels = tf.constant(rng.integers(0, 10, size=(3, 50)).astype(np.int32))
    weights = tf.constant(rng.uniform(size=(3, 50)).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        ours = sparse_softmax_cross_entropy(labels, logits)
        fused = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        ours_total, fused_total = tf.reduce_sum(ours * weights), tf.reduce_sum(fused * weights)
    assert np.all(np.isfinite(ours.numpy()))
    np.testing.assert_allclose(ours.numpy(), fused.numpy(), rtol=1e-5, atol=1e-5 * scale)
    np.testing.assert_allclose(
        tape.gradient(ours_total, logits).numpy(), tape.gradient(fused_total, logits).numpy(),
        rtol=1e-5, atol=1e-6,
    )


def test_the_loss_picks_each_example_s_own_label():
    logits = tf.constant([[0.0, 0.0], [5.0, -5.0]])
    loss = sparse_softmax_cross_entropy(tf.constant([0, 1]), logits).numpy()
    np.testing.assert_allclose(loss, [np.log(2.0), 10.0 + np.log1p(np.exp(-10.0))], rtol=1e-6)


def test_shapes_that_do_not_match_are_an_error_naming_both():
    with pytest.raises(ValueError, match="one axis more than labels"):
        sparse_softmax_cross_entropy(tf.constant([[0, 1]]), tf.zeros([2, 10]))
