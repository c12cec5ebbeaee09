"""Micro-benchmark of the CNN layers: forward + backward time per batch, under the current backend.

``python -m spectral_nb.cnn.bench [--batch 64] [--size 28] [--channels 16] [--repeats 30]``
prints one row per layer (milliseconds per compiled forward + backward step, median of
repeats): spectral pooling through the FFT and through the collapsed real matrices, max
pooling for reference, randomised resolution both ways, and ``Conv2D`` against
``SpectralConv2D``. The step is compiled the way each backend compiles a training step
(``tf.function`` under TensorFlow, ``jax.jit`` under JAX; PyTorch runs eagerly); set
``KERAS_BACKEND`` to choose the backend.

``--costs PROFILE`` instead times the training steps of the optimisation study's networks
(:func:`step_costs`), spatial and spectral filters interleaved in one process, which is how
the chapter turns its speed-ups in epochs into speed-ups in seconds.
"""

from __future__ import annotations

import argparse
import inspect
import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pandas as pd

from .conv import SpectralConv2D
from .pooling import SpectralPooling2D
from .randomized import RandomizedResolution

#: Interleaved step timing (:func:`step_costs`): (steps per timed block, repeats) per profile.
STEP_TIMING: dict[str, tuple[int, int]] = {"smoke": (3, 3), "quick": (10, 5), "paper": (20, 9)}


