"""The Keras ``Spectral`` layer agrees with the exact operators of ``spectral_nb.operators``.

Also: which weights a training step moves, the trainable counts of the paper's
configurations, input validation and the ``.keras`` round trip.
"""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest

from spectral_nb import Spectral
from spectral_nb import operators as op
from spectral_nb.retraction import fuse, retract

FLAGS = list(itertools.product([False, True], repeat=3))
FLAG_IDS = [f"vec{int(a)}-in{int(b)}-out{int(c)}" for a, b, c in FLAGS]
RTOL = 1e-5  # float32 layer against float64 operators


def to_numpy(value) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)


def assert_close_relative(actual, expected, rtol: float = RTOL) -> None:
    """Max-abs error relative to the size of ``expected`` (robust to entries near zero)."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape
    scale = max(np.abs(expected).max(), 1e-12)
    assert np.abs(actual - expected).max() <= rtol * scale


def random_spectral(
    rng: np.random.Generator,
    n: int,
    m: int,
    flags: tuple[bool, bool, bool] = (True, True, True),
    use_bias: bool = False,
    activation=None,
) -> tuple[Spectral, dict[str, np.ndarray]]:
    """A built layer with random float32 values (kept, to compare with the operators)."""
    values = {
        "eigenvectors": rng.uniform(-0.5, 0.5, (n, m)).astype("float32"),
        "eigenvalues_in": rng.uniform(-1.0, 1.0, n).astype("float32"),
        "eigenvalues_out": rng.uniform(-1.0, 1.0, m).astype("float32"),
        "bias": rng.uniform(-0.2, 0.2, m).astype("float32"),
    }
    layer = Spectral(
        m,
        activation=activation,
        use_bias=use_bias,
        train_eigenvectors=flags[0],
        train_eigenvalues_in=flags[1],
        train_eigenvalues_out=flags[2],
        eigenvectors_initializer=values["eigenvectors"],
        eigenvalues_in_initializer=values["eigenvalues_in"],
        eigenvalues_out_initializer=values["eigenvalues_out"],
        bias_initializer=values["bias"],
    )
    layer.build((None, n))
    return layer, values


def weight_values(layer: keras.layers.Layer) -> dict[str, np.ndarray]:
    return {w.path.split("/")[-1]: keras.ops.convert_to_numpy(w).copy() for w in layer.weights}


def trainable_count(model: keras.Model) -> int:
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


# ------------------------------------------------------------------------------------------
# forward pass against the operators, all trainability combinations
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("use_bias", [False, True], ids=["nobias", "bias"])
@pytest.mark.parametrize("flags", FLAGS, ids=FLAG_IDS)
def test_layer_matches_operators(flags, use_bias):
    rng = np.random.default_rng([7, *map(int, flags), int(use_bias)])
    n, m = (int(v) for v in rng.integers(2, 12, size=2))
    layer, values = random_spectral(rng, n, m, flags, use_bias)
    phi, lam_in, lam_out = op.layer_parameters(layer)
    np.testing.assert_array_equal(phi, values["eigenvectors"])
    np.testing.assert_array_equal(lam_in, values["eigenvalues_in"])
    np.testing.assert_array_equal(lam_out, values["eigenvalues_out"])

    a = op.transfer_operator(phi, lam_in, lam_out)
    kernel = a[n:, :n].T  # out <- in block of A, back to Keras orientation
    assert_close_relative(to_numpy(layer.direct_kernel()), kernel)
    assert_close_relative(to_numpy(layer.direct_kernel()), op.direct_kernel(phi, lam_in, lam_out))

    x = rng.normal(size=(5, n)).astype("float32")
    expected = x.astype(np.float64) @ kernel
    if use_bias:
        expected = expected + values["bias"]
    assert_close_relative(to_numpy(layer(x)), expected)

    # The same through the operator itself: A (x, 0) has W^T x on the output nodes.
    states = np.concatenate([x, np.zeros((5, m))], axis=1).astype(np.float64)
    through_a = (a @ states.T).T[:, n:] + (values["bias"] if use_bias else 0.0)
    assert_close_relative(to_numpy(layer(x)), through_a)


@pytest.mark.parametrize("use_bias", [False, True], ids=["nobias", "bias"])
@pytest.mark.parametrize("flags", FLAGS, ids=FLAG_IDS)
def test_training_step_moves_exactly_the_trainable_sets(flags, use_bias):
    rng = np.random.default_rng([11, *map(int, flags), int(use_bias)])
    n, m = 6, 4
    layer, _ = random_spectral(rng, n, m, flags, use_bias)

    trainable = {w.path.split("/")[-1] for w in layer.trainable_weights}
    expected = {
        name
        for name, on in zip(
            ("eigenvectors", "eigenvalues_in", "eigenvalues_out", "bias"),
            (*flags, use_bias),
            strict=True,
        )
        if on
    }
    assert trainable == expected
    assert {w.path.split("/")[-1] for w in layer.non_trainable_weights} == (
        {"eigenvectors", "eigenvalues_in", "eigenvalues_out"} - expected
    )
    assert int(sum(np.prod(w.shape) for w in layer.trainable_weights)) == (
        n * m * flags[0] + n * flags[1] + m * flags[2] + m * use_bias
    )

    before = weight_values(layer)
    x = rng.normal(size=(8, n)).astype("float32")
    target = rng.normal(size=(8, m)).astype("float32")
    if layer.trainable_weights:
        import tensorflow as tf  # the pinned backend

        optimizer = keras.optimizers.SGD(learning_rate=0.1)
        with tf.GradientTape() as tape:
            loss = keras.ops.mean((layer(x) - target) ** 2)
        grads = tape.gradient(loss, layer.trainable_weights)
        assert all(g is not None for g in grads)
        optimizer.apply_gradients(zip(grads, layer.trainable_weights, strict=True))
    after = weight_values(layer)

    for name in before:
        if name in trainable:
            assert not np.array_equal(before[name], after[name]), f"{name} did not move"
        else:
            np.testing.assert_array_equal(before[name], after[name], err_msg=name)


def test_train_on_batch_with_adamax_respects_frozen_sets():
    """The same through model.compile/train_on_batch, the path the experiments use."""
    rng = np.random.default_rng(3)
    first, _ = random_spectral(rng, 10, 6, (False, False, True))
    second, _ = random_spectral(rng, 6, 3, (True, True, False), use_bias=True)
    model = keras.Sequential([keras.Input((10,)), first, second])
    model.compile(optimizer=keras.optimizers.Adamax(learning_rate=0.03), loss="mse")
    before = [weight_values(layer) for layer in (first, second)]
    model.train_on_batch(
        rng.normal(size=(16, 10)).astype("float32"), rng.normal(size=(16, 3)).astype("float32")
    )
    after = [weight_values(layer) for layer in (first, second)]
    moved = {
        (i, name): not np.array_equal(before[i][name], after[i][name])
        for i in range(2)
        for name in before[i]
    }
    assert moved == {
        (0, "eigenvectors"): False,
        (0, "eigenvalues_in"): False,
        (0, "eigenvalues_out"): True,
        (1, "eigenvectors"): True,
        (1, "eigenvalues_in"): True,
        (1, "eigenvalues_out"): False,
        (1, "bias"): True,
    }


# ------------------------------------------------------------------------------------------
# cascades: Keras model vs compact perceptron vs retraction
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sizes", [[5, 3], [6, 4, 3], [8, 6, 5, 2], [7, 2, 9, 4, 3]])
def test_linear_model_cascade_matches_compact_perceptron(sizes):
    rng = np.random.default_rng(sum(sizes))
    layers = [random_spectral(rng, n, m)[0] for n, m in zip(sizes[:-1], sizes[1:], strict=True)]
    model = keras.Sequential([keras.Input((sizes[0],)), *layers])
    phis, lams_in, lams_out = zip(*(op.layer_parameters(layer) for layer in layers), strict=True)

    a_c = op.compact_perceptron(phis, lams_in, lams_out)
    kernel = a_c[sizes[0] :, : sizes[0]].T
    fused_kernel, fused_bias = fuse(layers)
    assert_close_relative(fused_kernel, kernel)
    np.testing.assert_array_equal(fused_bias, 0.0)

    # Full N-space cascade, restricted to the last layer, on a batch of inputs.
    x = rng.normal(size=(4, sizes[0])).astype("float32")
    total = op.cascade(op.full_space_operators(phis, lams_in, lams_out))
    assert_close_relative(
        to_numpy(model(x)), x.astype(np.float64) @ op.block(total, sizes, -1, 0).T
    )

    retracted = retract(model)
    dense = [layer for layer in retracted.layers if isinstance(layer, keras.layers.Dense)]
    assert len(dense) == 1
    assert_close_relative(to_numpy(dense[0].kernel), kernel)
    assert_close_relative(to_numpy(retracted(x)), to_numpy(model(x)))


# ------------------------------------------------------------------------------------------
# trainable counts of the paper's configurations
# ------------------------------------------------------------------------------------------
def eigenvalues_only(units: int, **kwargs) -> Spectral:
    """Output eigenvalues only: the paper's counting (N2 + N3 + ...)."""
    return Spectral(units, train_eigenvectors=False, train_eigenvalues_in=False, **kwargs)


