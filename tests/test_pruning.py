"""prune(): the smaller model equals the original with the removed nodes silenced."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import spectral_nb
from spectral_nb import ConstrainedDense, ScaledTanh, Spectral, retract
from spectral_nb.pruning import PruningError, keep_masks, node_scores, prune, remove_nodes
from spectral_nb.pruning.chain import DENSE_LIKE, model_chain
from spectral_nb.pruning.surgery import silenced_model


def _x(n=32, d=12, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype("float32")


def _masked_reference(model: keras.Model, masks: dict[str, np.ndarray]) -> keras.Model:
    """The original layers, with each removed node's output multiplied by zero right before
    the layer that reads it."""
    chain = model_chain(model)
    inputs = keras.Input(model.input_shape[1:])
    h = inputs
    pending = None
    for layer in chain.layers:
        if isinstance(layer, DENSE_LIKE) and pending is not None:
            h = h * keras.ops.convert_to_tensor(pending.astype("float32"))
            pending = None
        h = layer(h)
        if isinstance(layer, DENSE_LIKE) and layer.name in masks:
            pending = masks[layer.name]
    return keras.Model(inputs, h)


def _linear_spectral():
    return keras.Sequential(
        [keras.Input((12,)), Spectral(20, seed=1), Spectral(15, seed=2), Spectral(4, seed=3)]
    )


def _nonlinear_spectral():
    return keras.Sequential(
        [
            keras.Input((12,)),
            Spectral(20, activation="relu", seed=1, use_bias=True, bias_initializer=0.05),
            keras.layers.Dropout(0.3),
            Spectral(15, seed=2),
            ScaledTanh(beta=1.7),
            Spectral(9, activation="tanh", train_eigenvectors=False, seed=4),
            Spectral(4, seed=3),
        ]
    )


def _dense():
    return keras.Sequential(
        [
            keras.Input((12,)),
            keras.layers.Dense(20, activation="relu"),
            keras.layers.Dense(15, activation="elu"),
            keras.layers.Dense(4),
        ]
    )


def _mixed():
    inputs = keras.Input((3, 4))
    h = keras.layers.Flatten()(inputs)
    h = keras.layers.Dense(18, activation="sigmoid")(h)
    h = Spectral(16, seed=5, use_bias=True, bias_initializer=-0.1)(h)
    h = keras.layers.Activation("relu")(h)
    h = ConstrainedDense(14, trainable_count=60, seed=6, use_bias=True, bias_initializer=0.2,
                         activation="tanh")(h)
    h = Spectral(4, seed=7)(h)
    outputs = keras.layers.Softmax()(h)
    return keras.Model(inputs, outputs)


def _spread_eigenvalues(model: keras.Model, seed: int = 0) -> keras.Model:
    """Give every Spectral layer trained-looking eigenvalues (distinct magnitudes)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, Spectral):
            layer.eigenvalues_out.assign(rng.normal(size=layer.units).astype("float32"))
            n = layer.eigenvalues_in.shape[0]
            layer.eigenvalues_in.assign(rng.normal(scale=0.3, size=n).astype("float32"))
    return model


MODELS = {
    "linear spectral": _linear_spectral,
    "non-linear spectral": _nonlinear_spectral,
    "dense": _dense,
    "mixed functional": _mixed,
}


def _inputs(model):
    shape = model.input_shape[1:]
    return _x().reshape(-1, *shape) if len(shape) > 1 else _x()


# Dense-only nodes have no eigenvalue (that is an error, tested below).
CASES = [
    (name, rank)
    for name in MODELS
    for rank in ("eigenvalue", "connectivity", "random")
    if (name, rank) != ("dense", "eigenvalue")
]


