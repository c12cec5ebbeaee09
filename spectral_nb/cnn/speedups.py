"""The optimisation study of the CNN chapter: how many epochs Adam needs with spectral filters.

Each spectral run is paired with the spatial run of the same filter size and seed (same
initial function, same batches); the target is the spatial run's final training loss, and the
speed-up is the spatial run's epochs over the spectral run's epochs to reach that loss,
interpolated linearly between measurements (:func:`time_to_loss`). Per filter size the
speed-ups are summarised by their geometric mean over the seeds that reached the target
(:func:`speedup_table`), beside the paper's (:data:`PAPER_SPEEDUPS`).

The paper's second claim is that the speed-up grows with the filter size (2.2 to 4.8 from
``3 x 3`` to ``5 x 5`` in its deep network). :func:`growth_pairs` tests it per seed: the
speed-up of one size minus that of the next smaller size, for the same seed, summarised by
:func:`spectral_nb.analysis.paired.paired` (mean, spread, seeds in which it grew).

Seconds are not read from the records (each run was timed alone, on a machine whose load
changed between runs). A spectral step costs the spatial step plus forming the filters from
their coefficients, so the speed-up in seconds is the speed-up in epochs divided by the
ratio of step times, which :func:`spectral_nb.cnn.bench.step_costs` measures with the two
models interleaved in one process (:func:`seconds_speedups`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.paired import Paired, describe, direction, paired, signed

#: Speed-ups of Adam with spectral filters reported by the paper (Deep, Generic, Sp. Pool nets).
PAPER_SPEEDUPS: dict[str, tuple[float, ...]] = {"3x3": (2.2, 2.2, 2.4), "5x5": (4.8, 5.1, 4.8)}
#: What a table shows where a number could not be measured (a speed-up no run reached).
NOT_MEASURED = "not measured"


def number_or_not_measured(value: float, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals, or :data:`NOT_MEASURED` for NaN."""
    return NOT_MEASURED if not np.isfinite(value) else f"{value:.{digits}f}"


def size_label(kernel_size: int) -> str:
    """``"3x3"``: how the study's tables name a filter size."""
    return f"{kernel_size}x{kernel_size}"


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
        One row per (kernel size, seed), sizes in increasing order: final spatial loss (the
        target), epochs the spectral model needs to reach it, the speed-up
        (``spatial epochs / spectral epochs``; NaN when the spectral model never reaches the
        target) and the spectral model's final loss.
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
            (size_label(k), seed, param, e, t, loss)
            for e, t, loss in zip(c.epochs, c.seconds, c.loss, strict=True)
        ]
        if param != "spectral" or (k, seed, "spatial") not in runs:
            continue
        sp = curve_of(runs[(k, seed, "spatial")])
        target = float(sp.loss[-1])
        epochs_needed = time_to_loss(c, target, "epochs")
        rows.append(
            {
                "kernel_size": size_label(k), "seed": seed,
                "target_loss": target, "spectral_final_loss": float(c.loss[-1]),
                "spatial_epochs": float(sp.epochs[-1]), "spectral_epochs": epochs_needed,
                "speedup_epochs": float(sp.epochs[-1]) / epochs_needed,
            }
        )
    curves = pd.DataFrame(
        curve_rows, columns=["kernel_size", "seed", "parametrisation", "epoch", "seconds", "loss"]
    )
    return pd.DataFrame(rows), curves


def paper_span(values: Sequence[float], digits: int = 1) -> str:
    """``"2.2 to 2.4"`` (or one value, or nothing)."""
    if not values:
        return ""
    low, high = min(values), max(values)
    return f"{low:.{digits}f}" if low == high else f"{low:.{digits}f} to {high:.{digits}f}"


def paper_growth() -> tuple[float, ...]:
    """The paper's increase of the speed-up from ``3 x 3`` to ``5 x 5``, network by network."""
    return tuple(
        b - a for a, b in zip(PAPER_SPEEDUPS["3x3"], PAPER_SPEEDUPS["5x5"], strict=True)
    )


def paper_factor() -> tuple[float, ...]:
    """The paper's ratio of the ``5 x 5`` to the ``3 x 3`` speed-up, network by network."""
    return tuple(
        b / a for a, b in zip(PAPER_SPEEDUPS["3x3"], PAPER_SPEEDUPS["5x5"], strict=True)
    )


def _geomean(values: Iterable[float]) -> float:
    values = np.asarray(list(values), dtype=float)
    return float(np.exp(np.mean(np.log(values)))) if len(values) else float("nan")


