"""The notes page's sentences about the gaps: each branch of the wording, on small frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spectral_nb.analysis import gap_findings as gf
from spectral_nb.analysis import gap_tables


def _verdicts() -> pd.DataFrame:
    rows = [
        # architecture, regime, change, gap, changed_gap, verdict
        ("nonlinear", "constrained", "batch 300", -1.7, -0.1, "within the spread"),
        ("nonlinear", "constrained", "N2 up to 4000", -1.7, -1.0, "closer"),
        ("nonlinear", "train_lambda", "batch 300", 0.6, 0.1, "within the spread"),
        ("linear_wide", "constrained", "budget split per layer", 1.43, 1.14, "closer"),
        ("linear_wide", "constrained", "start from the spectral operator", 1.43, 1.5,
         "no change"),
        ("linear_deep", "unconstrained", None, 0.9, np.nan, "not probed"),
    ]
    return pd.DataFrame(rows, columns=["architecture", "regime", "change", "gap",
                                       "changed_gap", "verdict"])


def test_verdict_findings_count_close_and_name_the_cells():
    found = gf.verdict_findings(_verdicts())
    assert found["cells"] == 4 and found["closed"] == 2
    assert found["tries"] == "1 to 2"
    assert found["closed_list"] == ("non-linear / Constrained NN (batch 300); "
                                    "non-linear / Train Λ (batch 300)")
    assert found["open_list"] == "linear wide / Constrained NN; linear deep / Unconstrained NN"
    assert found["closest"] == ("linear wide / Constrained NN: budget split per layer "
                                "(+1.43 → +1.14 points); linear deep / Unconstrained NN: "
                                "not probed")


def test_grid_end_story_covers_fit_no_fit_and_never():
    fit = {"from_point": "N2=1000", "to_point": "N2=2000", "lambda_there": 90.6,
           "lambda_std_there": 0.3, "fits": True}
    miss = fit | {"from_point": "N2=2000", "to_point": "N2=3000", "lambda_there": 94.7,
                  "lambda_std_there": 0.1, "fits": False}
    story = gf.grid_end_story({"linear_wide": fit, "nonlinear": miss, "linear_deep": None},
                              _verdicts())
    assert story.startswith("Linear wide: a grid ending where our constrained network reaches "
                            "the paper's 87.8 % (between N2=1000 and N2=2000) would put our "
                            "Train Λ cell at about 90.6 ± 0.3 %, against the paper's 90.9 %: "
                            "one end of the grid fits both cells")
    assert (" Non-linear: a grid ending where our constrained network reaches the paper's "
            "88.9 %" in story)
    assert ("no single end fits both cells, so at equal size the paper's constrained network "
            "does better relative to Train Λ than ours. One change of protocol does bring both "
            "cells within the spread on our own grid: batch 300." in story)
    assert story.endswith("Linear deep: our constrained curve never reaches the paper's value, "
                          "so no end of the grid explains that cell.")


def _reading(*within: bool) -> pd.DataFrame:
    regimes = ["constrained", "train_lambda", "unconstrained", "train_lambda_phi"][:len(within)]
    return pd.DataFrame({"regime": regimes, "paper": 90.0, "mean": 90.0, "std": 0.1,
                         "within_spread": list(within)})


def test_column_story_and_account_depend_on_the_whole_column():
    fits = {"batch 800 (protocol)": _reading(True, False, False, False),
            "batch 300": _reading(True, True, True, True)}
    story = gf.column_story(fits, "batch 300", 800)
    assert story.startswith("Read with batch 300, 4 of the 4 cells lie within the spread of the "
                            "paper's values at this one network; read with the protocol's "
                            "batch 800, 1 of the 4. One reading fits")
    assert gf.column_account(fits, "nonlinear", "N2=2000", "batch 300") == {
        "nonlinear": "the column read at N2=2000 with batch 300"}
    short = {"protocol": _reading(True, False), "batch 300": _reading(True, False)}
    assert gf.column_story(short, "batch 300", 800).endswith(
        "No single network of our grid accounts for the whole column.")
    assert gf.column_account(short, "nonlinear", "N2=2000", "batch 300") == {}


def test_best_reading_and_best_point():
    table = pd.DataFrame([{"variant": 97.3, "variant_std": 0.22, "variant_point": "N2=50",
                           "paper": 96.4}])
    assert gf.best_reading(table) == "best 97.30 ± 0.22 % at N₂ = 50, against the paper's 96.4 %"
    final = pd.DataFrame({"architecture": ["linear_deep"], "regime": ["unconstrained"],
                          "best_point": ["l3:784-20-10"]})
    assert gf.best_point(final, "linear_deep", "unconstrained") == "l3:784-20-10"
    with pytest.raises(ValueError, match="no single"):
        gf.best_point(final, "nonlinear", "unconstrained")


def _noise(finals: list[float], shares: list[float]) -> pd.DataFrame:
    points = [f"N2={n}" for n in (20, 200, 2000)][:len(finals)]
    return pd.DataFrame({"point": points, "final": finals, "last_range": [0.9, 1.2, 1.6],
                         "share_below": shares, "n_seeds": 5})


def test_noise_findings_place_the_paper_value_on_or_off_our_curve():
    on = gf.noise_findings(_noise([91.98, 90.5, 89.41], [0.0, 0.4, 0.96]), 91.0)
    assert on["on_curve"] == "lies between our means at N2=20 and N2=2000, on our own curve"
    assert on["points_below"] == "N2=2000" and on["share_wide"] == "96"
    assert (on["narrow_point"], on["wide_final"], on["wide_range"]) == ("N2=20", "89.41", "1.6")
    off = gf.noise_findings(_noise([91.98, 90.5, 89.41], [0.0, 0.0, 0.0]), 95.0)
    assert off["on_curve"] == "lies outside the range of our means (89.41 to 91.98 %)"
    assert off["points_below"] == "none"
    table = gap_tables.noise_table(_noise([91.98, 90.5, 89.41], [0.0, 0.4, 0.96]), 91.0)
    assert table.columns[-1] == "share of those readings below 91.0 %"
    assert "seeds" not in table.columns  # every point has 5
    uneven = _noise([91.98, 90.5, 89.41], [0.0, 0.4, 0.96]).assign(n_seeds=[5, 4, 5])
    assert list(gap_tables.noise_table(uneven, 91.0)["seeds"]) == [5, 4, 5]


def test_gaps_story_open_or_all_accounted():
    accounts = pd.DataFrame({"architecture": ["linear_wide", "linear_deep"],
                             "regime": ["constrained", "unconstrained"],
                             "accounts": [["probe: x"], []]})
    assert gf.gaps_story(accounts) == ("1 of the 2 gaps are accounted for by at least one "
                                       "finding; still open: linear deep / Unconstrained NN.")
    closed = accounts.assign(accounts=[["probe: x"], ["noise"]])
    assert gf.gaps_story(closed).startswith("Each of the 2 gaps is accounted for")
    summary = gap_tables.gap_summary_table(accounts.assign(paper=[87.8, 91.2],
                                                           mean=[89.2, 92.1], std=[0.1, 0.2],
                                                           difference=[1.4, 0.9]))
    assert list(summary["accounted for by"]) == ["probe: x", "open"]
    assert summary.index[1] == "linear deep / Unconstrained NN"


def test_verdict_display_names_each_cell_once():
    verdicts = _verdicts().assign(paper=88.9, ours=87.23, ours_std=0.33)
    shown = gap_tables.verdict_display(verdicts)
    assert shown.index.names == ["cell", "paper (%)", "ours (%)", "gap (points)", "probe"]
    assert shown.index[0] == ("non-linear / Constrained NN", "88.9", "87.23 ± 0.33", "-1.70",
                              "batch 300")
    unprobed = shown.reset_index().query("cell == 'linear deep / Unconstrained NN'")
    assert list(unprobed["probe"]) == ["–"] and list(unprobed["verdict"]) == ["not probed"]


def test_crossing_table_reads_where_each_curve_meets_the_paper():
    from spectral_nb.experiments.protocol.paper_values import TABLE1

    rows = [("N2=20", 30, 80.0), ("N2=2000", 2010, 95.0)]
    summary = pd.DataFrame(
        [{"point": p, "eigenvalues": e, "regime": r, "convention": "paper", "mean": m + k}
         for p, e, m in rows for k, r in enumerate(
             ["constrained", "train_lambda", "unconstrained", "train_lambda_phi"])])
    table = gap_tables.crossing_table({"linear_wide": summary}, TABLE1)
    assert table.loc["linear wide / Constrained NN", "our curve reaches the paper's value"] == (
        "between N2=20 and N2=2000")
    assert table.loc["linear wide / Train Λ, Φ", "ours, first to last point (%)"] == (
        "83.00 → 98.00")
