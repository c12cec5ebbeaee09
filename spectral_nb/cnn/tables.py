"""Records and measurements of the CNN chapter turned into tables, and the findings it states.

What the chapter prints or glues about pooling and classification comes from here (the
optimisation study's speed-ups from :mod:`.speedups`): frames from the runs' records
(:func:`classification_frame`), summaries over seeds, the poolings compared seed by seed
(:func:`pooling_pairs`: the runs of one seed share initial weights and batch order, so the
per-seed differences are what a claim rests on), the claims beside the paper's numbers, and
the values and clauses the prose glues (``*_findings``, ``*_clause``), so the notebook's
cells hold no decision logic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.labels import DATASET_LABELS
from ..analysis.paired import Paired, describe, direction, paired, signed
from .speedups import (
    NOT_MEASURED,
    PAPER_SPEEDUPS,
    growth_pairs,
    paper_growth,
    paper_span,
    speedup_claim,
)

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


#: The pooling comparisons of section 2: each pooling against max pooling, seed by seed.
POOLING_PAIRS: tuple[tuple[str, str], ...] = (("spectral", "max"), ("spectral+rr", "max"))
#: How the pages name the poolings.
POOLING_NAMES: dict[str, str] = {
    "max": "max pooling", "spectral": "spectral pooling",
    "spectral+rr": "spectral pooling + RR",
}


def accuracy_by_seed(frame: pd.DataFrame, dataset: str, pooling: str) -> dict[int, float]:
    """Test accuracy in percent, ``{seed: accuracy}``, of one pooling on one dataset."""
    sub = frame[(frame["dataset"] == dataset) & (frame["pooling"] == pooling)]
    return dict(zip(sub["seed"].astype(int), 100 * sub["test_accuracy"].astype(float),
                    strict=True))


def pooling_pairs(frame: pd.DataFrame) -> dict[tuple[str, str, str], Paired]:
    """Per-seed accuracy differences (percentage points) of :data:`POOLING_PAIRS`.

    Keys ``(dataset, pooling, reference)``; the runs of one seed share initial weights and
    batch order, so the differences are paired on the seed
    (:func:`spectral_nb.analysis.paired.paired`).
    """
    return {
        (dataset, a, b): paired(accuracy_by_seed(frame, dataset, a),
                                accuracy_by_seed(frame, dataset, b))
        for dataset in dict.fromkeys(frame["dataset"])
        for a, b in POOLING_PAIRS
    }


def pooling_pairs_display(frame: pd.DataFrame) -> pd.DataFrame:
    """The paired pooling comparisons as a table: one row per dataset and pooling."""
    rows = []
    for (dataset, a, b), p in pooling_pairs(frame).items():
        rows.append(
            {
                "dataset": DATASET_NAMES.get(dataset, dataset),
                "pooling": f"{POOLING_NAMES[a]} − {POOLING_NAMES[b]}",
                "difference (pp, mean ± sd)": (
                    signed(p.mean, 2) + (f" ± {p.sd:.2f}" if np.isfinite(p.sd) else "")
                ),
                "smallest to largest": f"{signed(p.lo, 2)} to {signed(p.hi, 2)}",
                "seeds above / below": f"{p.n_positive} / {p.n_negative}",
            }
        )
    return pd.DataFrame(rows).set_index(["dataset", "pooling"])


def pooling_clause(p: Paired) -> str:
    """``"lower by 0.61 pp on average (from 0.33 to 0.81), in 3 of 3 seeds"``: a paired
    accuracy difference as a clause of a sentence."""
    return f"{direction(p, 'higher', 'lower', 'no different')} {describe(p, 'pp', 2)}"


def other_datasets_sentence(frame: pd.DataFrame, dataset: str = "fashion_mnist") -> str:
    """The spectral-against-max clause on every dataset but ``dataset``, as a sentence.

    ``"On MNIST the accuracy with spectral pooling is lower by 0.04 pp on average (from -0.09
    to 0.06), in 2 of 3 seeds."``; a sentence saying so where the profile ran ``dataset``
    only.
    """
    parts = [
        f"On {DATASET_NAMES.get(data, data)} the accuracy with spectral pooling is "
        f"{pooling_clause(p)}."
        for (data, a, _), p in pooling_pairs(frame).items()
        if data != dataset and a == "spectral"
    ]
    return " ".join(parts) or (
        f"This profile trains the classification study on "
        f"{DATASET_NAMES.get(dataset, dataset)} only."
    )


def classification_findings(
    table: pd.DataFrame, frame: pd.DataFrame, dataset: str = "fashion_mnist"
) -> dict[str, Any]:
    """Glue values of section 2 for ``dataset``: accuracies and the paired differences.

    ``cnn_pool_spectral`` and ``cnn_pool_spectral_rr`` are :func:`pooling_clause` of each
    pooling against max pooling on ``dataset``, ``cnn_pool_others`` the
    :func:`other_datasets_sentence`.
    """
    sub = table.loc[dataset]
    out: dict[str, Any] = {}
    for pooling in sub.index:
        key = pooling.replace("+", "_")
        out[f"cnn_acc_{key}"] = float(sub.loc[pooling, "accuracy_mean"])
    for (data, a, _), p in pooling_pairs(frame).items():
        if data == dataset:
            out[f"cnn_pool_{a.replace('+', '_')}"] = pooling_clause(p)
    out["cnn_pool_others"] = other_datasets_sentence(frame, dataset)
    first = sub.iloc[0]
    out.update(
        cnn_params=int(first["params"]), cnn_clf_epochs=int(first["epochs"]),
        cnn_clf_train=int(first["train_images"]), cnn_clf_test=int(first["test_images"]),
        cnn_clf_seeds=int(first["seeds"]),
    )
    return out


def classification_display(table: pd.DataFrame) -> pd.DataFrame:
    """The summary with reader-facing column names, for the page.

    Without the recorded seconds: each run was timed alone, on a machine whose load changed
    between runs, so their times say more about the machine than about the pooling.
    """
    shown = table[["accuracy_mean", "accuracy_std", "seeds"]].copy()
    shown.columns = ["test accuracy", "std over seeds", "seeds"]
    return _named(shown)


# --- 3. the claims ----------------------------------------------------------------------------


def claims_table(
    info: pd.DataFrame, clf_frame: pd.DataFrame, opt_table: pd.DataFrame,
    opt_summary: pd.DataFrame, profile: str, dataset: str = "fashion_mnist",
) -> pd.DataFrame:
    """The paper's claims beside this chapter's numbers, one row per claim.

    The pooling row is paired on the seed (:func:`pooling_pairs`), the growth rows on the
    seed too (:func:`spectral_nb.cnn.speedups.growth_pairs`).
    """
    wins, points = spectral_beats(info, "max")
    pairs = pooling_pairs(clf_frame)

    def pooled(pooling: str) -> str:
        p = pairs[(dataset, pooling, "max")]
        return (f"{POOLING_NAMES[pooling]}: {signed(p.mean, 2)} pp, below max pooling in "
                f"{p.n_negative} of {p.n} seeds")

    rows = [
        ("Spectral pooling keeps more information than max pooling (Fig. 4a)",
         "below max pooling at every fraction",
         f"lower error at {wins} of {points} max-pooling settings"),
        ("Spectral pooling and randomised resolution as the only downsampling",
         PAPER_CIFAR_ERRORS,
         f"{DATASET_NAMES.get(dataset, dataset)}, paired with max pooling by seed: "
         f"{pooled('spectral')}; {pooled('spectral+rr')}"),
        *(
            (f"Spectral parametrisation speeds up Adam, {size} filters",
             f"{paper_span(PAPER_SPEEDUPS[size])} times" if size in PAPER_SPEEDUPS
             else "not measured by the paper", speedup_claim(opt_table, size))
            for size in opt_table.index
        ),
        *(
            (f"The speed-up grows with the filter size, {small} to {large}",
             f"by {paper_span(paper_growth())}" if (small, large) == ("3x3", "5x5")
             else "not measured by the paper",
             NOT_MEASURED if p is None
             else f"by {signed(p.mean, 2)} on average, grew in {p.n_positive} of {p.n} seeds")
            for (small, large), p in growth_pairs(opt_summary).items()
        ),
    ]
    return pd.DataFrame(rows, columns=["claim", "paper", f"this chapter (profile {profile})"])