@pytest.mark.parametrize(("name", "rank"), CASES)
def test_pruned_model_equals_original_with_removed_nodes_zeroed(name, rank):
    model = _spread_eigenvalues(MODELS[name]())
    masks = keep_masks(node_scores(model, rank, seed=3), 0.4)
    pruned = prune(model, 0.4, rank=rank, seed=3)
    x = _inputs(model)
    expected = _masked_reference(model, masks)(x)
    np.testing.assert_allclose(pruned(x), expected, rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(silenced_model(model, masks)(x), expected, rtol=1e-6, atol=1e-7)
    # the masks matter: the unmasked original differs, so the check above could fail
    assert np.max(np.abs(np.asarray(model(x)) - np.asarray(expected))) > 1e-4
    # the nodes are gone, not zeroed: every hidden layer is smaller, the output layer is not
    dense = [layer for layer in pruned.layers if isinstance(layer, DENSE_LIKE)]
    original = [layer for layer in model_chain(model).dense_layers]
    for new, old in zip(dense[:-1], original[:-1], strict=True):
        assert new.units == old.units - round(0.4 * old.units) and new.name == old.name
    assert dense[-1].units == original[-1].units


def test_eigenvalue_rank_removes_the_smallest_eigenvalues():
    lam = np.array([0.5, -0.01, 0.2, -0.9, 0.05, 0.3], "float32")
    model = keras.Sequential(
        [
            keras.Input((5,)),
            Spectral(6, activation="relu", eigenvalues_in_initializer=0.0,
                     eigenvalues_out_initializer=lam, seed=0),
            Spectral(3, eigenvalues_in_initializer=1.0, seed=1),
        ]
    )
    name = model.layers[0].name
    # input eigenvalues held at 0: the producer's gain is |lambda| itself
    np.testing.assert_allclose(node_scores(model, combine="out")[name], np.abs(lam), rtol=1e-6)
    # the reader's input eigenvalues are all 1, so its gain is one constant for every node:
    # the default product ranks exactly as |lambda| does
    product = node_scores(model)[name]
    np.testing.assert_allclose(product / np.abs(lam), product[0] / 0.5, rtol=1e-6)
    pruned = prune(model, 0.5)
    kept = keras.ops.convert_to_numpy(pruned.layers[0].eigenvalues_out)
    np.testing.assert_array_equal(kept, lam[[0, 3, 5]])
    assert pruned.layers[1].eigenvectors.shape == (3, 3)


def test_eigenvalue_score_is_measured_from_the_other_side_and_shift_invariant():
    lam = np.array([1.0, 0.2, 0.95, -0.4], "float32")
    model = keras.Sequential(
        [
            keras.Input((5,)),
            Spectral(4, activation="relu", eigenvalues_in_initializer=1.0,
                     eigenvalues_out_initializer=lam, seed=0),
            Spectral(2, seed=1),
        ]
    )
    name = model.layers[0].name
    # inputs held at c = 1 (this book's inner layers): the gain is |lambda - 1|, so the node
    # with lambda = 1 is dead (its incoming weights are zero) and ranks last
    scores = node_scores(model, combine="out")[name]
    np.testing.assert_allclose(scores, np.abs(lam - 1.0), atol=1e-6)
    assert np.argmin(scores) == 0
    x = _x(d=5)
    before = np.asarray(model(x))
    layer = model.layers[0]
    layer.eigenvalues_in.assign(layer.eigenvalues_in + 3.0)
    layer.eigenvalues_out.assign(layer.eigenvalues_out + 3.0)
    np.testing.assert_allclose(model(x), before, rtol=1e-5, atol=1e-5)  # same network ...
    np.testing.assert_allclose(node_scores(model, combine="out")[name], scores, atol=1e-5)


def _both_sides_model():
    """Node 0: large output eigenvalue but zero outgoing gain; node 2: small output gain."""
    return keras.Sequential(
        [
            keras.Input((5,)),
            Spectral(3, activation="relu", eigenvalues_in_initializer=0.0,
                     eigenvalues_out_initializer=np.array([1.0, 1.0, 0.1]), seed=0),
            Spectral(2, eigenvalues_in_initializer=np.array([0.0, 2.0, 2.0]),
                     eigenvalues_out_initializer=0.0, seed=1),
        ]
    )


def test_rule_for_a_node_with_both_eigenvalues():
    model = _both_sides_model()
    name = model.layers[0].name
    np.testing.assert_allclose(node_scores(model)[name], [0.0, 2.0, 0.2], atol=1e-6)
    np.testing.assert_allclose(node_scores(model, combine="out")[name], [1.0, 1.0, 0.1],
                               atol=1e-6)
    np.testing.assert_allclose(node_scores(model, combine="in")[name], [0.0, 2.0, 2.0],
                               atol=1e-6)
    # the product removes node 0, which is silent: the function does not change at all
    x = _x(d=5)
    pruned = prune(model, 0.34)
    assert pruned.layers[0].units == 2
    np.testing.assert_allclose(pruned(x), model(x), rtol=1e-5, atol=1e-6)
    # the producer's eigenvalue alone removes node 2 instead, which did carry signal
    by_out = prune(model, 0.34, combine="out")
    assert np.max(np.abs(np.asarray(by_out(x)) - np.asarray(model(x)))) > 1e-3


def test_node_without_spectral_producer_uses_the_readers_eigenvalue():
    model = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(3, activation="relu"),
            Spectral(2, eigenvalues_in_initializer=np.array([0.3, -2.0, 0.1]),
                     eigenvalues_out_initializer=0.0),
        ]
    )
    np.testing.assert_allclose(node_scores(model)[model.layers[0].name], [0.3, 2.0, 0.1],
                               atol=1e-6)
    with pytest.raises(PruningError, match="combine='out' needs layer 'dense"):
        node_scores(model, combine="out")


