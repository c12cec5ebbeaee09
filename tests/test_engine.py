"""The fast engine against the plain Keras path."""

import numpy as np
import pytest

from spectral_nb.experiments import RunSpec, constrained_twin
from spectral_nb.experiments.bench.keras_path import train_keras
from spectral_nb.experiments.engine.chain import chain_order
from spectral_nb.experiments.engine.tensors import (
    PIXEL_SCALE,
    load_dataset,
    resident_tensors,
    scaled_pixels,
)
from spectral_nb.experiments.engine.trainer import GroupTrainer, train_runs

SMALL = dict(dataset="mnist", train_size=650, test_size=300, batch_size=100, epochs=2)


def _spec(sizes, activations, regime="train_lambda", direct_init="glorot", **changes):
    spec = RunSpec(sizes=sizes, hidden_activations=activations, regime="train_lambda",
                   **(SMALL | changes))
    if regime == "constrained":
        return constrained_twin(spec).replace(direct_init=direct_init)
    if regime == "unconstrained":
        return spec.replace(regime=regime, direct_init=direct_init)
    return spec.replace(regime=regime)


CASES = [
    _spec((784, 10), ()),
    _spec((784, 10), (), "train_lambda_phi"),
    _spec((784, 10), (), "constrained"),
    _spec((784, 10), (), "unconstrained"),
    _spec((784, 200, 10), ("linear",), convention="authors_code"),  # product-first order
    _spec((784, 200, 10), ("linear",)),  # frozen eigenvectors, factored products
    _spec((784, 60, 40, 10), ("linear", "relu")),  # factored, data-first order
    _spec((784, 200, 10), ("linear",), "unconstrained"),  # biases folded through the chain
    _spec((784, 300, 40, 10), ("linear", "relu"), "train_lambda_phi"),
    _spec((784, 30, 10), ("tanh_beta",), "constrained", learning_rate=0.01),
    _spec((784, 60, 40, 10), ("linear", "relu"), inner_eigenvalues="random"),
    _spec((784, 200, 10), ("linear",), "unconstrained", direct_init="spectral"),
    _spec((784, 50, 10), ("linear",), "constrained", direct_init="spectral"),
]


@pytest.mark.parametrize("spec", CASES, ids=lambda s: f"{s.regime}-{'-'.join(map(str, s.sizes))}")
def test_engine_reproduces_keras_fit_with_the_same_data_order(spec):
    data = load_dataset(spec.dataset, spec.train_size, spec.test_size)
    (engine,) = train_runs([spec], data)
    keras_history = train_keras(spec, data, same_order_as_engine=True)
    np.testing.assert_allclose(engine.train_loss, keras_history["train_loss"], rtol=2e-4)
    np.testing.assert_allclose(
        engine.test_accuracy, keras_history["test_accuracy"], atol=1.5 / spec.test_size
    )


def test_association_order_is_the_cheap_one_and_exact_in_any_order():
    cost, tree = chain_order([300, 784, 800, 10])
    assert cost == 784 * 800 * 10 + 300 * 784 * 10
    assert tree == (0, (1, 2))
    rng = np.random.default_rng(0)
    mats = [rng.normal(size=(a, b)) for a, b in [(5, 7), (7, 3), (3, 9), (9, 2)]]
    from spectral_nb.experiments.engine.chain import multiply_in_order

    _, best = chain_order([5, 7, 3, 9, 2])
    np.testing.assert_allclose(
        multiply_in_order(mats, best, np.matmul), mats[0] @ mats[1] @ mats[2] @ mats[3]
    )


def test_runs_trained_together_equal_runs_trained_alone():
    specs = [CASES[0].replace(seed=s) for s in range(3)] + [
        CASES[0].replace(convention="authors_code")
    ]
    data = load_dataset("mnist", 650, 300)
    together = train_runs(specs, data)
    for spec, result in zip(specs, together, strict=True):
        (alone,) = train_runs([spec], data)
        np.testing.assert_allclose(result.train_loss, alone.train_loss, rtol=1e-5)
        assert result.test_accuracy == alone.test_accuracy
    assert together[0].train_loss != together[1].train_loss  # own init and data order


def test_runs_with_different_trainable_sets_are_never_grouped():
    from spectral_nb.experiments.runner import plan_groups

    groups = plan_groups([CASES[0], CASES[1], CASES[0].replace(seed=1), CASES[2], CASES[3]])
    assert [len(g) for g in groups] == [2, 1, 1, 1]
    with pytest.raises(ValueError, match="group_key"):
        train_runs([CASES[0], CASES[1]], load_dataset("mnist", 650, 300))


def test_same_seed_gives_the_same_accuracy_twice():
    data = load_dataset("mnist", 650, 300)
    first = train_runs([CASES[6]], data)[0]
    second = train_runs([CASES[6]], data)[0]
    assert first.test_accuracy == second.test_accuracy
    assert first.train_loss == second.train_loss


