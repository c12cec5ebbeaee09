"""The notes page's findings about the gaps to the paper, as numbers and sentences.

Each function takes the frames of :mod:`.gaps` and :mod:`.summaries` and returns what the
page states: a dict of values to glue into prose, or a whole sentence whose wording depends
on the numbers (whether a grid's end fits both cells, whether one network fits a column).
The cells of ``book/reproducing.ipynb`` only show these results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..experiments.protocol.paper_values import TABLE1
from .gaps import closing_changes, column_at_point, grid_end_fit
from .labels import ARCHITECTURE_LABELS, cell_name, point_label
from .records import select_records
from .summaries import point_summary, regime_curve
from .text import joined

__all__ = [
    "best_point", "best_reading", "column_account", "column_readings", "column_story", "gaps_story",
    "grid_end_fits", "grid_end_story", "largest_network", "noise_findings", "noise_panels",
    "range_summaries", "unconstrained_curves", "verdict_findings",
]

CELL = ["architecture", "regime"]


def verdict_findings(verdicts: pd.DataFrame) -> dict[str, Any]:
    """What the probes did to the cells outside the spread (:func:`~.gaps.gap_verdicts`).

    ``cells``: how many cells are outside; ``tries``: how many changes each was tried with
    (``"1 to 4"``); ``closed``: how many some change brings within the spread, and
    ``closed_list`` which, with those changes; ``open_list`` the others, and ``closest`` for
    each of them the change that brings it closest (its gap before → after).
    """
    gap_cells = verdicts.drop_duplicates(CELL)
    closed_cells = verdicts[verdicts.verdict == "within the spread"].drop_duplicates(CELL)
    open_cells = gap_cells.merge(closed_cells[CELL], how="left", indicator=True).query(
        "_merge == 'left_only'")
    tries = verdicts[verdicts.change.notna()].groupby(CELL).size()
    closest = []
    for r in open_cells.itertuples():
        tried = verdicts[(verdicts.architecture == r.architecture)
                         & (verdicts.regime == r.regime) & verdicts.change.notna()]
        if tried.empty:
            closest.append(f"{cell_name(r.architecture, r.regime)}: not probed")
            continue
        best = tried.loc[tried.changed_gap.abs().idxmin()]
        closest.append(f"{cell_name(r.architecture, r.regime)}: {best.change} "
                       f"({best.gap:+.2f} → {best.changed_gap:+.2f} points)")
    return {
        "cells": len(gap_cells),
        "tries": f"{tries.min()}" if tries.min() == tries.max()
        else f"{tries.min()} to {tries.max()}",
        "closed": len(closed_cells),
        "closed_list": joined(
            (f"{cell_name(r.architecture, r.regime)} "
             f"({', '.join(closing_changes(verdicts, r.architecture, r.regime))})"
             for r in closed_cells.itertuples()), "; "),
        "open_list": joined((cell_name(r.architecture, r.regime)
                             for r in open_cells.itertuples()), "; "),
        "closest": joined(closest, "; "),
    }


def range_summaries(frame: pd.DataFrame, range_frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Point summaries of the two architectures swept along N₂, per architecture.

    ``frame`` is a :func:`~.summaries.runs_frame` of the studies; ``range_frame`` one of the
    range probe, whose extra points extend the non-linear sweep.
    """
    nonlinear = pd.concat([frame[frame.study == "nonlinear"], range_frame], ignore_index=True)
    return {
        "linear_wide": point_summary(frame[frame.study == "wide"]),
        "nonlinear": point_summary(nonlinear.assign(study="nonlinear")),
    }


def grid_end_fits(summaries: Mapping[str, pd.DataFrame]) -> dict[str, dict[str, Any] | None]:
    """Per architecture: :func:`~.gaps.grid_end_fit` of its constrained and Train Λ curves."""
    return {
        architecture: grid_end_fit(
            regime_curve(summary, "constrained"), regime_curve(summary, "train_lambda"),
            TABLE1[(architecture, "constrained")], TABLE1[(architecture, "train_lambda")],
        )
        for architecture, summary in summaries.items()
    }


