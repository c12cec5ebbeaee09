"""Train the runs of the CNN chapter (:class:`~spectral_nb.cnn.spec.CnnSpec`) into records.

:func:`train_group` is the trainer of the ``cnn`` kind of run: it takes specs and returns one
record per spec, which the experiment runner stores like every other record of the book. A
run trains one network with Adam on batches in a seeded order (a compiled TensorFlow step), and
measures, before training and ``evals_per_epoch`` times per epoch, the cross-entropy on a fixed
subset of the training images (the loss curve); then the test loss and accuracy. A spatial and
a spectral run of the same seed start as the same function and see the same batches, so their
curves differ only by the optimiser's coordinates.

Seconds count the training steps only (not the loss measurements, not graph tracing); the
first segment between measurements, which pays one-off kernel set-up, is counted at the median
step time of the others.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from ..data.subsets import PIXEL_SCALE
from .models import build_cnn, copy_weights
from .spec import CnnSpec
from .speedups import Curve

EVAL_BATCH = 500


@dataclass(frozen=True)
class RunData:
    """The float32 images (with a channel axis) and int32 labels one run uses."""

    x: np.ndarray
    y: np.ndarray
    x_eval: np.ndarray
    y_eval: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@functools.lru_cache(maxsize=2)
def _images(dataset: str) -> tuple[np.ndarray, ...]:
    from ..data import load

    (x_train, y_train), (x_test, y_test) = load(dataset)
    return x_train, y_train, x_test, y_test


def scale_pixels(images: np.ndarray) -> np.ndarray:
    """uint8 images ``(n, 28, 28)`` as float32 ``(n, 28, 28, 1)`` divided by the book's scale."""
    return (images.astype(np.float32) / PIXEL_SCALE)[..., None]


def run_data(spec: CnnSpec) -> RunData:
    """The training subset (random, seeded by ``spec.seed``), loss subset and test images."""
    x_train, y_train, x_test, y_test = _images(spec.dataset)
    if spec.train_size is not None and spec.train_size < len(x_train):
        rng = np.random.default_rng(spec.seed)
        idx = np.sort(rng.choice(len(x_train), spec.train_size, replace=False))
        x_train, y_train = x_train[idx], y_train[idx]
    x_test, y_test = x_test[: spec.test_size], y_test[: spec.test_size]
    rng = np.random.default_rng(spec.seed + 1)
    eval_idx = rng.choice(len(x_train), min(spec.eval_size, len(x_train)), replace=False)
    x = scale_pixels(x_train)
    return RunData(
        x=x, y=y_train.astype(np.int32), x_eval=x[eval_idx], y_eval=y_train[eval_idx].astype(
            np.int32
        ), x_test=scale_pixels(x_test), y_test=y_test.astype(np.int32),
    )


def build_model(spec: CnnSpec) -> keras.Model:
    """The run's network; a spectral one gets the initial function of the spatial one."""
    args = (spec.pooling, "spatial", spec.kernel_size, spec.filters, (28, 28, 1))
    spatial = build_cnn(*args, seed=spec.seed, implementation=spec.implementation)
    if spec.parametrisation == "spatial":
        return spatial
    spectral = build_cnn(
        spec.pooling, "spectral", spec.kernel_size, spec.filters, (28, 28, 1), seed=spec.seed,
        implementation=spec.implementation,
    )
    copy_weights(spatial, spectral)
    return spectral


