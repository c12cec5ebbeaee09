"""Run records to frames: filters, what a set of runs is, learning curves, over-fitting.

Works on the records of :func:`spectral_nb.experiments.runner.run_study` (dicts with
``spec``, ``history``, ``retracted_weights``, ``trainable_parameters``, ``device``, ...);
nothing trains.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .labels import convention_of
from .summaries import runs_frame

__all__ = [
    "RUN_FACTS", "add_depth", "chapter_facts", "hidden_widths", "learning_curves",
    "overfitting_frame", "run_description", "same_protocol", "select_records",
]

# The facts of run_description that a chapter's "where the numbers come from" note quotes.
RUN_FACTS: tuple[str, ...] = (
    "seeds", "epochs", "train_examples", "test_examples", "runs", "devices",
)


def select_records(
    records: Iterable[Mapping[str, Any]],
    *,
    regime: str | Sequence[str] | None = None,
    convention: str | Sequence[str] | None = None,
    point: str | Sequence[str] | None = None,
    dataset: str | None = None,
) -> list[Mapping[str, Any]]:
    """The records matching every given filter (``convention`` is ``"-"`` for baselines)."""

    def wanted(value: Any, choice: str | Sequence[str] | None) -> bool:
        if choice is None:
            return True
        return value == choice if isinstance(choice, str) else value in choice

    return [
        r
        for r in records
        if wanted(r["spec"]["regime"], regime)
        and wanted(convention_of(r), convention)
        and wanted(r["spec"].get("tags", {}).get("point", ""), point)
        and (dataset is None or r["spec"]["dataset"] == dataset)
    ]


def run_description(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """What the records are: run count, seeds, epochs, training and test examples, devices.

    Sizes of ``None`` (the whole split) are replaced by the split's size from the dataset
    registry. Values that differ between records are joined as text (``"5, 20"``).
    """
    from ..data.registry import get_spec

    records = list(records)
    if not records:
        raise ValueError("No run records to describe; run the study first.")

    def joined(values: Iterable[Any]) -> Any:
        unique = sorted(set(values), key=str)
        return unique[0] if len(unique) == 1 else ", ".join(map(str, unique))

    def size(spec: Mapping[str, Any], key: str, array: str) -> int:
        value = spec.get(key)
        return int(value) if value is not None else get_spec(spec["dataset"]).shapes[array][0]

    specs = [r["spec"] for r in records]
    return {
        "runs": len(records),
        "seeds": len({s["seed"] for s in specs}),
        "epochs": joined(s["epochs"] for s in specs),
        "train_examples": joined(f"{size(s, 'train_size', 'x_train'):,}" for s in specs),
        "test_examples": joined(f"{size(s, 'test_size', 'x_test'):,}" for s in specs),
        "devices": joined(r.get("device") or "unknown" for r in records),
        "wall_time_s": float(sum(r.get("wall_time_s") or 0.0 for r in records)),
    }


def chapter_facts(records: Iterable[Mapping[str, Any]], profile: str) -> dict[str, Any]:
    """The :data:`RUN_FACTS` of :func:`run_description` and the profile, for a chapter's note."""
    about = run_description(records)
    return {**{key: about[key] for key in RUN_FACTS}, "profile": profile}


def hidden_widths(records: Iterable[Mapping[str, Any]]) -> str:
    """The first hidden layer's widths N₂ of a sweep, ascending: ``"20, 50, 100"``."""
    return ", ".join(map(str, sorted({r["spec"]["sizes"][1] for r in records})))


def same_protocol(
    first: Iterable[Mapping[str, Any]], second: Iterable[Mapping[str, Any]]
) -> bool:
    """Whether two sets of runs have the same specifications apart from their dataset."""

    def protocol(records: Iterable[Mapping[str, Any]]) -> list[str]:
        return sorted(
            str({k: v for k, v in r["spec"].items() if k != "dataset"}) for r in records
        )

    return protocol(first) == protocol(second)


def add_depth(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with ``depth`` (the l of the deep study, from point tags ``l3:...``)."""
    out = frame.copy()
    depth = out["point"].astype(str).str.extract(r"^l(\d+):", expand=False)
    if depth.isna().any():
        bad = sorted(out.loc[depth.isna(), "point"].astype(str).unique())
        raise ValueError(f"Points without a depth prefix 'l<k>:': {bad}.")
    out["depth"] = depth.astype(int)
    return out


def learning_curves(
    records: Iterable[Mapping[str, Any]], key: str = "test_accuracy"
) -> pd.DataFrame:
    """Per regime, convention and epoch: mean, min and max over seeds of ``history[key]``.

    Accuracies are converted to percent; the loss is left as it is.
    """
    rows = []
    for record in records:
        values = np.asarray(record["history"][key], dtype=float)
        if "accuracy" in key:
            values = values * 100
        for epoch, value in enumerate(values, start=1):
            rows.append(
                {
                    "regime": record["spec"]["regime"], "convention": convention_of(record),
                    "seed": record["spec"]["seed"], "epoch": epoch, "value": value,
                }
            )
    if not rows:
        raise ValueError("No records to draw learning curves of.")
    frame = pd.DataFrame(rows)
    return (
        frame.groupby(["regime", "convention", "epoch"], sort=False)["value"]
        .agg(mean="mean", low="min", high="max", n_seeds="count")
        .reset_index()
    )


def overfitting_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """:func:`~.summaries.runs_frame` plus over-fitting measures, in points.

    ``train_accuracy``: final-epoch training accuracy (%), as accumulated over the last
    epoch's mini-batches; ``generalisation_gap``: that minus the final test accuracy;
    ``drop_from_best``: best-epoch minus final-epoch test accuracy (how much was lost by
    training on after the best epoch).
    """
    if not records:
        raise ValueError("No records to measure over-fitting on.")
    frame = runs_frame(records)
    frame["train_accuracy"] = [100 * r["history"]["train_accuracy"][-1] for r in records]
    frame["generalisation_gap"] = frame["train_accuracy"] - frame["accuracy"]
    frame["drop_from_best"] = frame["best_epoch_accuracy"] - frame["accuracy"]
    return frame
