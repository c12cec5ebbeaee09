"""Fully connected runs (kind ``fc``): train a group with the engine, one record per run.

A record holds what the book reads: the spec and its hash, the exact trained-parameter
count, per-epoch losses and accuracies (test accuracy also on each half of the test set, for
cross-fitted selection), a histogram of the retracted first linear map's weights (the
weight-distribution figures), the wall time, the group size it was trained in, and where and
with what it was produced (:func:`.provenance.provenance`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..data.registry import TRAIN_IMAGES
from ..operators import spectral_kernel
from .protocol.spec import RunSpec
from .provenance import provenance

HISTOGRAM_BINS = 60
# Seconds per (weight x training example x epoch), the median over the committed
# paper-profile records; runs of small networks pay a per-step overhead on top.
SECONDS_PER_WEIGHT_EXAMPLE = 2.4e-11
SECONDS_PER_STEP = 1e-3


def estimate_seconds(specs: Sequence[RunSpec]) -> float:
    """A rough training time for ``specs`` on a CPU like the one the records were made on."""
    total = 0.0
    for spec in specs:
        examples = spec.train_size or TRAIN_IMAGES
        weights = sum(a * b for a, b in zip(spec.sizes[:-1], spec.sizes[1:], strict=True))
        steps = -(-examples // spec.batch_size) * spec.epochs
        total += SECONDS_PER_WEIGHT_EXAMPLE * weights * examples * spec.epochs
        total += SECONDS_PER_STEP * steps
    return total


def train_group(
    specs: Sequence[RunSpec], on_epoch: Callable[[int], Any] | None = None
) -> list[dict[str, Any]]:
    """Train compatible ``specs`` together with the engine; one record per spec, in order."""
    from ..data.subsets import load_dataset
    from .engine.trainer import train_runs

    first = specs[0]
    data = load_dataset(first.dataset, first.train_size, first.test_size)
    return [make_record(result) for result in train_runs(list(specs), data, on_epoch)]


def layer_kernels(result: Any) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Each trained layer's kernel ``(inputs, units)`` and bias, in float64."""
    kernels = []
    for layer in result.parameters:
        if "eigenvectors" in layer:
            # eigenvectors in float64, eigenvalue differences as trained (float32)
            phi = layer["eigenvectors"].astype(np.float64)
            kernel = spectral_kernel(phi, layer["eigenvalues_in"], layer["eigenvalues_out"])
            kernels.append((kernel, None))
        else:
            kernels.append((layer["kernel"].astype(np.float64), layer["bias"].astype(np.float64)))
    return kernels


def retracted_input_kernel(result: Any) -> np.ndarray:
    """The first run of linear layers fused into one kernel (784 x 10 for linear nets)."""
    kernels = layer_kernels(result)
    fused = kernels[0][0]
    for k, activation in enumerate(result.spec.activations[:-1]):
        if activation != "linear":
            break
        fused = fused @ kernels[k + 1][0]
    return fused


def weight_summary(weights: np.ndarray) -> dict[str, Any]:
    """Histogram and moments of a weight matrix's entries (for the weight-distribution figures)."""
    flat = weights.ravel()
    edge = float(np.max(np.abs(flat))) or 1.0
    counts, edges = np.histogram(flat, bins=HISTOGRAM_BINS, range=(-edge, edge))
    centred = flat - flat.mean()
    std = float(flat.std())
    return {
        "shape": list(weights.shape),
        "mean": float(flat.mean()),
        "std": std,
        "excess_kurtosis": float((centred**4).mean() / std**4 - 3.0) if std > 0 else 0.0,
        "histogram_edges": [round(float(e), 7) for e in edges],
        "histogram_counts": counts.tolist(),
    }


def make_record(result: Any) -> dict[str, Any]:
    """The record of one trained run (``result``: the engine's ``RunResult``)."""
    spec = result.spec
    return {
        "kind": spec.kind,
        "study": spec.tags.get("study"),
        "spec": spec.to_dict(),
        "spec_hash": spec.hash,
        "trainable_parameters": spec.trainable_parameter_count(),
        "final_test_accuracy": result.test_accuracy[-1],
        "history": {
            "train_loss": result.train_loss,
            "train_accuracy": result.train_accuracy,
            "test_accuracy": result.test_accuracy,
            "test_accuracy_first_half": [a for a, _ in result.test_accuracy_halves],
            "test_accuracy_second_half": [b for _, b in result.test_accuracy_halves],
        },
        "retracted_weights": weight_summary(retracted_input_kernel(result)),
        "wall_time_s": result.wall_time_s,
        "trained_together_with": result.group_size,
        **provenance(),
    }
