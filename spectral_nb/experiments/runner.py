"""Run a study: train what is not yet recorded, in groups, and record each finished run."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import numpy as np

from .engine.tensors import load_dataset
from .engine.trainer import RunResult, group_key, train_runs
from .protocol.spec import RunSpec
from .protocol.studies import Study
from .provenance import provenance
from .store import ResultsStore, default_root

MAX_RUNS_PER_GROUP = 10
HISTOGRAM_BINS = 60


def layer_kernels(result: RunResult) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Each trained layer's kernel ``(inputs, units)`` and bias, in float64."""
    kernels = []
    for layer in result.parameters:
        if "eigenvectors" in layer:
            phi = layer["eigenvectors"].astype(np.float64)
            kernel = phi * (layer["eigenvalues_in"][:, None] - layer["eigenvalues_out"][None, :])
            kernels.append((kernel, None))
        else:
            kernels.append((layer["kernel"].astype(np.float64), layer["bias"].astype(np.float64)))
    return kernels


def retracted_input_kernel(result: RunResult) -> np.ndarray:
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


def make_record(study: str, result: RunResult) -> dict[str, Any]:
    spec = result.spec
    return {
        "study": study,
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


def plan_groups(specs: Iterable[RunSpec], max_runs: int = MAX_RUNS_PER_GROUP) -> list[list]:
    """Split specs into groups that one compiled program trains together."""
    by_key: OrderedDict[tuple, list[RunSpec]] = OrderedDict()
    for spec in specs:
        by_key.setdefault(group_key(spec), []).append(spec)
    groups = []
    for members in by_key.values():
        for start in range(0, len(members), max_runs):
            groups.append(members[start : start + max_runs])
    return groups


def run_study(
    study: Study, store: ResultsStore | None = None, progress: bool = True,
    max_runs_per_group: int = MAX_RUNS_PER_GROUP,
) -> list[dict[str, Any]]:
    """Train every run of ``study`` that has no record yet; return all its records.

    Records are written as each group finishes, so an interrupted study resumes where it
    stopped; nothing already recorded is trained again.
    """
    store = store or ResultsStore(default_root(study.profile))
    pending = [spec for spec in study.specs if not store.has(study.name, spec)]
    if pending:
        _train_pending(study, pending, store, progress, max_runs_per_group)
    return [store.read(study.name, spec) for spec in study.specs]


def _train_pending(
    study: Study, pending: list[RunSpec], store: ResultsStore, progress: bool, max_runs: int
) -> None:
    from tqdm.auto import tqdm

    bar = tqdm(
        total=len(pending), desc=f"{study.dataset}/{study.name} ({study.profile})", unit="run",
        disable=not progress,
    )
    try:
        for group in plan_groups(pending, max_runs):
            first = group[0]
            data = load_dataset(first.dataset, first.train_size, first.test_size)
            label = f"{'-'.join(map(str, first.sizes))} x{len(group)}"

            def on_epoch(epoch: int, label: str = label, epochs: int = first.epochs) -> None:
                bar.set_postfix_str(f"{label} epoch {epoch + 1}/{epochs}")

            for result in train_runs(group, data, on_epoch):
                store.write(study.name, make_record(study.name, result))
            bar.update(len(group))
    finally:
        bar.close()