def speedup_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Per kernel size: geometric-mean speed-up over the seeds that reached the target.

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
                "paper_speedups": paper_span(PAPER_SPEEDUPS.get(size, ())),
            }
        )
    return pd.DataFrame(rows).set_index("kernel_size")


def _by_seed(summary: pd.DataFrame, size: str) -> dict[int, float]:
    sub = summary[summary["kernel_size"] == size]
    return dict(zip(sub["seed"].astype(int), sub["speedup_epochs"].astype(float), strict=True))


def growth_pairs(summary: pd.DataFrame) -> dict[tuple[str, str], Paired | None]:
    """Per-seed growth of the speed-up between consecutive filter sizes.

    For each pair of consecutive sizes ``(smaller, larger)``: the paired differences
    ``speed-up(larger) - speed-up(smaller)`` over the seeds in which the spectral model
    reached the target at both sizes; ``None`` where no seed did.
    """
    sizes = list(dict.fromkeys(summary["kernel_size"]))
    out: dict[tuple[str, str], Paired | None] = {}
    for small, large in zip(sizes, sizes[1:], strict=False):
        a, b = _by_seed(summary, large), _by_seed(summary, small)
        seeds = [s for s in a if s in b and np.isfinite(a[s]) and np.isfinite(b[s])]
        out[(small, large)] = (
            paired({s: a[s] for s in seeds}, {s: b[s] for s in seeds}) if seeds else None
        )
    return out


def growth_clause(p: Paired | None) -> str:
    """How the speed-up changed from one size to the next, as a clause of a sentence.

    ``"grows by 0.06 on average (from 0.04 to 0.11), in 3 of 3 seeds"``.
    """
    if p is None:
        return "could not be measured, since no seed reached the target at both sizes"
    return f"{direction(p, 'grows', 'shrinks', 'stays the same')} {describe(p, '', 2)}"


def growth_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per step in filter size: per-seed change of the speed-up beside the paper's."""
    rows = []
    for (small, large), p in growth_pairs(summary).items():
        paper = paper_growth() if (small, large) == ("3x3", "5x5") else ()
        rows.append(
            {
                "filters": f"{small} to {large}",
                "change (mean ± sd)": (
                    NOT_MEASURED if p is None
                    else signed(p.mean, 2) + (f" ± {p.sd:.2f}" if np.isfinite(p.sd) else "")
                ),
                "smallest to largest": (
                    NOT_MEASURED if p is None else f"{signed(p.lo, 2)} to {signed(p.hi, 2)}"
                ),
                "seeds grown / shrunk": (
                    NOT_MEASURED if p is None else f"{p.n_positive} / {p.n_negative}"
                ),
                "paper": f"+{paper_span(paper)}" if paper else "not measured by the paper",
            }
        )
    return pd.DataFrame(rows)


def speedup_clause(table: pd.DataFrame, size: str) -> str:
    """How soon the spectral model reached the target with filters ``size``, as a clause.

    ``"1.56 times sooner (from 1.41 to 1.69 over seeds)"`` (the geometric mean over the
    seeds that reached the target), or, where no run reached it, ``"in no run, so no
    speed-up was measured"``.
    """
    row = table.loc[size]
    if not np.isfinite(row["speedup_epochs"]):
        return "in no run, so no speed-up was measured"
    return (
        f"{row['speedup_epochs']:.2f} times sooner (from {row['speedup_min']:.2f} to "
        f"{row['speedup_max']:.2f} over seeds)"
    )


def seconds_speedups(table: pd.DataFrame, costs: pd.DataFrame) -> pd.Series:
    """Speed-up in seconds per filter size: the speed-up in epochs over the step-cost ratio.

    ``costs`` is :func:`spectral_nb.cnn.bench.step_costs`' frame (index: kernel size label,
    column ``ratio``: spectral over spatial seconds per training step).
    """
    return table["speedup_epochs"] / costs["ratio"].reindex(table.index)


