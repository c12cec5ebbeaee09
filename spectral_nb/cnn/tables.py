"""Records and measurements of the CNN chapter turned into tables, and the findings it states.

Everything the chapter prints or glues comes from here: frames from the runs' records
(:func:`classification_frame`, :func:`optimisation_frames`), summaries over seeds, the
comparison with the paper's numbers, and the sentences that depend on the numbers
(``*_verdict``, ``*_findings``), so the notebook's cells hold no decision logic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Speed-ups of Adam with spectral filters reported by the paper (Deep, Generic, Sp. Pool nets).
PAPER_SPEEDUPS: dict[str, tuple[float, ...]] = {"3x3": (2.2, 2.2, 2.4), "5x5": (4.8, 5.1, 4.8)}
#: The paper's CIFAR test errors without augmentation (spectral pooling + randomised resolution).
PAPER_CIFAR_ERRORS = "CIFAR-10 8.6 %, CIFAR-100 31.6 % test error"
#: How the pages name the datasets and image sets.
DATASET_NAMES: dict[str, str] = {
    "fashion_mnist": "Fashion-MNIST", "mnist": "MNIST", "natural": "natural images",
}
#: What a table shows where a number could not be measured (a speed-up no run reached).
NOT_MEASURED = "not measured"


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the dataset keys of its ``dataset`` index level in their page names."""
    return frame.rename(index=DATASET_NAMES, level="dataset")


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


def protocol_findings(
    config: Any, paper: Any, paper_runs: int, paper_hours: float
) -> dict[str, Any]:
    """Glue values describing the network and the profiles: this profile's settings
    ``config``, the paper profile's settings, its distinct runs and estimated hours."""
    from .spec import rr_fractions

    rr = rr_fractions(len(config.filters))
    return {
        "cnn_filters": " and ".join(map(str, config.filters)),
        "cnn_c1": rr[0],
        "cnn_c2": rr[1],
        "cnn_batch": config.batch_size,
        "cnn_paper_epochs": paper.epochs,
        "cnn_paper_seeds": len(paper.seeds),
        "cnn_paper_runs": paper_runs,
        "cnn_paper_hours": paper_hours,
    }


# --- 1. information preservation --------------------------------------------------------------


def error_at_fraction(frame: pd.DataFrame, fraction: float) -> pd.DataFrame:
    """Mean error per dataset and method at the setting whose fraction is nearest ``fraction``."""
    mean = frame.groupby(["dataset", "method", "setting"], as_index=False)[
        ["fraction", "error"]
    ].mean()
    mean["distance"] = np.abs(np.log(mean["fraction"] / fraction))
    best = mean.loc[mean.groupby(["dataset", "method"])["distance"].idxmin()]
    return best.drop(columns="distance").reset_index(drop=True)


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


