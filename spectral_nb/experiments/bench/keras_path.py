"""The ordinary way to run a spec: one Keras model per run, trained with ``model.fit``.

Used as the reference the fast engine is checked against, and as the baseline of
``make bench``. It starts from the same initial parameters as the engine.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from ...layers import ConstrainedDense, ScaledTanh, Spectral
from ..engine.initial import constrained_entries_seed, epoch_order, initial_parameters
from ..engine.tensors import Dataset
from ..protocol.spec import RunSpec

# The spec's optimiser by name, with Keras' defaults (the engine's fused kernels follow them).
KERAS_OPTIMIZERS = {"adamax": keras.optimizers.Adamax, "adam": keras.optimizers.Adam}


def build_keras_model(spec: RunSpec) -> keras.Sequential:
    """A compiled Keras model equal, parameter for parameter, to the engine's run."""
    if spec.inner_eigenvalues == "tied":
        raise ValueError(
            "inner_eigenvalues='tied' shares eigenvalues between consecutive layers, which "
            "independent Keras layers cannot express; train such runs with the engine "
            "(spectral_nb.experiments.engine.trainer.train_runs)."
        )
    params = initial_parameters(spec)
    layers: list[keras.layers.Layer] = [keras.Input((spec.sizes[0],))]
    for k, (p, activation) in enumerate(zip(params, spec.activations, strict=True)):
        m = spec.sizes[k + 1]
        keras_activation = None if activation in ("linear", "tanh_beta") else activation
        sets = spec.trainable_sets(k)
        if spec.is_spectral:
            layers.append(
                Spectral(
                    m, activation=keras_activation,
                    train_eigenvectors=sets["eigenvectors"],
                    train_eigenvalues_in=sets["eigenvalues_in"],
                    train_eigenvalues_out=sets["eigenvalues_out"],
                    eigenvectors_initializer=p["eigenvectors"],
                    eigenvalues_in_initializer=p["eigenvalues_in"],
                    eigenvalues_out_initializer=p["eigenvalues_out"],
                )
            )
        elif spec.regime == "constrained":
            layers.append(
                ConstrainedDense(
                    m, trainable_count=spec.constrained_budget[k],
                    seed=constrained_entries_seed(spec, k), activation=keras_activation,
                    kernel_initializer=p["kernel"],
                )
            )
        else:
            layers.append(
                keras.layers.Dense(
                    m, activation=keras_activation, use_bias=spec.use_bias,
                    kernel_initializer=keras.initializers.Constant(p["kernel"]),
                )
            )
        if activation == "tanh_beta":
            layers.append(ScaledTanh(1.0))
    model = keras.Sequential(layers)
    model.compile(
        optimizer=KERAS_OPTIMIZERS[spec.optimizer](learning_rate=spec.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def train_keras(
    spec: RunSpec, data: Dataset, same_order_as_engine: bool = False
) -> dict[str, list[float]]:
    """Train one run with ``model.fit``; returns per-epoch history, wall time and the model.

    Keys: ``train_loss``, ``train_accuracy``, ``test_accuracy`` (one float per epoch),
    ``wall_time_s`` (a one-element list) and ``model`` (the trained Keras model).

    With ``same_order_as_engine`` the examples are fed in the engine's per-epoch order
    (``shuffle=False`` on pre-permuted arrays), so losses can be compared step for step;
    otherwise Keras shuffles, as an ordinary user would.
    """
    model = build_keras_model(spec)
    x_train, y_train = data.float_train(), data.y_train
    x_test, y_test = data.float_test(), data.y_test
    history: dict[str, list[float]] = {"train_loss": [], "train_accuracy": [], "test_accuracy": []}
    start = time.perf_counter()
    for epoch in range(spec.epochs):
        if same_order_as_engine:
            order = epoch_order(spec, epoch, len(y_train))
            fit = model.fit(
                x_train[order], y_train[order], batch_size=spec.batch_size, epochs=1,
                shuffle=False, verbose=0,
            )
        else:
            fit = model.fit(
                x_train, y_train, batch_size=spec.batch_size, epochs=1, shuffle=True, verbose=0
            )
        history["train_loss"].append(float(fit.history["loss"][-1]))
        history["train_accuracy"].append(float(fit.history["accuracy"][-1]))
        _, accuracy = model.evaluate(x_test, y_test, batch_size=2000, verbose=0)
        history["test_accuracy"].append(float(accuracy))
    history["wall_time_s"] = [time.perf_counter() - start]
    history["model"] = model  # type: ignore[assignment]
    return history


def final_weights(model: keras.Model) -> list[np.ndarray]:
    """All weights of a model as numpy arrays, in layer order."""
    return [np.asarray(w) for w in model.get_weights()]
