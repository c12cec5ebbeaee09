"""Experiments of the CNN chapter (``book/07_cnn.ipynb``) after Rippel, Snoek and Adams (2015).

Three studies, each a function returning a :class:`pandas.DataFrame`:

* :func:`information_preservation` -- relative l2 error of reconstructing images from spectral,
  max and average pooling versus the fraction of parameters kept (the paper's Fig. 4a);
* :func:`classification_study` -- a small CNN with max pooling, spectral pooling, and spectral
  pooling with randomised resolution, over seeds;
* :func:`optimisation_study` -- the same network with spatial (``Conv2D``) and spectral
  (:class:`~spectral_nb.cnn.SpectralConv2D`) filters, started from identical filters and trained
  with Adam on identical batches; epochs and seconds to reach the spatial model's final loss.

Sizes of every study per profile are in :data:`spectral_nb.profiles.CNN_SETTINGS`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from ..profiles import CNN_SETTINGS, NATURAL_IMAGES, CnnSettings
from ..profiles import settings as profile_settings
from .conv import SpectralConv2D
from .dft import spectral_pool, spectral_upsample
from .pooling import SpectralPooling2D
from .randomized import RandomizedResolution

POOLINGS: tuple[str, ...] = ("max", "spectral", "spectral+rr")
#: The paper's randomised-resolution schedule: c_m = alpha + (m / M)(beta - alpha).
RR_ALPHA, RR_BETA = 0.30, 0.15


def settings(profile: str) -> CnnSettings:
    """The :class:`~spectral_nb.profiles.CnnSettings` of a resolved profile."""
    return profile_settings(CNN_SETTINGS, profile)


# --- data -----------------------------------------------------------------------------------


def prepare(x: np.ndarray, y: np.ndarray, n: int = 0, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Scale uint8 images to ``[0, 1]``, add a channel axis and take ``n`` random ones (0: all)."""
    if n and n < len(x):
        idx = np.sort(np.random.default_rng(seed).choice(len(x), n, replace=False))
        x, y = x[idx], y[idx]
    return (x.astype("float32") / 255.0)[..., None], y.astype("int32")


def natural_images(names: Iterable[str] = NATURAL_IMAGES) -> dict[str, np.ndarray]:
    """Grey-scale float64 images in ``[0, 1]`` from the sample images shipped with scikit-image."""
    import skimage.color
    import skimage.data

    out = {}
    for name in names:
        image = getattr(skimage.data, name)()
        if image.ndim == 3:
            image = skimage.color.rgb2gray(image[..., :3])
        else:
            image = image / 255.0
        out[name] = np.asarray(image, dtype=np.float64)
    return out


# --- 1. information preservation ------------------------------------------------------------