def information_display(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`information_table` with page names for the datasets and methods."""
    shown = _named(information_table(frame))
    shown.columns = [f"{m} pooling" for m in shown.columns]
    shown.columns.name = None
    return shown


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


def information_findings(frame: pd.DataFrame, natural: dict[str, np.ndarray]) -> dict[str, Any]:
    """Glue values of section 1: image counts and sizes, wins, errors at 1/4 and 1/16."""
    wins, points = spectral_beats(frame, "max")
    wins_avg, points_avg = spectral_beats(frame, "average")
    sizes = sorted({f"{a.shape[0]}x{a.shape[1]}" for a in natural.values()})
    fashion = frame[frame["dataset"] == "fashion_mnist"]
    n_fashion = len(fashion) // max(1, fashion[["method", "setting"]].drop_duplicates().shape[0])
    out: dict[str, Any] = {
        "cnn_n_natural": len(natural),
        "cnn_natural_sizes": ", ".join(sizes),
        "cnn_n_fashion": n_fashion,
        "cnn_info_wins": f"{wins} of {points}",
        "cnn_info_wins_avg": f"{wins_avg} of {points_avg}",
    }
    for (dataset, target), row in information_table(frame).iterrows():
        key = f"{dataset}_{target.replace('/', '_')}"
        for method in ("spectral", "average", "max"):
            out[f"cnn_err_{key}_{method}"] = float(row[method])
    return out


# --- 2. classification ------------------------------------------------------------------------


def classification_frame(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per run: dataset, pooling, seed, sizes, accuracy, losses, seconds per epoch."""
    rows = [
        {
            "dataset": r["spec"]["dataset"], "pooling": r["spec"]["pooling"],
            "seed": r["spec"]["seed"], "params": r["params"], "epochs": r["spec"]["epochs"],
            "train_images": r["train_images"], "test_images": r["test_images"],
            "test_accuracy": r["test_accuracy"], "test_loss": r["test_loss"],
            "final_loss": r["final_loss"], "seconds_per_epoch": r["seconds_per_epoch"],
        }
        for r in records
    ]
    return pd.DataFrame(rows)


def classification_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over seeds of the test accuracy, parameters, seconds/epoch."""
    return frame.groupby(["dataset", "pooling"], sort=False).agg(
        accuracy_mean=("test_accuracy", "mean"),
        accuracy_std=("test_accuracy", "std"),
        seeds=("seed", "nunique"),
        params=("params", "first"),
        epochs=("epochs", "first"),
        train_images=("train_images", "first"),
        test_images=("test_images", "first"),
        seconds_per_epoch=("seconds_per_epoch", "mean"),
    )


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


def classification_findings(table: pd.DataFrame, dataset: str = "fashion_mnist") -> dict[str, Any]:
    """Glue values of section 2 for ``dataset``: accuracies, seconds, the gap and the verdict."""
    sub = table.loc[dataset]
    out: dict[str, Any] = {}
    for pooling in sub.index:
        key = pooling.replace("+", "_")
        out[f"cnn_acc_{key}"] = float(sub.loc[pooling, "accuracy_mean"])
        out[f"cnn_sec_{key}"] = float(sub.loc[pooling, "seconds_per_epoch"])
    gap = float(sub.loc["spectral", "accuracy_mean"] - sub.loc["max", "accuracy_mean"])
    out["cnn_acc_gap"] = 100 * abs(gap)
    out["cnn_acc_gap_word"] = "above" if gap > 0 else "below"
    out["cnn_clf_verdict"] = classification_verdict(table, dataset)
    first = sub.iloc[0]
    out.update(
        cnn_params=int(first["params"]), cnn_clf_epochs=int(first["epochs"]),
        cnn_clf_train=int(first["train_images"]), cnn_clf_test=int(first["test_images"]),
        cnn_clf_seeds=int(first["seeds"]),
    )
    return out


def classification_display(table: pd.DataFrame) -> pd.DataFrame:
    """The summary with reader-facing column names, for the page."""
    shown = table[["accuracy_mean", "accuracy_std", "seeds", "seconds_per_epoch"]].copy()
    shown.columns = ["test accuracy", "std over seeds", "seeds", "seconds per epoch"]
    return _named(shown)


# --- 3. optimisation: spatial versus spectral parametrisation --------------------------------


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


def _span(values: Sequence[float]) -> str:
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
                "paper_speedups": _span(PAPER_SPEEDUPS.get(size, ())),
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


# --- 4. the claims ----------------------------------------------------------------------------


def claims_table(
    info: pd.DataFrame, clf_table: pd.DataFrame, opt_table: pd.DataFrame, profile: str,
    dataset: str = "fashion_mnist",
) -> pd.DataFrame:
    """The paper's claims beside this chapter's numbers, one row per claim."""
    wins, points = spectral_beats(info, "max")
    acc = clf_table.loc[dataset, "accuracy_mean"]

    def speedup(size: str) -> str:
        row = opt_table.loc[size]
        value = number_or_not_measured(row["speedup_epochs"])
        times = "" if value == NOT_MEASURED else " times"
        return f"{value}{times} ({row['reached']} runs reached the target)"

    rows = [
        ("Spectral pooling keeps more information than max pooling (Fig. 4a)",
         "below max pooling at every fraction",
         f"lower error at {wins} of {points} max-pooling settings"),
        ("Spectral pooling and randomised resolution as the only downsampling",
         PAPER_CIFAR_ERRORS,
         f"{DATASET_NAMES.get(dataset, dataset)} accuracy: max "
         f"{acc['max']:.4f}, spectral {acc['spectral']:.4f}, "
         f"spectral + RR {acc['spectral+rr']:.4f}"),
        ("Spectral parametrisation speeds up Adam, 3x3 filters", "2.2 to 2.4 times",
         speedup("3x3")),
        ("Spectral parametrisation speeds up Adam, 5x5 filters", "4.8 to 5.1 times",
         speedup("5x5")),
    ]
    return pd.DataFrame(rows, columns=["claim", "paper", f"this chapter (profile {profile})"])