def speedup_findings(
    table: pd.DataFrame, summary: pd.DataFrame, records: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Glue values of section 3 that the records alone decide: sizes, speed-ups, growth.

    Keys per filter size ``k`` (``3x3`` ...): ``cnn_speedup_{k}`` (geometric mean),
    ``cnn_sooner_{k}`` (:func:`speedup_clause`) and ``cnn_reached_{k}``; per step in size
    ``cnn_growth_{small}_{large}`` (:func:`growth_clause`) and ``cnn_factor_{small}_{large}``
    (the ratio of the two sizes' geometric-mean speed-ups), beside the paper's
    ``cnn_paper_growth`` and ``cnn_paper_factor``.
    """
    spec = records[0]["spec"]
    seeds_by_size = summary.groupby("kernel_size", sort=False)["seed"].nunique()
    out: dict[str, Any] = {
        "cnn_opt_train": int(records[0]["train_images"]),
        "cnn_opt_epochs": int(spec["epochs"]),
        "cnn_opt_eval": int(records[0]["eval_images"]),
        "cnn_opt_evals": int(spec["evals_per_epoch"]),
        "cnn_opt_seeds": int(seeds_by_size.max()),
        "cnn_opt_sizes": ", ".join(table.index[:-1]) + f" and {table.index[-1]}",
        "cnn_paper_growth": paper_span(paper_growth()),
        "cnn_paper_factor": paper_span(paper_factor()),
    }
    for size, row in table.iterrows():
        out[f"cnn_speedup_{size}"] = number_or_not_measured(row["speedup_epochs"])
        out[f"cnn_sooner_{size}"] = speedup_clause(table, size)
        out[f"cnn_reached_{size}"] = row["reached"]
    for (small, large), p in growth_pairs(summary).items():
        out[f"cnn_growth_{small}_{large}"] = growth_clause(p)
        factor = table.loc[large, "speedup_epochs"] / table.loc[small, "speedup_epochs"]
        out[f"cnn_factor_{small}_{large}"] = number_or_not_measured(factor)
    return out


def seconds_findings(table: pd.DataFrame, costs: pd.DataFrame) -> dict[str, Any]:
    """Glue values of the seconds: how the step costs were timed, and per filter size ``k``
    ``cnn_cost_{k}`` (step-cost ratio) and ``cnn_speedup_s_{k}`` (speed-up in seconds)."""
    out: dict[str, Any] = {
        "cnn_cost_steps": int(costs["steps"].iloc[0]),
        "cnn_cost_repeats": int(costs["repeats"].iloc[0]),
        "cnn_cost_batch": int(costs["batch"].iloc[0]),
    }
    seconds = seconds_speedups(table, costs)
    for size in table.index:
        out[f"cnn_cost_{size}"] = f"{costs.loc[size, 'ratio']:.2f}"
        out[f"cnn_speedup_s_{size}"] = number_or_not_measured(seconds[size])
    return out


def optimisation_findings(
    table: pd.DataFrame,
    summary: pd.DataFrame,
    records: Sequence[dict[str, Any]],
    costs: pd.DataFrame,
) -> dict[str, Any]:
    """Glue values of section 3: :func:`speedup_findings` and :func:`seconds_findings`."""
    return {**speedup_findings(table, summary, records), **seconds_findings(table, costs)}


def speedup_display(table: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """The speed-up summary with reader-facing column names, for the page.

    ``speed-up`` (epochs, geometric mean over the seeds that reached the target), its ``min``
    and ``max`` over seeds, the ``step cost`` (spectral over spatial seconds per step) and the
    speed-up in seconds; :data:`SPEEDUP_CAPTION` says so on the page.
    """
    shown = table[["reached", "speedup_epochs", "speedup_min", "speedup_max"]].copy()
    shown["step cost"] = costs["ratio"].reindex(table.index)
    shown["speed-up (seconds)"] = seconds_speedups(table, costs)
    shown["paper"] = table["paper_speedups"].replace("", "not measured by the paper")
    shown.columns = ["reached target", "speed-up", "min", "max", "step cost",
                     "speed-up in seconds", "paper"]
    shown.index = shown.index.rename("filters")
    return shown


SPEEDUP_CAPTION = (
    "Speed-up in epochs (geometric mean, min and max over the seeds that reached the target); "
    "step cost: seconds per spectral step over seconds per spatial step, timed interleaved"
)


def speedups_by_seed(summary: pd.DataFrame) -> pd.DataFrame:
    """The speed-up in epochs, one row per seed and one column per filter size."""
    shown = summary.pivot(index="seed", columns="kernel_size", values="speedup_epochs")
    shown = shown[list(dict.fromkeys(summary["kernel_size"]))]
    shown.columns.name = "filters"
    return shown


def speedup_claim(table: pd.DataFrame, size: str) -> str:
    """``"1.56 times (3/3 runs reached the target)"`` for filter size ``size`` of ``table``."""
    row = table.loc[size]
    value = number_or_not_measured(row["speedup_epochs"])
    times = "" if value == NOT_MEASURED else " times"
    return f"{value}{times} ({row['reached']} runs reached the target)"