def _compiled_step(layer: keras.layers.Layer) -> Callable[[Any], list]:
    """``x -> gradients of sum(layer(x)^2)`` w.r.t. ``x`` and the weights, compiled."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function
        def tf_step(inputs: tf.Tensor) -> list:
            with tf.GradientTape() as tape:
                tape.watch(inputs)
                out = layer(inputs, training=True)
                loss = tf.reduce_sum(out * out)
            return tape.gradient(loss, [inputs, *layer.trainable_variables])

        return tf_step
    if backend == "jax":
        import jax

        frozen = [v.value for v in layer.non_trainable_variables]
        weights = [v.value for v in layer.trainable_variables]
        # stateless_call passes keywords to call(), which not every layer takes
        mode = {"training": True} if "training" in inspect.signature(layer.call).parameters else {}

        def loss(values: list, inputs: Any) -> Any:
            out, _ = layer.stateless_call(values, frozen, inputs, **mode)
            return jax.numpy.sum(out * out)

        grad = jax.jit(jax.grad(loss, argnums=(0, 1)))
        return lambda inputs: jax.tree_util.tree_leaves(grad(weights, inputs))
    if backend == "torch":
        import torch

        def torch_step(inputs: Any) -> list:
            inputs = inputs.detach().requires_grad_(True)
            out = layer(inputs, training=True)
            params = [v.value for v in layer.trainable_variables]
            return list(torch.autograd.grad(torch.sum(out * out), [inputs, *params]))

        return torch_step
    raise NotImplementedError(f"No benchmark step for the {backend!r} backend.")


def time_layer(layer: keras.layers.Layer, x: Any, repeats: int = 30) -> float:
    """Median milliseconds of one compiled forward + backward pass of ``layer`` on ``x``."""
    layer(x)  # build
    step = _compiled_step(layer)
    [keras.ops.convert_to_numpy(g) for g in step(x)]  # compile and warm up
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        [keras.ops.convert_to_numpy(g) for g in step(x)]
        times.append(time.perf_counter() - tic)
    return 1000.0 * float(np.median(times))


def layers_to_time(size: int, channels: int) -> dict[str, Callable[[], keras.layers.Layer]]:
    """The benchmarked layers by name (fresh instances)."""
    half = -(-size // 2)
    return {
        "MaxPooling2D(2)": lambda: keras.layers.MaxPooling2D(2, padding="same"),
        "SpectralPooling2D fft": lambda: SpectralPooling2D(half),
        "SpectralPooling2D matrix": lambda: SpectralPooling2D(half, implementation="matrix"),
        "RandomizedResolution fft": lambda: RandomizedResolution(0.3, seed=0),
        "RandomizedResolution matrix": lambda: RandomizedResolution(
            0.3, seed=0, implementation="matrix"
        ),
        "Conv2D 3x3": lambda: keras.layers.Conv2D(channels, 3, padding="same"),
        "SpectralConv2D 3x3": lambda: SpectralConv2D(channels, 3, padding="same"),
        "Conv2D 5x5": lambda: keras.layers.Conv2D(channels, 5, padding="same"),
        "SpectralConv2D 5x5": lambda: SpectralConv2D(channels, 5, padding="same"),
    }


def benchmark(
    batch: int = 64, size: int = 28, channels: int = 16, repeats: int = 30
) -> pd.DataFrame:
    """Time every layer on a random ``(batch, size, size, channels)`` float32 tensor."""
    x = keras.ops.convert_to_tensor(
        np.random.default_rng(0).random((batch, size, size, channels), "float32")
    )
    rows = [
        (name, time_layer(make(), x, repeats))
        for name, make in layers_to_time(size, channels).items()
    ]
    return pd.DataFrame(rows, columns=["layer", "ms_per_step"]).set_index("layer")


def project(profile: str, steps: int = 50) -> pd.DataFrame:
    """Time a few training steps of each network of ``profile``'s CNN studies and extrapolate.

    One row per network variant (pooling, filters, filter size): the runs that use it across
    the chapter's studies (each distinct run once), the measured seconds per training step
    and per evaluated image, and the projected hours of all its runs (training steps plus
    loss-curve and test evaluations). TensorFlow backend (the training loop's).
    """
    import tensorflow as tf

    from .spec import image_passes
    from .studies import distinct_specs
    from .training import build_model, evaluator, training_step

    specs = distinct_specs(profile)
    variants: dict[tuple, list] = {}
    for spec in specs:
        key = (spec.pooling, spec.parametrisation, spec.kernel_size, spec.filters,
               spec.batch_size)
        variants.setdefault(key, []).append(spec)
    rng = np.random.default_rng(0)
    rows = []
    for (pooling, param, k, filters, batch), group in variants.items():
        model = build_model(group[0])
        step = training_step(model)
        x = tf.constant(rng.random((batch, 28, 28, 1), "float32"))
        y = tf.constant(rng.integers(0, 10, batch).astype("int32"))
        float(step(x, y))
        tic = time.perf_counter()
        for _ in range(steps):
            loss = step(x, y)
        float(loss)
        per_step = (time.perf_counter() - tic) / steps
        measure = evaluator(model)
        images = rng.random((2000, 28, 28, 1), "float32")
        labels = rng.integers(0, 10, 2000).astype("int32")
        measure(images[:500], labels[:500])
        tic = time.perf_counter()
        measure(images, labels)
        per_image = (time.perf_counter() - tic) / len(images)
        seconds = 0.0
        for spec in group:
            train, evaluated = image_passes(spec)
            seconds += spec.epochs * (train // spec.batch_size) * per_step + evaluated * per_image
        rows.append({
            "pooling": pooling, "filters": f"{param} {k}x{k} {'-'.join(map(str, filters))}",
            "runs": len(group), "ms_per_step": 1000 * per_step,
            "us_per_eval_image": 1e6 * per_image, "hours": seconds / 3600,
        })
    return pd.DataFrame(rows)


def step_costs(profile: str, dataset: str = "fashion_mnist") -> pd.DataFrame:
    """Seconds per training step of the optimisation study's networks, interleaved.

    For each filter size of the study under ``profile``, the spatial and the spectral network
    of its first seed are built and their compiled Adam steps timed on one fixed batch, in one
    process, interleaved step by step: in each of ``repeats`` rounds the two networks of a
    size take ``steps`` steps each, one spatial and one spectral step in turn (which goes first
    alternating), so a change of the machine's load reaches both alike. ``ratio`` is the
    median over rounds of the spectral network's time over the spatial network's time in the
    same round; ``spatial_ms`` and ``spectral_ms`` are medians over rounds of milliseconds
    per step. Index: the size label (``"3x3"``); columns also ``steps``,
    ``repeats`` and ``batch``. TensorFlow backend (the training loop's).
    """
    import tensorflow as tf

    from .speedups import size_label
    from .studies import build
    from .training import build_model, training_step

    steps, repeats = STEP_TIMING[profile]
    study = build("cnn_optimisation", dataset, profile)
    first_seed = min(spec.seed for spec in study.specs)
    specs = {(s.kernel_size, s.parametrisation): s for s in study.specs if s.seed == first_seed}
    batch = next(iter(specs.values())).batch_size
    rng = np.random.default_rng(0)
    x = tf.constant(rng.random((batch, 28, 28, 1), "float32"))
    y = tf.constant(rng.integers(0, 10, batch).astype("int32"))
    step_of = {key: training_step(build_model(spec)) for key, spec in specs.items()}
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")  # one trace per new network is expected, not a retracing problem
    try:
        for step in step_of.values():  # trace and warm up
            float(step(x, y))
            float(step(x, y))
    finally:
        logger.setLevel(level)
    sizes = sorted({k for k, _ in step_of})
    # per (size, parametrisation): one total of `steps` step times per round
    totals: dict[tuple[int, str], list[float]] = {key: [] for key in step_of}
    for repeat in range(repeats):
        for k in sizes:
            spent = {"spatial": 0.0, "spectral": 0.0}
            for i in range(steps):
                first = ("spatial", "spectral") if (repeat + i) % 2 == 0 else (
                    "spectral", "spatial"
                )
                for param in first:
                    tic = time.perf_counter()
                    float(step_of[(k, param)](x, y))  # wait for the device
                    spent[param] += time.perf_counter() - tic
            for param, seconds in spent.items():
                totals[(k, param)].append(seconds / steps)
    rows = [
        {
            "filters": size_label(k),
            "spatial_ms": 1000 * float(np.median(totals[(k, "spatial")])),
            "spectral_ms": 1000 * float(np.median(totals[(k, "spectral")])),
            "ratio": float(np.median(np.divide(totals[(k, "spectral")],
                                               totals[(k, "spatial")]))),
            "steps": steps, "repeats": repeats, "batch": batch,
        }
        for k in sizes
    ]
    return pd.DataFrame(rows).set_index("filters")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=28)
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--project", metavar="PROFILE",
                        help="instead: time a few steps of every network of PROFILE's CNN "
                        "studies and print the projected training time")
    parser.add_argument("--costs", metavar="PROFILE",
                        help="instead: time the training steps of PROFILE's optimisation study, "
                        "spatial and spectral filters interleaved")
    args = parser.parse_args(argv)
    if args.costs:
        print(f"optimisation study, profile {args.costs}: seconds per training step, "
              "spatial and spectral interleaved")
        print(step_costs(args.costs).round(3).to_string())
        return
    if args.project:
        frame = project(args.project)
        print(f"CNN studies, profile {args.project}: {int(frame['runs'].sum())} runs, "
              f"projected {frame['hours'].sum():.2f} h on this CPU")
        print(frame.round(3).to_string(index=False))
        return
    table = benchmark(args.batch, args.size, args.channels, args.repeats)
    print(
        f"{keras.backend.backend()}: forward + backward, batch {args.batch}, "
        f"{args.size}x{args.size}x{args.channels}"
    )
    print(table.round(2).to_string())


if __name__ == "__main__":
    main()