def test_connectivity_is_the_sum_of_absolute_incoming_weights():
    model = _spread_eigenvalues(_nonlinear_spectral())
    scores = node_scores(model, "connectivity")
    for layer in model_chain(model).hidden:
        kernel = keras.ops.convert_to_numpy(layer.direct_kernel())
        np.testing.assert_allclose(scores[layer.name], np.abs(kernel).sum(axis=0), rtol=1e-5)


def test_random_rank_is_seeded():
    model = _dense()
    first = node_scores(model, "random", seed=1)
    again = node_scores(model, "random", seed=1)
    other = node_scores(model, "random", seed=2)
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])
        assert not np.array_equal(first[name], other[name])


def test_fraction_zero_is_the_same_model():
    model = _spread_eigenvalues(_mixed())
    same = prune(model, 0.0)
    x = _inputs(model)
    np.testing.assert_allclose(same(x), model(x), rtol=1e-6, atol=1e-7)
    assert [type(layer) for layer in same.layers] == [
        type(layer) for layer in model_chain(model).layers
    ]
    assert same.count_params() == model.count_params()


def test_per_layer_and_global_fractions():
    model = _spread_eigenvalues(_nonlinear_spectral())
    hidden = [layer.name for layer in model_chain(model).hidden]
    by_name = prune(model, {hidden[1]: 0.6})
    units = [layer.units for layer in by_name.layers if isinstance(layer, DENSE_LIKE)]
    assert units == [20, 6, 9, 4]
    in_order = prune(model, [0.5, 0.0, 0.34])
    units = [layer.units for layer in in_order.layers if isinstance(layer, DENSE_LIKE)]
    assert units == [10, 15, 6, 4]
    # global: 40 % of all 44 hidden nodes, the lowest pooled scores wherever they are
    scores = node_scores(model)
    pooled = np.sort(np.concatenate([scores[n] for n in hidden]))
    cut = pooled[round(0.4 * 44) - 1]
    expected = [int((scores[n] > cut).sum()) for n in hidden]
    overall = prune(model, 0.4, scope="global")
    units = [layer.units for layer in overall.layers if isinstance(layer, DENSE_LIKE)]
    assert units[:-1] == expected and sum(expected) == 44 - 18
    assert units != [12, 9, 5]  # not the per-layer split


def test_prune_then_retract():
    model = _spread_eigenvalues(_linear_spectral())
    pruned = prune(model, 0.5)
    retracted = retract(pruned)
    x = _x()
    np.testing.assert_allclose(retracted(x), pruned(x), rtol=1e-4, atol=1e-5)
    assert retracted.layers[-1].kernel.shape == (12, 4)


def test_pruned_model_saves_and_reloads(tmp_path):
    model = keras.Sequential(
        [
            keras.Input((12,)),
            Spectral(10, activation="relu", seed=1,
                     eigenvalues_out_initializer=np.linspace(-1, 1, 10),
                     eigenvectors_initializer=np.random.default_rng(0).uniform(-1, 1, (12, 10))),
            ConstrainedDense(8, trainable_count=30, seed=3, activation="relu", use_bias=True),
            Spectral(6, activation="tanh", seed=2),
            keras.layers.Dense(3),
        ]
    )
    pruned = prune(model, 0.5)
    path = tmp_path / "pruned.keras"
    pruned.save(path)
    loaded = keras.models.load_model(path)
    x = _x()
    np.testing.assert_allclose(loaded(x), pruned(x), rtol=1e-6, atol=1e-7)
    assert [layer.units for layer in loaded.layers] == [5, 4, 3, 3]
    assert loaded.layers[1].trainable_count == pruned.layers[1].trainable_count