def test_frozen_sets_do_not_move():
    data = load_dataset("mnist", 650, 300)
    from spectral_nb.experiments.engine.initial import initial_parameters

    spec = _spec((784, 50, 10), ("linear",))
    (result,) = train_runs([spec], data)
    start = initial_parameters(spec)
    for before, after in zip(start, result.parameters, strict=True):
        np.testing.assert_array_equal(before["eigenvectors"], after["eigenvectors"])
        np.testing.assert_array_equal(before["eigenvalues_in"], after["eigenvalues_in"])
        assert not np.array_equal(before["eigenvalues_out"], after["eigenvalues_out"])


def _reference_tied_training(spec, data):
    """Tied eigenvalues trained the slow, obvious way: explicit variables, Keras' AdaMax."""
    import keras
    import tensorflow as tf

    from spectral_nb.experiments.engine.initial import epoch_order, initial_parameters

    init = initial_parameters(spec)
    phis = [tf.constant(layer["eigenvectors"]) for layer in init]
    first_in = tf.constant(init[0]["eigenvalues_in"])
    outs = [tf.Variable(layer["eigenvalues_out"]) for layer in init]
    optimizer = keras.optimizers.Adamax(learning_rate=spec.learning_rate)
    x_all, y_all = data.float_train(), data.y_train
    losses = []
    for epoch in range(spec.epochs):
        order = epoch_order(spec, epoch, len(y_all))
        total = 0.0
        for start in range(0, len(order), spec.batch_size):
            batch = order[start : start + spec.batch_size]
            with tf.GradientTape() as tape:
                h = tf.constant(x_all[batch])
                for k, activation in enumerate(spec.activations):
                    lam_in = first_in if k == 0 else outs[k - 1]  # one eigenvalue per node
                    h = h @ (phis[k] * (lam_in[:, None] - outs[k][None, :]))
                    h = tf.nn.relu(h) if activation == "relu" else h
                loss = tf.reduce_mean(
                    tf.nn.sparse_softmax_cross_entropy_with_logits(y_all[batch], h)
                )
            optimizer.apply_gradients(zip(tape.gradient(loss, outs), outs, strict=True))
            total += float(loss) * len(batch)
        losses.append(total / len(order))
    return losses, [v.numpy() for v in outs]


@pytest.mark.parametrize("activations", [("linear", "linear"), ("linear", "relu")])
def test_tied_eigenvalues_train_as_one_parameter_per_node(activations):
    spec = _spec((784, 40, 30, 10), activations, inner_eigenvalues="tied")
    data = load_dataset(spec.dataset, spec.train_size, spec.test_size)
    (engine,) = train_runs([spec], data)
    losses, outs = _reference_tied_training(spec, data)
    np.testing.assert_allclose(engine.train_loss, losses, rtol=2e-4)
    for k in (1, 2):  # layer k's input eigenvalues stayed identical to layer k-1's outputs
        np.testing.assert_array_equal(
            engine.parameters[k]["eigenvalues_in"], engine.parameters[k - 1]["eigenvalues_out"]
        )
        np.testing.assert_allclose(
            engine.parameters[k - 1]["eigenvalues_out"], outs[k - 1], rtol=1e-3, atol=1e-5
        )
    untied = train_runs([spec.replace(inner_eigenvalues="one")], data)[0]
    assert untied.train_loss != engine.train_loss
    with pytest.raises(ValueError, match="cannot express"):
        train_keras(spec, data)


def test_spectral_direct_init_starts_from_the_train_lambda_runs_kernel():
    from spectral_nb.experiments.engine.initial import initial_parameters

    spectral = _spec((784, 50, 10), ("linear",))
    for regime in ("unconstrained", "constrained"):
        direct = _spec((784, 50, 10), ("linear",), regime, direct_init="spectral")
        for layer_direct, layer_spectral in zip(
            initial_parameters(direct), initial_parameters(spectral), strict=True
        ):
            expected = layer_spectral["eigenvectors"] * (
                layer_spectral["eigenvalues_in"][:, None]
                - layer_spectral["eigenvalues_out"][None, :]
            )
            np.testing.assert_allclose(layer_direct["kernel"], expected, rtol=1e-6, atol=1e-8)


def test_resident_tensors_are_made_once_per_dataset():
    data = load_dataset("mnist", 50, 20)
    first = resident_tensors(data)
    assert resident_tensors(data) is first
    np.testing.assert_array_equal(first[0].numpy(), data.float_train())
    np.testing.assert_array_equal(first[2].numpy(), data.float_test())
    for size in (51, 52):  # two other datasets push the first one out
        resident_tensors(load_dataset("mnist", size, 20))
    assert resident_tensors(data) is not first