def window_pool_reconstruction(images: np.ndarray, stride: int, mode: str) -> np.ndarray:
    """Max or average pool ``(batch, M, N)`` images with ``stride x stride`` windows, upsample back.

    Borders are padded by edge replication up to a multiple of the stride (the image is not
    cropped), and the pooled image is upsampled by repeating each value over its window
    (nearest neighbour), then cropped to ``M x N``. For average pooling this is the
    least-squares reconstruction (the orthogonal projection onto piecewise-constant images);
    max pooling has no better linear inverse.
    """
    if mode not in ("max", "average"):
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}.")
    b, m, n = images.shape
    pm, pn = -(-m // stride) * stride, -(-n // stride) * stride
    padded = np.pad(images, ((0, 0), (0, pm - m), (0, pn - n)), mode="edge")
    windows = padded.reshape(b, pm // stride, stride, pn // stride, stride)
    pooled = windows.max(axis=(2, 4)) if mode == "max" else windows.mean(axis=(2, 4))
    up = np.repeat(np.repeat(pooled, stride, axis=1), stride, axis=2)
    return up[:, :m, :n]


def spectral_reconstruction(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Spectral-pool ``(batch, M, N)`` images to ``size`` and zero-pad the spectrum back."""
    x = images[..., None]
    pooled = spectral_pool(x, size)
    return spectral_upsample(pooled, images.shape[1:3]).numpy()[..., 0]


def relative_errors(images: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    """``||x - x'|| / ||x||`` per image."""
    diff = (images - reconstructions).reshape(len(images), -1)
    return np.linalg.norm(diff, axis=1) / np.linalg.norm(images.reshape(len(images), -1), axis=1)


def information_preservation(
    images: np.ndarray,
    dataset: str,
    fractions: Sequence[float] = tuple(np.geomspace(1 / 64, 1, 19)),
    strides: Sequence[int] = (2, 3, 4, 5, 6, 8),
) -> pd.DataFrame:
    """Relative reconstruction error versus fraction of parameters kept, for one image batch.

    Parameters
    ----------
    images
        ``(batch, M, N)`` grey-scale images of one size.
    dataset
        Label written into the ``dataset`` column.
    fractions
        Target fractions for spectral pooling: output ``round(M sqrt f) x round(N sqrt f)``.
    strides
        Window sizes (= strides) for max and average pooling.

    Returns
    -------
    pandas.DataFrame
        One row per image and setting: ``dataset``, ``method``, ``setting`` (the target
        fraction for spectral pooling, the stride otherwise: the same label for images of
        different sizes), ``fraction`` (kept / total numbers of this image), ``error``.
    """
    images = np.asarray(images, dtype=np.float64)
    _, m, n = images.shape
    rows = []
    done = set()
    for f in fractions:
        h, w = max(1, round(m * math.sqrt(f))), max(1, round(n * math.sqrt(f)))
        if (h, w) in done:
            continue
        done.add((h, w))
        errors = relative_errors(images, spectral_reconstruction(images, (h, w)))
        rows += [("spectral", f"fraction {f:.4f}", h * w / (m * n), e) for e in errors]
    for stride in strides:
        if stride >= min(m, n):
            continue
        fraction = math.ceil(m / stride) * math.ceil(n / stride) / (m * n)
        for mode in ("max", "average"):
            errors = relative_errors(images, window_pool_reconstruction(images, stride, mode))
            rows += [(mode, f"stride {stride}", fraction, e) for e in errors]
    frame = pd.DataFrame(rows, columns=["method", "setting", "fraction", "error"])
    frame.insert(0, "dataset", dataset)
    return frame


def error_at_fraction(frame: pd.DataFrame, fraction: float) -> pd.DataFrame:
    """Mean error per dataset and method at the setting whose fraction is nearest ``fraction``."""
    mean = frame.groupby(["dataset", "method", "setting"], as_index=False)[
        ["fraction", "error"]
    ].mean()
    mean["distance"] = np.abs(np.log(mean["fraction"] / fraction))
    best = mean.loc[mean.groupby(["dataset", "method"])["distance"].idxmin()]
    return best.drop(columns="distance").reset_index(drop=True)


# --- models ---------------------------------------------------------------------------------


def rr_fractions(n_layers: int, alpha: float = RR_ALPHA, beta: float = RR_BETA) -> list[float]:
    """The paper's per-layer ``c_m = alpha + (m / M)(beta - alpha)``, ``m = 1 .. M``."""
    return [alpha + (m / n_layers) * (beta - alpha) for m in range(1, n_layers + 1)]


def build_cnn(
    pooling: str = "max",
    parametrisation: str = "spatial",
    kernel_size: int = 3,
    filters: Sequence[int] = (16, 32),
    input_shape: tuple[int, int, int] = (28, 28, 1),
    classes: int = 10,
    seed: int = 0,
    implementation: str = "matrix",
) -> keras.Model:
    """A small CNN: ``len(filters)`` blocks of conv + ReLU + pooling (halving), then a dense layer.

    Parameters
    ----------
    pooling
        ``"max"`` (2x2, stride 2), ``"spectral"`` (:class:`SpectralPooling2D` to half the size,
        rounded up) or ``"spectral+rr"`` (the same followed by :class:`RandomizedResolution`
        with the paper's schedule :func:`rr_fractions`).
    parametrisation
        ``"spatial"`` (``keras.layers.Conv2D``) or ``"spectral"`` (:class:`SpectralConv2D`).
    kernel_size, filters, input_shape, classes
        Architecture. Convolutions use ``same`` padding.
    seed
        Seeds every initializer and random layer, so two calls with the same seed give the
        same initial filters whatever the pooling or parametrisation.
    implementation
        Of the spectral layers: ``"matrix"`` (default, fast on a CPU) or ``"fft"``; the same map.
    """
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
    if parametrisation not in ("spatial", "spectral"):
        raise ValueError(
            f"parametrisation must be 'spatial' or 'spectral', got {parametrisation!r}."
        )
    inputs = keras.Input(input_shape)
    h = inputs
    size = np.array(input_shape[:2])
    fractions = rr_fractions(len(filters))
    conv_class = keras.layers.Conv2D if parametrisation == "spatial" else SpectralConv2D
    for i, f in enumerate(filters):
        h = conv_class(
            f, kernel_size, padding="same", activation="relu",
            kernel_initializer=keras.initializers.GlorotUniform(seed * 100 + i),
            name=f"conv{i + 1}",
        )(h)
        if pooling == "max":
            h = keras.layers.MaxPooling2D(2, padding="same", name=f"pool{i + 1}")(h)
            size = -(-size // 2)
        else:
            size = -(-size // 2)
            h = SpectralPooling2D(
                tuple(int(s) for s in size), implementation=implementation, name=f"pool{i + 1}"
            )(h)
            if pooling == "spectral+rr":
                h = RandomizedResolution(
                    fractions[i], seed=seed * 100 + i, implementation=implementation,
                    name=f"rr{i + 1}",
                )(h)
    h = keras.layers.Flatten()(h)
    outputs = keras.layers.Dense(
        classes, kernel_initializer=keras.initializers.GlorotUniform(seed * 100 + 99),
        name="logits",
    )(h)
    name = f"cnn_{pooling.replace('+', '_')}_{parametrisation}_{kernel_size}x{kernel_size}"
    return keras.Model(inputs, outputs, name=name)


def copy_weights(source: keras.Model, target: keras.Model) -> None:
    """Give ``target`` the function of ``source``: same filters (spatial or spectral), same rest."""
    for src, dst in zip(source.layers, target.layers, strict=True):
        if not src.weights:
            continue
        if isinstance(dst, SpectralConv2D):
            kernel = src.spatial_kernel() if isinstance(src, SpectralConv2D) else src.kernel
            dst.set_spatial_kernel(keras.ops.convert_to_numpy(kernel))
            if dst.bias is not None:
                dst.bias.assign(src.bias)
        elif isinstance(src, SpectralConv2D):
            dst.kernel.assign(src.spatial_kernel())
            dst.bias.assign(src.bias)
        else:
            dst.set_weights(src.get_weights())


# --- 2. classification ----------------------------------------------------------------------


class _EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs: Any = None) -> None:
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)


def classification_study(
    data: dict[str, tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]],
    config: CnnSettings,
    poolings: Sequence[str] = POOLINGS,
    learning_rate: float = 1e-3,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Train the CNN of :func:`build_cnn` with each pooling over seeds; one row per run.

    ``data`` maps a dataset name to ``load(name)``'s ``((x_train, y_train), (x_test, y_test))``.
    Columns: ``dataset``, ``pooling``, ``seed``, ``params``, ``epochs``, ``train_images``,
    ``test_accuracy``, ``test_loss``, ``train_loss``, ``seconds_per_epoch`` (median over
    epochs after the first, which includes graph tracing; the first if there is only one).
    """
    rows = []
    for dataset, ((x_train, y_train), (x_test, y_test)) in data.items():
        for seed in config.clf_seeds:
            xtr, ytr = prepare(x_train, y_train, config.clf_train, seed)
            xte, yte = prepare(x_test, y_test, config.clf_test, 0)
            for pooling in poolings:
                keras.utils.set_random_seed(seed)
                model = build_cnn(pooling, filters=config.filters, seed=seed,
                                  input_shape=xtr.shape[1:])
                model.compile(
                    keras.optimizers.Adam(learning_rate),
                    keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=["accuracy"],
                )
                timer = _EpochTimer()
                history = model.fit(
                    xtr, ytr, batch_size=config.batch_size, epochs=config.clf_epochs,
                    verbose=0, callbacks=[timer], shuffle=True,
                )
                test_loss, test_acc = model.evaluate(xte, yte, batch_size=512, verbose=0)
                seconds = timer.seconds[1:] or timer.seconds
                rows.append(
                    {
                        "dataset": dataset, "pooling": pooling, "seed": seed,
                        "params": model.count_params(), "epochs": config.clf_epochs,
                        "train_images": len(xtr), "test_accuracy": float(test_acc),
                        "test_loss": float(test_loss),
                        "train_loss": float(history.history["loss"][-1]),
                        "seconds_per_epoch": float(np.median(seconds)),
                    }
                )
                if progress:
                    progress(f"{dataset} {pooling} seed {seed}: acc {test_acc:.4f}")
    return pd.DataFrame(rows)


# --- 3. optimisation: spatial versus spectral parametrisation -------------------------------


@dataclass
class Curve:
    """A training-loss curve: loss on a fixed subset after ``epochs[i]`` epochs, ``seconds[i]``."""

    epochs: np.ndarray
    seconds: np.ndarray
    loss: np.ndarray


def train_curve(
    model: keras.Model,
    x: np.ndarray,
    y: np.ndarray,
    x_eval: np.ndarray,
    y_eval: np.ndarray,
    epochs: int,
    batch_size: int,
    evals_per_epoch: int,
    seed: int,
    learning_rate: float = 1e-3,
) -> Curve:
    """Train with Adam on batches in a seeded order, measuring the loss on ``x_eval`` as it goes.

    Two models trained with the same ``seed`` see exactly the same batches. Seconds count the
    training steps only (not the loss measurements, not graph tracing); the first segment
    between measurements, which pays one-off kernel set-up, is counted at the median step time.
    """
    optimizer = keras.optimizers.Adam(learning_rate)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    variables = model.trainable_variables
    optimizer.build(variables)

    @tf.function
    def step(xb: tf.Tensor, yb: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        optimizer.apply(tape.gradient(loss, variables), variables)
        return loss

    eval_batch = 500
    x_eval_t = tf.constant(x_eval)
    y_eval_t = tf.constant(y_eval)

    @tf.function
    def eval_loss() -> tf.Tensor:
        total = tf.constant(0.0)
        for start in range(0, len(x_eval), eval_batch):
            xb = x_eval_t[start : start + eval_batch]
            yb = y_eval_t[start : start + eval_batch]
            total += loss_fn(yb, model(xb, training=False)) * tf.cast(tf.shape(xb)[0], "float32")
        return total / len(x_eval)

    steps_per_epoch = len(x) // batch_size
    checkpoints = sorted(
        {round(steps_per_epoch * (i + 1) / evals_per_epoch) for i in range(evals_per_epoch)}
    )
    spec = (tf.TensorSpec((batch_size, *x.shape[1:]), tf.float32), tf.TensorSpec((batch_size,),
                                                                                 tf.int32))
    step.get_concrete_function(*spec)  # trace before the clock starts
    eval_loss.get_concrete_function()
    rng = np.random.default_rng(seed)
    done_epochs, per_step, losses = [0.0], [], [float(eval_loss())]
    for epoch in range(epochs):
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
            losses.append(float(eval_loss()))
    # The first segment pays one-off kernel set-up; count it at the median step time.
    if len(per_step) > 1:
        per_step[0] = float(np.median(per_step[1:]))
    steps = np.diff(np.round(np.array(done_epochs) * steps_per_epoch))
    seconds = np.concatenate([[0.0], np.cumsum(steps * np.array(per_step))])
    return Curve(np.array(done_epochs), seconds, np.array(losses))


def time_to_loss(curve: Curve, target: float, axis: str = "epochs") -> float:
    """First time (``"epochs"`` or ``"seconds"``) the curve reaches ``target``; NaN if never.

    Linear interpolation between the two measurements around the crossing.
    """
    t = curve.epochs if axis == "epochs" else curve.seconds
    below = np.nonzero(curve.loss <= target)[0]
    if not len(below):
        return float("nan")
    i = int(below[0])
    if i == 0:
        return float(t[0])
    l0, l1 = curve.loss[i - 1], curve.loss[i]
    frac = (l0 - target) / (l0 - l1) if l0 != l1 else 1.0
    return float(t[i - 1] + frac * (t[i] - t[i - 1]))


def optimisation_study(
    data: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    config: CnnSettings,
    learning_rate: float = 1e-3,
    pooling: str = "max",
    progress: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spatial versus spectral filters, same initial filters and batches, Adam.

    Returns
    -------
    summary
        One row per (kernel size, seed): final spatial loss (the target), epochs and seconds
        the spectral model needs to reach it, speed-up factors (``spatial epochs / spectral
        epochs``; NaN when the spectral model never reaches the target), final losses and
        seconds per epoch of both parametrisations.
    curves
        Long table of both loss curves: ``kernel_size``, ``seed``, ``parametrisation``,
        ``epoch``, ``seconds``, ``loss``.
    """
    (x_train, y_train), _ = data
    rows, curve_rows = [], []
    for kernel_size in config.opt_kernel_sizes:
        for seed in config.opt_seeds:
            x, y = prepare(x_train, y_train, config.opt_train, seed)
            eval_idx = np.random.default_rng(seed + 1).choice(
                len(x), min(config.opt_eval, len(x)), replace=False
            )
            curves = {}
            spatial = build_cnn(pooling, "spatial", kernel_size, config.filters, x.shape[1:],
                                seed=seed)
            spectral = build_cnn(pooling, "spectral", kernel_size, config.filters, x.shape[1:],
                                 seed=seed)
            copy_weights(spatial, spectral)
            for name, model in (("spatial", spatial), ("spectral", spectral)):
                curves[name] = train_curve(
                    model, x, y, x[eval_idx], y[eval_idx], config.opt_epochs,
                    config.batch_size, config.opt_evals_per_epoch, seed, learning_rate,
                )
                c = curves[name]
                curve_rows += [
                    (kernel_size, seed, name, e, s, loss)
                    for e, s, loss in zip(c.epochs, c.seconds, c.loss, strict=True)
                ]
            sp, sc = curves["spatial"], curves["spectral"]
            target = float(sp.loss[-1])
            epochs_needed = time_to_loss(sc, target, "epochs")
            seconds_needed = time_to_loss(sc, target, "seconds")
            rows.append(
                {
                    "kernel_size": f"{kernel_size}x{kernel_size}", "seed": seed,
                    "target_loss": target, "spectral_final_loss": float(sc.loss[-1]),
                    "spatial_epochs": float(sp.epochs[-1]), "spectral_epochs": epochs_needed,
                    "speedup_epochs": float(sp.epochs[-1]) / epochs_needed,
                    "speedup_seconds": float(sp.seconds[-1]) / seconds_needed,
                    "spatial_s_per_epoch": float(sp.seconds[-1] / sp.epochs[-1]),
                    "spectral_s_per_epoch": float(sc.seconds[-1] / sc.epochs[-1]),
                }
            )
            if progress:
                progress(f"{kernel_size}x{kernel_size} seed {seed}: speed-up "
                         f"{rows[-1]['speedup_epochs']:.2f}")
    curves_frame = pd.DataFrame(
        curve_rows, columns=["kernel_size", "seed", "parametrisation", "epoch", "seconds", "loss"]
    )
    curves_frame["kernel_size"] = curves_frame["kernel_size"].map(lambda k: f"{k}x{k}")
    return pd.DataFrame(rows), curves_frame


# --- summaries for the chapter --------------------------------------------------------------

#: Speed-ups of Adam with spectral filters reported by the paper (Deep, Generic, Sp. Pool nets).
PAPER_SPEEDUPS: dict[str, tuple[float, ...]] = {"3x3": (2.2, 2.2, 2.4), "5x5": (4.8, 5.1, 4.8)}


def information_table(
    frame: pd.DataFrame, fractions: Sequence[float] = (1 / 4, 1 / 16)
) -> pd.DataFrame:
    """Mean relative error per dataset and method at the settings nearest each fraction."""
    parts = []
    for f in fractions:
        part = error_at_fraction(frame, f)
        part["target"] = f"1/{round(1 / f)}"
        parts.append(part)
    table = pd.concat(parts).pivot_table(
        index=["dataset", "target"], columns="method", values="error", sort=False
    )
    return table[[m for m in ("spectral", "average", "max") if m in table.columns]]


def spectral_beats(frame: pd.DataFrame, other: str = "max") -> tuple[int, int]:
    """At how many of ``other``'s (dataset, stride) points spectral pooling has lower mean error.

    The spectral error at the stride's fraction is interpolated linearly in log-fraction
    between the measured spectral settings. Returns ``(wins, points)``.
    """
    mean = frame.groupby(["dataset", "method", "setting"], as_index=False)[
        ["fraction", "error"]
    ].mean()
    wins = points = 0
    for _, sub in mean.groupby("dataset"):
        spec = sub[sub["method"] == "spectral"].sort_values("fraction")
        for _, row in sub[sub["method"] == other].iterrows():
            if not spec["fraction"].min() <= row["fraction"] <= spec["fraction"].max():
                continue
            interpolated = np.interp(
                np.log(row["fraction"]), np.log(spec["fraction"]), spec["error"]
            )
            points += 1
            wins += bool(interpolated < row["error"])
    return wins, points


def classification_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over seeds of the test accuracy, parameters, seconds/epoch."""
    return frame.groupby(["dataset", "pooling"], sort=False).agg(
        accuracy_mean=("test_accuracy", "mean"),
        accuracy_std=("test_accuracy", "std"),
        seeds=("seed", "nunique"),
        params=("params", "first"),
        epochs=("epochs", "first"),
        train_images=("train_images", "first"),
        seconds_per_epoch=("seconds_per_epoch", "mean"),
    )


def speedup_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Per kernel size: geometric-mean speed-ups over the runs that reached the target.

    ``reached`` counts runs in which the spectral model reached the spatial model's final
    loss at all (a run that never does has a speed-up below 1 that cannot be measured here).
    """
    rows = []
    for size, sub in summary.groupby("kernel_size", sort=False):
        ok = sub[np.isfinite(sub["speedup_epochs"])]
        rows.append(
            {
                "kernel_size": size,
                "reached": f"{len(ok)}/{len(sub)}",
                "speedup_epochs": _geomean(ok["speedup_epochs"]),
                "speedup_min": float(ok["speedup_epochs"].min()) if len(ok) else np.nan,
                "speedup_max": float(ok["speedup_epochs"].max()) if len(ok) else np.nan,
                "speedup_seconds": _geomean(ok["speedup_seconds"]),
                "spatial_s_per_epoch": float(sub["spatial_s_per_epoch"].mean()),
                "spectral_s_per_epoch": float(sub["spectral_s_per_epoch"].mean()),
                "paper_speedups": ", ".join(f"{v:.1f}" for v in PAPER_SPEEDUPS.get(size, ())),
            }
        )
    return pd.DataFrame(rows).set_index("kernel_size")


def _geomean(values: Iterable[float]) -> float:
    values = np.asarray(list(values), dtype=float)
    return float(np.exp(np.mean(np.log(values)))) if len(values) else float("nan")


def speedup_verdict(table: pd.DataFrame) -> str:
    """One sentence comparing the measured speed-ups with the paper's, per kernel size."""
    parts = []
    for size, row in table.iterrows():
        value = row["speedup_epochs"]
        paper = min(PAPER_SPEEDUPS.get(size, (np.nan,)))
        if not np.isfinite(value):
            kind = "no run reached the target, so no speed-up was measured"
        elif value >= 0.9 * paper:
            kind = "a speed-up as large as the paper's"
        elif value > 1.1:
            kind = "a speed-up, smaller than the paper's"
        elif value >= 0.9:
            kind = "no clear speed-up"
        else:
            kind = "a slow-down"
        parts.append(f"{size} filters: {kind}")
    return "; ".join(parts) + "."


def classification_verdict(table: pd.DataFrame, dataset: str = "fashion_mnist") -> str:
    """Compare spectral and max pooling accuracy against the spread over seeds (two std)."""
    sub = table.loc[dataset]
    diff = sub.loc["spectral", "accuracy_mean"] - sub.loc["max", "accuracy_mean"]
    if sub.loc["max", "seeds"] < 2 or sub.loc["spectral", "seeds"] < 2:
        return "one seed is not enough to tell the two apart"
    spread = max(sub.loc[p, "accuracy_std"] for p in ("spectral", "max"))
    if abs(diff) <= 2 * spread:
        return "the difference is within two standard deviations over seeds"
    return "spectral pooling is " + ("better" if diff > 0 else "worse") + (
        " by more than two standard deviations over seeds"
    )