def _loss_fn() -> keras.losses.Loss:
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def evaluator(model: keras.Model) -> Callable[[np.ndarray, np.ndarray], tuple[float, float]]:
    """A function ``(x, y) -> (mean cross-entropy, accuracy)`` of ``model`` in inference mode.

    Compiled once (any batch size), so measuring a loss curve does not retrace.
    """
    import tensorflow as tf

    loss_fn = _loss_fn()

    @tf.function(
        input_signature=(
            tf.TensorSpec((None, *model.input_shape[1:]), tf.float32),
            tf.TensorSpec((None,), tf.int32),
        )
    )
    def batch(xb: tf.Tensor, yb: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        logits = model(xb, training=False)
        hits = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, -1, tf.int32), yb), tf.float32))
        return loss_fn(yb, logits) * tf.cast(tf.shape(xb)[0], tf.float32), hits

    def measure(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        total = correct = 0.0
        for start in range(0, len(x), EVAL_BATCH):
            loss, hits = batch(x[start : start + EVAL_BATCH], y[start : start + EVAL_BATCH])
            total, correct = total + float(loss), correct + float(hits)
        return total / len(x), correct / len(x)

    return measure


def training_step(model: keras.Model, learning_rate: float = 1e-3) -> Callable[[Any, Any], Any]:
    """A compiled Adam step ``(x_batch, y_batch) -> loss`` on the softmax cross-entropy."""
    import tensorflow as tf

    optimizer = keras.optimizers.Adam(learning_rate)
    loss_fn = _loss_fn()
    variables = model.trainable_variables
    optimizer.build(variables)

    @tf.function
    def step(xb: tf.Tensor, yb: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        optimizer.apply(tape.gradient(loss, variables), variables)
        return loss

    return step


def train_curve(
    model: keras.Model,
    data: RunData,
    epochs: int,
    batch_size: int,
    evals_per_epoch: int,
    seed: int,
    learning_rate: float = 1e-3,
    on_epoch: Callable[[int], Any] | None = None,
    measure: Callable[[np.ndarray, np.ndarray], tuple[float, float]] | None = None,
) -> Curve:
    """Train with Adam on batches in a seeded order, measuring the loss on ``data.x_eval``.

    Two models trained with the same ``seed`` on the same data see exactly the same batches.
    See the module docstring for what the seconds count. ``on_epoch(epoch)`` is called as
    each epoch starts (progress reports); ``measure`` is the model's :func:`evaluator`
    (made here if not given).
    """
    import tensorflow as tf

    step = training_step(model, learning_rate)
    x, y = data.x, data.y
    steps_per_epoch = len(x) // batch_size
    checkpoints = sorted(
        {round(steps_per_epoch * (i + 1) / evals_per_epoch) for i in range(evals_per_epoch)}
    )
    spec = (
        tf.TensorSpec((batch_size, *x.shape[1:]), tf.float32),
        tf.TensorSpec((batch_size,), tf.int32),
    )
    step.get_concrete_function(*spec)  # trace before the clock starts
    measure = measure or evaluator(model)

    def eval_loss() -> float:
        return measure(data.x_eval, data.y_eval)[0]

    rng = np.random.default_rng(seed)
    done_epochs, per_step, losses = [0.0], [], [eval_loss()]
    for epoch in range(epochs):
        if on_epoch is not None:
            on_epoch(epoch)
        order = rng.permutation(len(x))
        start = 0
        for stop in checkpoints:
            tic = time.perf_counter()
            for s in range(start, stop):
                idx = order[s * batch_size : (s + 1) * batch_size]
                loss = step(tf.constant(x[idx]), tf.constant(y[idx]))
            float(loss)  # wait for the device
            per_step.append((time.perf_counter() - tic) / (stop - start))
            start = stop
            done_epochs.append(epoch + stop / steps_per_epoch)
            losses.append(eval_loss())
    if len(per_step) > 1:
        per_step[0] = float(np.median(per_step[1:]))
    steps = np.diff(np.round(np.array(done_epochs) * steps_per_epoch))
    seconds = np.concatenate([[0.0], np.cumsum(steps * np.array(per_step))])
    return Curve(np.array(done_epochs), seconds, np.array(losses))


def train_run(spec: CnnSpec, on_epoch: Callable[[int], Any] | None = None) -> dict[str, Any]:
    """Train one run and return its record (spec, results and provenance)."""
    from ..experiments.provenance import provenance

    keras.utils.set_random_seed(spec.seed)
    data = run_data(spec)
    model = build_model(spec)
    measure = evaluator(model)
    curve = train_curve(
        model, data, spec.epochs, spec.batch_size, spec.evals_per_epoch, spec.seed,
        spec.learning_rate, on_epoch, measure,
    )
    test_loss, test_accuracy = measure(data.x_test, data.y_test)
    return {
        "kind": spec.kind,
        "spec": spec.to_dict(),
        "spec_hash": spec.hash,
        "params": int(model.count_params()),
        "train_images": len(data.x),
        "eval_images": len(data.x_eval),
        "test_images": len(data.x_test),
        "curve": {
            "epochs": [float(v) for v in curve.epochs],
            "seconds": [float(v) for v in curve.seconds],
            "loss": [float(v) for v in curve.loss],
        },
        "final_loss": float(curve.loss[-1]),
        "test_loss": float(test_loss),
        "test_accuracy": float(test_accuracy),
        "train_seconds": float(curve.seconds[-1]),
        "seconds_per_epoch": float(curve.seconds[-1] / spec.epochs),
        **provenance(),
    }


def train_group(
    specs: Sequence[CnnSpec], on_epoch: Callable[[int], Any] | None = None
) -> list[dict[str, Any]]:
    """Train every spec, one after the other, and return their records in order."""
    return [train_run(spec, on_epoch) for spec in specs]