def test_pixels_scaled_by_tf_equal_numpy_s_for_every_pixel_value():
    every_value = np.arange(256, dtype=np.uint8).reshape(16, 16)
    np.testing.assert_array_equal(
        scaled_pixels(every_value).numpy(), every_value.astype(np.float32) / PIXEL_SCALE
    )


def test_compiled_programs_are_not_autograph_converted():
    spec = _spec((784, 20, 10), ("linear",))
    trainer = GroupTrainer([spec], load_dataset(spec.dataset, spec.train_size, spec.test_size))
    for compiled in (trainer._epoch_fn, trainer._step_fn, trainer._eval_fn):
        assert compiled._autograph is False  # converting their source cost seconds per group


def _keras_fit_with_optimizer(spec, data):
    """``model.fit`` of the Keras model built for the spec (its optimiser, Keras' Adam or
    AdaMax, and ``Dense(use_bias=False)`` for direct runs without bias); the engine's data
    order."""
    from spectral_nb.experiments.bench.keras_path import build_keras_model
    from spectral_nb.experiments.engine.initial import epoch_order

    model = build_keras_model(spec)
    expected = "Adam" if spec.optimizer == "adam" else "Adamax"
    assert type(model.optimizer).__name__ == expected
    assert all(getattr(layer, "use_bias", False) == (spec.use_bias and not spec.is_spectral)
               for layer in model.layers)
    losses, accuracies = [], []
    for epoch in range(spec.epochs):
        order = epoch_order(spec, epoch, len(data.y_train))
        fit = model.fit(data.float_train()[order], data.y_train[order],
                        batch_size=spec.batch_size, epochs=1, shuffle=False, verbose=0)
        losses.append(fit.history["loss"][-1])
        accuracies.append(model.evaluate(data.float_test(), data.y_test, verbose=0)[1])
    return losses, accuracies, model


ADAM = dict(optimizer="adam", learning_rate=1e-3)
ADAM_CASES = [
    _spec((784, 10), (), "unconstrained", **ADAM),
    _spec((784, 50, 10), ("relu",), "unconstrained", **ADAM).replace(use_bias=False),
    _spec((784, 50, 10), ("elu",), convention="zero_in", **ADAM),
    _spec((784, 50, 10), ("tanh",), "train_lambda_phi", convention="zero_in", **ADAM),
    _spec((784, 40, 30, 10), ("elu", "relu"), "train_lambda_phi", convention="zero_in", **ADAM),
]


@pytest.mark.parametrize(
    "spec", ADAM_CASES,
    ids=lambda s: f"{s.regime}-{s.convention}-bias{s.use_bias}-{'-'.join(s.hidden_activations)}",
)
def test_engine_with_adam_reproduces_keras_fit(spec):
    data = load_dataset(spec.dataset, spec.train_size, spec.test_size)
    (engine,) = train_runs([spec], data)
    losses, accuracies, model = _keras_fit_with_optimizer(spec, data)
    np.testing.assert_allclose(engine.train_loss, losses, rtol=2e-4)
    np.testing.assert_allclose(engine.test_accuracy, accuracies, atol=1.5 / spec.test_size)
    if not spec.use_bias:
        assert all("bias" not in layer for layer in engine.parameters)
    assert engine.train_loss != train_runs([spec.replace(optimizer="adamax")], data)[0].train_loss


def test_zero_in_convention_keeps_input_eigenvalues_at_zero_and_one_eigenvalue_per_node():
    from spectral_nb.experiments.engine.initial import initial_parameters

    spec = _spec((784, 40, 30, 10), ("elu", "tanh"), "train_lambda_phi", convention="zero_in",
                 **ADAM)
    start = initial_parameters(spec)
    assert all(not layer["eigenvalues_in"].any() for layer in start)
    assert all(np.abs(layer["eigenvectors"]).max() <= 0.2 for layer in start)
    assert all(np.abs(layer["eigenvalues_out"]).max() <= 0.5 for layer in start)
    (result,) = train_runs([spec], load_dataset(spec.dataset, spec.train_size, spec.test_size))
    assert all(not layer["eigenvalues_in"].any() for layer in result.parameters)
    assert spec.trainable_parameter_count() == sum(
        n * m + m for n, m in zip(spec.sizes[:-1], spec.sizes[1:], strict=False)
    )


def test_new_fields_at_their_defaults_leave_the_hash_alone():
    spec = _spec((784, 50, 10), ("relu",), "unconstrained")
    assert "use_bias" not in spec.to_dict()
    assert spec.replace(use_bias=False).hash != spec.hash
    assert spec.replace(optimizer="adam").hash != spec.hash
    with pytest.raises(ValueError, match="use_bias"):
        _spec((784, 10), ()).replace(use_bias=False)
