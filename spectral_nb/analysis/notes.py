"""The notes page's accounts of what was run: compute, conventions, counting, selection, claims.

Each function turns run records (or their :func:`~.summaries.runs_frame`) into a table or
into values the page glues into prose. The gaps to the paper have their own modules
(:mod:`.gaps`, :mod:`.gap_findings`, :mod:`.gap_tables`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..experiments.protocol.spec import RunSpec
from ..experiments.protocol.studies import STUDIES
from .labels import DATASET_LABELS, SPECTRAL, cell_name, regime_label
from .summaries import perceptron_table, table1, table1_cross_fitted
from .text import Note, format_pm, signed, yes_no

__all__ = [
    "SOFTWARE", "claims_display", "claims_findings", "claims_table", "compute_facts",
    "compute_table", "convention_gaps", "eigenvalue_counts", "selection_display",
    "selection_findings", "selection_table",
]

# Provenance fields every record carries, as the page names them.
SOFTWARE: dict[str, str] = {"tensorflow": "TensorFlow", "keras": "Keras", "numpy": "NumPy"}
_SHARED = {"device": "device", **SOFTWARE}


def _study_of(record: Mapping[str, Any]) -> str:
    return record.get("study") or record["spec"].get("tags", {}).get("study", "–")


def _provenance(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    rows = [
        {
            "dataset": r["spec"]["dataset"], "study": _study_of(r),
            **{field: r.get(field) or "unknown" for field in _SHARED},
            "wall_time_s": float(r.get("wall_time_s") or 0.0),
        }
        for r in records
    ]
    if not rows:
        raise ValueError("No run records; train the studies first.")
    return pd.DataFrame(rows)


def compute_facts(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """What every run shares: how many runs, their compute in hours, devices and software.

    ``devices`` and ``software`` list every value found (``"TensorFlow 2.21.0, Keras 3.15.1
    and NumPy 2.4.6"``); where one differs between runs, :func:`compute_table` has a column
    for it.
    """
    runs = _provenance(records)
    versions = [f"{name} {', '.join(sorted(set(runs[field])))}"
                for field, name in SOFTWARE.items()]
    return {
        "stored_runs": f"{len(runs):,}",
        "total_hours": f"{runs['wall_time_s'].sum() / 3600:.1f}",
        "devices": ", ".join(sorted(set(runs["device"]))),
        "software": f"{', '.join(versions[:-1])} and {versions[-1]}",
    }


def compute_table(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Runs and compute per dataset and study (the index; the paper's studies, then the probes).

    A column for the device or a library version is added only where it differs between
    runs; what they share is :func:`compute_facts`.
    """
    runs = _provenance(records)
    varying = [field for field in _SHARED if runs[field].nunique() > 1]
    keys = ["dataset", "study", *varying]
    table = (
        runs.groupby(keys, sort=False)
        .agg(runs=("wall_time_s", "size"), minutes=("wall_time_s", lambda s: s.sum() / 60))
        .reset_index()
    )
    order = {name: i for i, name in enumerate(STUDIES)}
    table = table.assign(
        _dataset=table["dataset"].map(list(DATASET_LABELS).index),
        _study=table["study"].map(lambda s: (order.get(s, len(order)), s)),
    ).sort_values(["_dataset", "_study"])
    return pd.DataFrame(
        {
            "dataset": table["dataset"].map(DATASET_LABELS).to_numpy(),
            "study": table["study"].to_numpy(),
            **{_SHARED[field]: table[field].to_numpy() for field in varying},
            "runs": table["runs"].to_numpy(),
            "compute (minutes)": [f"{m:.1f}" for m in table["minutes"]],
        }
    ).set_index(["dataset", "study"])


def convention_gaps(frame: pd.DataFrame, profile: str) -> pd.DataFrame | Note:
    """The two eigenvalue conventions at each study's largest network (mean final accuracy, %).

    The largest network is where the paper convention trains the most eigenvalues. Profiles
    that train one convention only get a :class:`~.text.Note` saying so.
    """
    spectral = frame[frame.regime.isin(SPECTRAL)]
    if spectral.convention.nunique() <= 1:
        return Note(f"The {profile} profile runs the paper's convention only; the paper "
                    "profile runs both.")
    paper_runs = spectral[spectral.convention == "paper"]
    largest = paper_runs.loc[
        paper_runs.groupby(["dataset", "study"])["eigenvalues"].idxmax(),
        ["dataset", "study", "point"],
    ]
    table = spectral.merge(largest, on=["dataset", "study", "point"]).pivot_table(
        index=["study", "point", "regime"], columns="convention", values="accuracy",
        aggfunc="mean",
    )
    table["authors_code - paper"] = table["authors_code"] - table["paper"]
    out = table.map(lambda v: f"{v:.2f}" if np.isfinite(v) else "–").rename(
        columns={"paper": "paper (%)", "authors_code": "authors' code (%)",
                 "authors_code - paper": "authors' code − paper (points)"})
    out.index = out.index.set_levels(
        [regime_label(r) for r in out.index.levels[2]], level="regime")
    out.columns.name = None
    return out[["paper (%)", "authors' code (%)", "authors' code − paper (points)"]]


# The networks whose eigenvalue counts the page compares: (label, sizes, hidden activations).
COUNTED = (
    ("perceptron", (784, 10), ()),
    ("wide, N2 = 1000", (784, 1000, 10), ("linear",)),
    ("deep, l = 5", (784, 800, 600, 500, 10), ("linear",) * 3),
    ("non-linear, N2 = 500", (784, 500, 120, 10), ("linear", "relu")),
)


def eigenvalue_counts() -> pd.DataFrame:
    """Trained numbers of a few networks under both conventions and as dense layers.

    Computed from the run specifications (:meth:`RunSpec.trainable_parameter_count`).
    """
    rows = []
    for label, sizes, activations in COUNTED:
        spec = RunSpec(dataset="mnist", sizes=sizes, hidden_activations=activations,
                       regime="train_lambda")
        rows.append(
            {
                "network": label,
                "paper convention": spec.trainable_parameter_count(),
                "authors' code convention": spec.replace(convention="authors_code")
                .trainable_parameter_count(),
                "dense weights + biases": spec.replace(regime="unconstrained")
                .trainable_parameter_count(),
            }
        )
    return pd.DataFrame(rows).set_index("network")


def selection_table(frame: pd.DataFrame, dataset: str = "mnist") -> pd.DataFrame:
    """Table 1 read four ways: final epoch, best epoch, and the size chosen on held-out images.

    Columns: ``paper``, ``final_epoch``, ``best_epoch``, ``cross_fitted`` and ``optimism``
    (:func:`~.summaries.table1_cross_fitted`).
    """
    best_epoch = table1(frame, dataset, column="best_epoch_accuracy")
    fitted = table1_cross_fitted(frame, dataset).rename(columns={"best_on_test": "final_epoch"})
    return fitted.merge(
        best_epoch[["architecture", "regime", "mean"]].rename(columns={"mean": "best_epoch"}),
        on=["architecture", "regime"], how="left", validate="one_to_one",
    )[["architecture", "regime", "paper", "final_epoch", "best_epoch", "cross_fitted",
       "optimism"]]


def selection_display(selection: pd.DataFrame) -> pd.DataFrame:
    """:func:`selection_table` for the page: one row per cell, two decimals."""
    return pd.DataFrame(
        {
            "cell": [cell_name(a, r) for a, r in zip(selection.architecture, selection.regime,
                                                      strict=True)],
            "paper (%)": [f"{v:.1f}" for v in selection.paper],
            "final epoch (%)": [f"{v:.2f}" for v in selection.final_epoch],
            "best epoch (%)": [f"{v:.2f}" for v in selection.best_epoch],
            "cross-fitted (%)": [f"{v:.2f}" for v in selection.cross_fitted],
            "optimism (points)": [signed(v, 2) for v in selection.optimism],
        }
    ).set_index("cell")


def selection_findings(selection: pd.DataFrame) -> dict[str, str]:
    """Mean gain of the best epoch over the final one, and mean optimism, in points."""
    gain = (selection.best_epoch - selection.final_epoch).mean()
    return {"best_epoch_gain": f"{gain:.2f}", "optimism": f"{selection.optimism.mean():.2f}"}


def claims_table(frame: pd.DataFrame, dataset: str = "mnist") -> pd.DataFrame:
    """Every number the paper states (perceptron and Table 1) beside ours; outside rows first."""
    perceptron = perceptron_table(frame, dataset).assign(architecture="perceptron")
    return pd.concat([perceptron, table1(frame, dataset)], ignore_index=True)[
        ["architecture", "regime", "paper", "mean", "std", "n_seeds", "difference",
         "within_spread"]
    ].sort_values(["within_spread", "architecture"])


def claims_display(claims: pd.DataFrame) -> pd.DataFrame:
    """:func:`claims_table` for the page: one row per claim, in the table's order.

    A ``seeds`` column appears only where the claims' seed counts differ.
    """
    out = pd.DataFrame(
        {
            "cell": [cell_name(a, r) for a, r in zip(claims.architecture, claims.regime,
                                                      strict=True)],
            "paper (%)": [f"{v:.1f}" for v in claims.paper],
            "ours (%)": [format_pm(m, s, 2) for m, s in zip(claims["mean"], claims["std"],
                                                             strict=True)],
            "difference (points)": [signed(v, 2) for v in claims.difference],
            "within spread": [yes_no(w) for w in claims.within_spread],
        }
    )
    if claims.n_seeds.nunique() > 1:
        out.insert(3, "seeds", claims.n_seeds.astype(int).to_numpy())
    return out.set_index("cell")


def claims_findings(claims: pd.DataFrame) -> dict[str, Any]:
    """How many claims there are, how many lie outside the spread, and the largest gap."""
    outside = claims[~claims.within_spread]
    worst = "–"
    if not outside.empty:
        row = outside.loc[outside.difference.abs().idxmax()]
        worst = f"{cell_name(row.architecture, row.regime)} ({np.abs(row.difference):.1f} points)"
    return {"n_claims": len(claims), "n_outside": len(outside), "worst": worst}