def grid_end_story(
    fits: Mapping[str, dict[str, Any] | None], verdicts: pd.DataFrame
) -> str:
    """One sentence per architecture: would one end of the sweep grid fit both cells?

    Where it would not, a change of protocol that brings both the constrained and the
    Train Λ cell within the spread (:func:`~.gaps.closing_changes`) is named.
    """
    stories = []
    for architecture, fit in fits.items():
        name = ARCHITECTURE_LABELS[architecture]
        paper_constrained = TABLE1[(architecture, "constrained")]
        paper_lambda = TABLE1[(architecture, "train_lambda")]
        if fit is None:
            stories.append(f"{name}: our constrained curve never reaches the paper's value, so "
                           "no end of the grid explains that cell.")
            continue
        story = (
            f"{name}: a grid ending where our constrained network reaches the paper's "
            f"{paper_constrained:.1f} % (between {fit['from_point']} and {fit['to_point']}) "
            f"would put our Train Λ cell at about {fit['lambda_there']:.1f} ± "
            f"{fit['lambda_std_there']:.1f} %, against the paper's {paper_lambda:.1f} %: "
        )
        if fit["fits"]:
            story += ("one end of the grid fits both cells, so the grid's end accounts for the "
                      "constrained cell's gap.")
        else:
            better = "better" if fit["lambda_there"] > paper_lambda else "worse"
            story += ("no single end fits both cells, so at equal size the paper's constrained "
                      f"network does {better} relative to Train Λ than ours.")
            closes_both = set(closing_changes(verdicts, architecture, "constrained")) & set(
                closing_changes(verdicts, architecture, "train_lambda"))
            if closes_both:
                story += (" One change of protocol does bring both cells within the spread on "
                          f"our own grid: {', '.join(sorted(closes_both))}.")
        stories.append(story)
    # Plain text (glued, no Markdown emphasis): each architecture's name is capitalised.
    return " ".join(story[0].upper() + story[1:] for story in stories)


def largest_network(frame: pd.DataFrame) -> str:
    """The sweep point where Train Λ trains the most eigenvalues (a study's largest network)."""
    return regime_curve(point_summary(frame), "train_lambda")["point"].iloc[-1]


def best_reading(table: pd.DataFrame) -> str:
    """A one-row :func:`~.summaries.probe_table` as prose: the changed runs' best, the paper's."""
    (row,) = table.itertuples()
    return (f"best {row.variant:.2f} ± {row.variant_std:.2f} % at "
            f"{point_label(row.variant_point)}, against the paper's {row.paper:.1f} %")


def _column_counts(readings: Mapping[str, pd.DataFrame]) -> tuple[int, int, int]:
    """Cells, and cells within the spread under the protocol's and the changed reading."""
    protocol, changed = readings.values()
    return len(changed), int(protocol.within_spread.sum()), int(changed.within_spread.sum())


def column_story(readings: Mapping[str, pd.DataFrame], change: str, protocol_batch: int) -> str:
    """How many cells of a column one network fits, read with the protocol and with ``change``.

    ``readings`` maps two titles (the protocol's reading first, then the changed one) to
    :func:`~.gaps.column_at_point` frames.
    """
    cells, protocol, changed = _column_counts(readings)
    story = (f"Read with {change}, {changed} of the {cells} cells lie within the spread of the "
             f"paper's values at this one network; read with the protocol's batch "
             f"{protocol_batch}, {protocol} of the {cells}. ")
    if changed == cells:
        return story + (
            "One reading fits the paper's whole non-linear column at once: batches of 300 and "
            "every regime read at the largest network, where the unconstrained network has "
            "begun to over-fit. It departs from Table 1's stated rule, the best point over the "
            "explored range, only for the unconstrained cell, and agrees with it if the "
            "paper's smaller unconstrained networks scored no better than its largest. The "
            "paper lists neither its grid nor which batch size it used, so this is a reading "
            "consistent with all four of its numbers, not a proof that it is the paper's.")
    return story + "No single network of our grid accounts for the whole column."