def test_count_perceptron_train_lambda():
    model = keras.Sequential([keras.Input((784,)), Spectral(10, train_eigenvectors=False)])
    assert trainable_count(model) == 794


def test_count_perceptron_train_lambda_phi():
    model = keras.Sequential([keras.Input((784,)), Spectral(10)])
    assert trainable_count(model) == 794 + 7840


@pytest.mark.parametrize("n2", [50, 1000])
def test_count_wide_linear_output_eigenvalues(n2):
    model = keras.Sequential(
        [
            keras.Input((784,)),
            eigenvalues_only(n2),
            eigenvalues_only(10, eigenvalues_in_initializer=1.0),
        ]
    )
    assert trainable_count(model) == n2 + 10
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.layers[1].eigenvalues_in), 1.0)


@pytest.mark.parametrize("n2", [50, 1000])
def test_count_nonlinear_output_eigenvalues(n2):
    model = keras.Sequential(
        [
            keras.Input((784,)),
            eigenvalues_only(n2),
            eigenvalues_only(120, activation="relu", eigenvalues_in_initializer=1.0),
            eigenvalues_only(10, eigenvalues_in_initializer=1.0),
        ]
    )
    assert trainable_count(model) == n2 + 130


# ------------------------------------------------------------------------------------------
# errors and serialisation
# ------------------------------------------------------------------------------------------
def test_non_2d_input_is_refused():
    with pytest.raises(ValueError, match="expects 2-D input \\(batch, features\\)"):
        Spectral(3).build((None, 4, 5))
    with pytest.raises(ValueError, match="Flatten"):
        Spectral(3).build((None, 28, 28))
    # Called on data: the layer's own message (or Keras' input-spec message, which names ndim=2).
    with pytest.raises(ValueError, match="expects 2-D input|ndim=2"):
        Spectral(3)(np.zeros((2, 4, 5), dtype="float32"))
    with pytest.raises(ValueError, match="expects 2-D input|ndim=2"):
        keras.Sequential([keras.Input((28, 28)), Spectral(10)])


