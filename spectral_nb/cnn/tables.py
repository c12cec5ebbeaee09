"""Records and measurements of the CNN chapter turned into tables, and the findings it states.

What the chapter prints or glues about pooling and classification comes from here (the
optimisation study's speed-ups from :mod:`.speedups`): frames from the runs' records
(:func:`classification_frame`), summaries over seeds, the claims beside the paper's numbers,
and the sentences that depend on the numbers (``*_verdict``, ``*_findings``), so the
notebook's cells hold no decision logic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.labels import DATASET_LABELS
from .speedups import PAPER_SPEEDUPS, paper_span, speedup_claim

#: The paper's CIFAR test errors without augmentation (spectral pooling + randomised resolution).
PAPER_CIFAR_ERRORS = "CIFAR-10 8.6 %, CIFAR-100 31.6 % test error"
#: How the pages name the datasets and image sets.
DATASET_NAMES: dict[str, str] = {**DATASET_LABELS, "natural": "natural images"}


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the dataset keys of its ``dataset`` index level in their page names."""
    return frame.rename(index=DATASET_NAMES, level="dataset")


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


# --- 3. the claims ----------------------------------------------------------------------------


def claims_table(
    info: pd.DataFrame, clf_table: pd.DataFrame, opt_table: pd.DataFrame, profile: str,
    dataset: str = "fashion_mnist",
) -> pd.DataFrame:
    """The paper's claims beside this chapter's numbers, one row per claim."""
    wins, points = spectral_beats(info, "max")
    acc = clf_table.loc[dataset, "accuracy_mean"]

    rows = [
        ("Spectral pooling keeps more information than max pooling (Fig. 4a)",
         "below max pooling at every fraction",
         f"lower error at {wins} of {points} max-pooling settings"),
        ("Spectral pooling and randomised resolution as the only downsampling",
         PAPER_CIFAR_ERRORS,
         f"{DATASET_NAMES.get(dataset, dataset)} accuracy: max "
         f"{acc['max']:.4f}, spectral {acc['spectral']:.4f}, "
         f"spectral + RR {acc['spectral+rr']:.4f}"),
        *(
            (f"Spectral parametrisation speeds up Adam, {size} filters",
             f"{paper_span(PAPER_SPEEDUPS[size])} times", speedup_claim(opt_table, size))
            for size in ("3x3", "5x5")
        ),
    ]
    return pd.DataFrame(rows, columns=["claim", "paper", f"this chapter (profile {profile})"])
