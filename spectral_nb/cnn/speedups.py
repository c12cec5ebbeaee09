"""The optimisation study of the CNN chapter: how many epochs Adam needs with spectral filters.

Each spectral run is paired with the spatial run of the same filter size and seed; the target
is the spatial run's final training loss, and the speed-up is the spatial run's epochs (or
seconds) over the spectral run's time to reach that loss, interpolated linearly between
measurements (:func:`time_to_loss`). Per filter size the speed-ups are summarised by their
geometric mean over the runs that reached the target (:func:`speedup_table`), beside the
paper's (:data:`PAPER_SPEEDUPS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Speed-ups of Adam with spectral filters reported by the paper (Deep, Generic, Sp. Pool nets).
PAPER_SPEEDUPS: dict[str, tuple[float, ...]] = {"3x3": (2.2, 2.2, 2.4), "5x5": (4.8, 5.1, 4.8)}
#: What a table shows where a number could not be measured (a speed-up no run reached).
NOT_MEASURED = "not measured"


def number_or_not_measured(value: float, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals, or :data:`NOT_MEASURED` for NaN."""
    return NOT_MEASURED if not np.isfinite(value) else f"{value:.{digits}f}"


@dataclass
class Curve:
    """A training-loss curve: loss on a fixed subset after ``epochs[i]`` epochs, ``seconds[i]``."""

    epochs: np.ndarray
    seconds: np.ndarray
    loss: np.ndarray


def curve_of(record: dict[str, Any]) -> Curve:
    """The loss curve stored in a record."""
    c = record["curve"]
    return Curve(np.array(c["epochs"]), np.array(c["seconds"]), np.array(c["loss"]))


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


def optimisation_frames(records: Iterable[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pair each spectral run with the spatial run of the same filter size and seed.

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
    runs: dict[tuple[int, int, str], dict[str, Any]] = {}
    for r in records:
        s = r["spec"]
        runs[(s["kernel_size"], s["seed"], s["parametrisation"])] = r
    rows, curve_rows = [], []
    for (k, seed, param), record in sorted(runs.items()):
        c = curve_of(record)
        curve_rows += [
            (f"{k}x{k}", seed, param, e, t, loss)
            for e, t, loss in zip(c.epochs, c.seconds, c.loss, strict=True)
        ]
        if param != "spectral" or (k, seed, "spatial") not in runs:
            continue
        sp, sc = curve_of(runs[(k, seed, "spatial")]), c
        target = float(sp.loss[-1])
        epochs_needed = time_to_loss(sc, target, "epochs")
        seconds_needed = time_to_loss(sc, target, "seconds")
        rows.append(
            {
                "kernel_size": f"{k}x{k}", "seed": seed,
                "target_loss": target, "spectral_final_loss": float(sc.loss[-1]),
                "spatial_epochs": float(sp.epochs[-1]), "spectral_epochs": epochs_needed,
                "speedup_epochs": float(sp.epochs[-1]) / epochs_needed,
                "speedup_seconds": float(sp.seconds[-1]) / seconds_needed,
                "spatial_s_per_epoch": float(sp.seconds[-1] / sp.epochs[-1]),
                "spectral_s_per_epoch": float(sc.seconds[-1] / sc.epochs[-1]),
            }
        )
    curves = pd.DataFrame(
        curve_rows, columns=["kernel_size", "seed", "parametrisation", "epoch", "seconds", "loss"]
    )
    return pd.DataFrame(rows), curves


def paper_span(values: Sequence[float]) -> str:
    """``"2.2 to 2.4"`` (or one value, or nothing)."""
    if not values:
        return ""
    low, high = min(values), max(values)
    return f"{low:.1f}" if low == high else f"{low:.1f} to {high:.1f}"


def _geomean(values: Iterable[float]) -> float:
    values = np.asarray(list(values), dtype=float)
    return float(np.exp(np.mean(np.log(values)))) if len(values) else float("nan")


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
                "paper_speedups": paper_span(PAPER_SPEEDUPS.get(size, ())),
            }
        )
    return pd.DataFrame(rows).set_index("kernel_size")


def speedup_verdict(table: pd.DataFrame) -> str:
    """One sentence comparing the measured speed-ups with the paper's, per kernel size."""
    parts = []
    for size, row in table.iterrows():
        value = row["speedup_epochs"]
        paper = min(PAPER_SPEEDUPS.get(size, (np.nan,)))  # the least the paper reports
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


def optimisation_findings(table: pd.DataFrame, records: Sequence[dict[str, Any]]) -> dict:
    """Glue values of section 3: the protocol's sizes, the speed-ups and the verdict."""
    spec = records[0]["spec"]
    out: dict[str, Any] = {
        "cnn_opt_train": int(records[0]["train_images"]),
        "cnn_opt_epochs": int(spec["epochs"]),
        "cnn_opt_eval": int(records[0]["eval_images"]),
        "cnn_opt_evals": int(spec["evals_per_epoch"]),
        "cnn_opt_seeds": len({r["spec"]["seed"] for r in records}),
        "cnn_speedup_verdict": speedup_verdict(table),
    }
    for size, row in table.iterrows():
        out[f"cnn_speedup_{size}"] = number_or_not_measured(row["speedup_epochs"])
        out[f"cnn_speedup_s_{size}"] = number_or_not_measured(row["speedup_seconds"])
        out[f"cnn_reached_{size}"] = row["reached"]
    return out


def speedup_display(table: pd.DataFrame) -> pd.DataFrame:
    """The speed-up summary with reader-facing column names, for the page."""
    shown = table[
        ["reached", "speedup_epochs", "speedup_min", "speedup_max", "speedup_seconds",
         "paper_speedups"]
    ].copy()
    shown.columns = ["reached target", "speed-up (epochs)", "min", "max", "speed-up (seconds)",
                     "paper"]
    shown.index = shown.index.rename("filters")
    return shown


def runs_display(summary: pd.DataFrame) -> pd.DataFrame:
    """Per-run speed-ups for the page: filters, seed, target, epochs needed, speed-ups."""
    shown = summary[
        ["kernel_size", "seed", "target_loss", "spectral_epochs", "speedup_epochs",
         "speedup_seconds"]
    ].copy()
    shown.columns = ["filters", "seed", "target loss", "spectral epochs to target",
                     "speed-up (epochs)", "speed-up (seconds)"]
    return shown


def speedup_claim(table: pd.DataFrame, size: str) -> str:
    """``"1.56 times (3/3 runs reached the target)"`` for filter size ``size`` of ``table``."""
    row = table.loc[size]
    value = number_or_not_measured(row["speedup_epochs"])
    times = "" if value == NOT_MEASURED else " times"
    return f"{value}{times} ({row['reached']} runs reached the target)"