@pytest.mark.parametrize("units", [0, -3, 2.5, True])
def test_bad_units_are_refused(units):
    with pytest.raises(ValueError, match="units must be a positive integer"):
        Spectral(units)


@pytest.mark.parametrize(
    ("name", "value", "shape_text"),
    [
        (
            "eigenvectors_initializer",
            np.zeros((5, 3)),
            "\\(5, 3\\), but the layer needs shape \\(4, 3\\)",
        ),
        ("eigenvalues_in_initializer", np.zeros(3), "\\(3,\\), but the layer needs shape \\(4,\\)"),
        (
            "eigenvalues_out_initializer",
            np.zeros(4),
            "\\(4,\\), but the layer needs shape \\(3,\\)",
        ),
    ],
)
def test_wrong_initializer_shape_is_refused(name, value, shape_text):
    weight = name.removesuffix("_initializer")
    with pytest.raises(ValueError, match=f"Initial value for '{weight}' has shape {shape_text}"):
        Spectral(3, **{name: value}).build((None, 4))


def test_keras_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(5)
    first, _ = random_spectral(rng, 12, 7, (False, True, True), use_bias=True)
    second, _ = random_spectral(rng, 7, 4, (False, False, True), activation="relu")
    model = keras.Sequential([keras.Input((12,)), first, second, Spectral(3, seed=1)])
    x = rng.normal(size=(6, 12)).astype("float32")
    path = tmp_path / "spectral.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x))
    )
    assert trainable_count(loaded) == trainable_count(model)
    for original, restored in zip(model.layers, loaded.layers, strict=True):
        assert isinstance(restored, Spectral)
        assert restored.get_config() == original.get_config()