def column_readings(
    study_frame: pd.DataFrame, changed_frame: pd.DataFrame, architecture: str, point: str,
    titles: tuple[str, str],
) -> dict[str, pd.DataFrame]:
    """A Table 1 column read at one ``point`` with the protocol's runs and with changed runs."""
    return {
        titles[0]: column_at_point(study_frame, architecture, point),
        titles[1]: column_at_point(changed_frame, architecture, point),
    }


def column_account(
    readings: Mapping[str, pd.DataFrame], architecture: str, point: str, change: str
) -> dict[str, str]:
    """For :func:`~.gaps.gap_accounts`: the one-network reading, if it fits the whole column."""
    cells, _, changed = _column_counts(readings)
    return {architecture: f"the column read at {point} with {change}"} if changed == cells else {}


def unconstrained_curves(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The unconstrained curves of the wide and deep studies (for :func:`~.gaps.gap_accounts`)."""
    return {
        "linear_wide": regime_curve(point_summary(frame[frame.study == "wide"]), "unconstrained"),
        "linear_deep": regime_curve(point_summary(frame[frame.study == "deep"]), "unconstrained"),
    }


def noise_panels(
    records: Iterable[Mapping[str, Any]], noise: pd.DataFrame
) -> dict[str, list[Mapping[str, Any]]]:
    """The runs at the narrowest, middle and widest point of a fluctuation frame, by point."""
    records = list(records)
    shown = dict.fromkeys([noise.point.iloc[0], noise.point.iloc[len(noise) // 2],
                           noise.point.iloc[-1]])
    return {point: select_records(records, point=point) for point in shown}


def noise_findings(noise: pd.DataFrame, paper: float) -> dict[str, str]:
    """What the epoch-to-epoch noise of the unconstrained wide networks says about their cell.

    ``noise`` is a :func:`~.gaps.fluctuation_by_point` frame with the paper's cell ``paper``
    as threshold: the narrowest and widest network's final accuracy and late range, the share
    of the widest one's late readings below the paper's value, the points where at least half
    are below it, and whether the paper's value lies on our curve (``on_curve``).
    """
    narrow, wide = noise.iloc[0], noise.iloc[-1]
    low, high = noise.loc[noise.final.idxmin()], noise.loc[noise.final.idxmax()]
    on_curve = (
        f"lies between our means at {high.point} and {low.point}, on our own curve"
        if low.final <= paper <= high.final else
        f"lies outside the range of our means ({low.final:.2f} to {high.final:.2f} %)"
    )
    return {
        "narrow_point": narrow.point, "wide_point": wide.point,
        "narrow_final": f"{narrow.final:.2f}", "wide_final": f"{wide.final:.2f}",
        "narrow_range": f"{narrow.last_range:.1f}", "wide_range": f"{wide.last_range:.1f}",
        "on_curve": on_curve,
        "share_wide": f"{100 * wide.share_below:.0f}",
        "points_below": joined(noise[noise.share_below >= 0.5].point),
    }


def best_point(table: pd.DataFrame, architecture: str, regime: str) -> str:
    """The sweep point of one Table 1 cell (:func:`~.summaries.table1`'s ``best_point``)."""
    cell = table[(table.architecture == architecture) & (table.regime == regime)]
    if len(cell) != 1:
        raise ValueError(f"Table 1 has no single {architecture!r} / {regime!r} cell.")
    return cell.best_point.item()


def gaps_story(accounts: pd.DataFrame) -> str:
    """Whether every cell of :func:`~.gaps.gap_accounts` is accounted for, and which are not."""
    still_open = [cell_name(c.architecture, c.regime) for c in accounts.itertuples()
                  if not c.accounts]
    if not still_open:
        return (f"Each of the {len(accounts)} gaps is accounted for by at least one finding: a "
                "choice the paper leaves open (the batch size, the sweep grid, the later "
                "layers' input eigenvalues) or the noise of a single last-epoch reading.")
    return (f"{len(accounts) - len(still_open)} of the {len(accounts)} gaps are accounted for "
            f"by at least one finding; still open: {', '.join(still_open)}.")