def test_trainable_sets_survive_and_the_pruned_model_trains():
    model = keras.Sequential(
        [
            keras.Input((12,)),
            Spectral(10, activation="relu", train_eigenvectors=False, seed=1),
            Spectral(3, train_eigenvectors=False, seed=2),
        ]
    )
    pruned = prune(model, 0.3)
    # Train Lambda stays Train Lambda: 12 + 7 eigenvalues, then 7 + 3
    trainable = sum(int(np.prod(w.shape)) for w in pruned.trainable_weights)
    assert trainable == (12 + 7) + (7 + 3)
    pruned.compile(optimizer="adamax", loss="sparse_categorical_crossentropy")
    before = keras.ops.convert_to_numpy(pruned.layers[0].eigenvalues_out).copy()
    pruned.fit(_x(), np.arange(32) % 3, epochs=1, batch_size=32, verbose=0)
    assert not np.array_equal(before, keras.ops.convert_to_numpy(pruned.layers[0].eigenvalues_out))


def test_lazy_names():
    assert spectral_nb.prune is prune
    assert spectral_nb.node_scores is node_scores


# ------------------------------------------------------------------ bad input
def test_branched_graph_is_refused_with_the_layer_named():
    inputs = keras.Input((12,))
    a = Spectral(8, name="left")(inputs)
    b = Spectral(8, name="right")(inputs)
    merged = keras.layers.Add(name="join")([a, b])
    model = keras.Model(inputs, Spectral(3)(merged))
    with pytest.raises(PruningError, match="'join'.*branched"):
        prune(model, 0.5)


def test_unsupported_layer_between_dense_layers_is_named():
    model = keras.Sequential(
        [keras.Input((12,)), Spectral(8), keras.layers.BatchNormalization(name="bn"),
         Spectral(3)]
    )
    with pytest.raises(PruningError, match="'bn' \\(BatchNormalization\\).*remove it"):
        prune(model, 0.5)


def test_coupling_activation_on_a_hidden_layer_is_refused():
    model = keras.Sequential(
        [keras.Input((12,)), Spectral(8, activation="softmax", name="hid"), Spectral(3)]
    )
    with pytest.raises(PruningError, match="'hid' applies 'softmax'"):
        prune(model, 0.5)


@pytest.mark.parametrize("fraction", [1.0, -0.1, 1.5, float("nan"), "0.5", True])
def test_fractions_outside_the_unit_interval_are_refused(fraction):
    with pytest.raises(PruningError, match=r"\[0, 1\)"):
        prune(_linear_spectral(), fraction)


def test_pruning_every_node_of_a_layer_is_refused():
    model = keras.Sequential([keras.Input((12,)), Spectral(2, name="thin"), Spectral(3)])
    with pytest.raises(PruningError, match="all 2 nodes of layer 'thin'"):
        prune(model, 0.8)
    with pytest.raises(PruningError, match="removes all 2 nodes"):
        remove_nodes(model, {"thin": np.array([False, False])})


def test_other_bad_inputs_name_the_problem():
    model = _linear_spectral()
    with pytest.raises(PruningError, match="Unknown rank 'size'"):
        prune(model, 0.5, rank="size")
    with pytest.raises(PruningError, match="make no hidden nodes.*never pruned"):
        prune(model, {model.layers[-1].name: 0.5})
    with pytest.raises(PruningError, match="one per hidden layer"):
        prune(model, [0.5])
    with pytest.raises(PruningError, match="scope='global' takes one fraction"):
        prune(model, [0.5, 0.5], scope="global")
    with pytest.raises(PruningError, match="not built"):
        prune(keras.Sequential([Spectral(4), Spectral(2)]), 0.5)
    with pytest.raises(PruningError, match="no hidden layer"):
        prune(keras.Sequential([keras.Input((12,)), Spectral(3)]), 0.5)
    with pytest.raises(PruningError, match="have no eigenvalue.*rank='connectivity'"):
        prune(_dense(), 0.5)
    with pytest.raises(PruningError, match="no Spectral, ConstrainedDense or Dense"):
        prune(keras.Sequential([keras.Input((12,)), keras.layers.Activation("relu")]), 0.5)


def test_nested_and_shared_layers_are_refused():
    inner = keras.Sequential([keras.Input((12,)), Spectral(6)], name="inner")
    nested = keras.Sequential([keras.Input((12,)), inner, Spectral(3)])
    with pytest.raises(PruningError, match="'inner' is a nested model"):
        prune(nested, 0.5)
    shared = Spectral(12, name="twice")
    inputs = keras.Input((12,))
    model = keras.Model(inputs, Spectral(3)(shared(shared(inputs))))
    with pytest.raises(PruningError, match="'twice' is used twice"):
        prune(model, 0.5)
