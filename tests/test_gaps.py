"""Verdicts on the gaps to the paper, and epoch-to-epoch fluctuation of test accuracy."""

import pandas as pd
import pytest

from spectral_nb.analysis.gaps import epoch_fluctuation, gap_verdicts


def _cells():
    return pd.DataFrame(
        [
            # architecture, regime, paper, mean, std, within_spread
            ("nonlinear", "constrained", 88.9, 87.2, 0.3, False),
            ("nonlinear", "train_lambda", 93.5, 93.8, 0.1, False),
            ("linear_deep", "train_lambda", 91.5, 90.7, 0.2, False),
            ("linear_wide", "train_lambda", 90.9, 91.0, 0.25, True),
        ],
        columns=["architecture", "regime", "paper", "mean", "std", "within_spread"],
    )


def _probe(regime, architecture, change, protocol, variant, std=0.2, n=5):
    return pd.DataFrame(
        [{"architecture": architecture, "regime": regime, "change": change,
          "protocol": protocol, "protocol_std": std, "variant": variant, "variant_std": std,
          "n_seeds": n}]
    )


def test_each_outside_cell_gets_a_verdict_per_probe_and_unprobed_cells_say_so():
    probes = [
        _probe("constrained", "nonlinear", "wider grid", 87.2, 88.8),   # within
        _probe("constrained", "nonlinear", "per layer", 87.2, 85.0),    # further
        _probe("train_lambda", "nonlinear", "batch 300", 93.8, 93.85, std=0.1),  # no change
        _probe("train_lambda", "linear_wide", "anything", 91.0, 80.0),  # cell within: ignored
    ]
    verdicts = gap_verdicts(_cells(), probes)
    got = {
        (r.regime, r.architecture, r.change if isinstance(r.change, str) else None): r.verdict
        for r in verdicts.itertuples()
    }
    assert got == {
        ("constrained", "nonlinear", "wider grid"): "within the spread",
        ("constrained", "nonlinear", "per layer"): "further",
        ("train_lambda", "nonlinear", "batch 300"): "no change",
        ("train_lambda", "linear_deep", None): "not probed",
    }
    row = verdicts[verdicts.change == "per layer"].iloc[0]
    assert row.gap == pytest.approx(-1.7) and row.changed_gap == pytest.approx(-3.9)


def test_a_clear_shrink_that_stays_outside_is_closer():
    verdicts = gap_verdicts(_cells(), [_probe("train_lambda", "linear_deep", "tied", 90.7,
                                              91.2, std=0.1)])
    assert verdicts[verdicts.change == "tied"].verdict.item() == "closer"


def test_epoch_fluctuation_reads_the_last_epochs_of_each_history():
    record = {
        "study": "wide",
        "spec": {"regime": "unconstrained", "convention": "paper", "seed": 3,
                 "tags": {"point": "N2=2000"}},
        "history": {"test_accuracy": [0.5, 0.9, 0.91, 0.89, 0.92, 0.90]},
    }
    (row,) = epoch_fluctuation([record], last_epochs=4, below=90.5).to_dict("records")
    assert row["share_below"] == pytest.approx(0.5)  # 89 and 90 of 91, 89, 92, 90
    assert row["final"] == pytest.approx(90.0)
    assert (row["last_min"], row["last_max"]) == pytest.approx((89.0, 92.0))
    assert row["last_range"] == pytest.approx(3.0)
    assert row["point"] == "N2=2000" and row["seed"] == 3


def test_fluctuation_by_point_averages_seeds_and_orders_by_size():
    from spectral_nb.analysis.gaps import fluctuation_by_point

    def record(point, size, seed, tail):
        return {
            "study": "wide",
            "spec": {"regime": "unconstrained", "convention": "paper", "seed": seed,
                     "tags": {"point": point, "eigenvalues": size}},
            "history": {"test_accuracy": tail},
        }

    runs = [record("N2=2000", 2010, 0, [0.88, 0.90]), record("N2=2000", 2010, 1, [0.90, 0.92]),
            record("N2=20", 30, 0, [0.92, 0.92])]
    summary = fluctuation_by_point(epoch_fluctuation(runs, last_epochs=2, below=91.0))
    assert list(summary.point) == ["N2=20", "N2=2000"]
    wide = summary.iloc[1]
    assert wide.final == pytest.approx(91.0) and wide.last_range == pytest.approx(2.0)
    assert wide.share_below == pytest.approx(0.75) and wide.n_seeds == 2  # (2/2 + 1/2) / 2


def test_crossing_is_interpolated_on_the_log_axis_and_none_without_one():
    from spectral_nb.analysis.gaps import paper_value_crossing

    curve = pd.DataFrame({"point": ["a", "b", "c"], "eigenvalues": [100, 1000, 10000],
                          "mean": [80.0, 86.0, 90.0]})
    crossing = paper_value_crossing(curve, 88.0)
    assert crossing["eigenvalues"] == pytest.approx(10 ** 3.5)  # halfway between 86 and 90
    assert (crossing["from_point"], crossing["to_point"]) == ("b", "c")
    assert paper_value_crossing(curve, 95.0) is None
    assert paper_value_crossing(curve.iloc[::-1], 80.0)["eigenvalues"] == pytest.approx(100)


def test_grid_end_fit_reads_train_lambda_where_the_constrained_curve_meets_the_paper():
    from spectral_nb.analysis.gaps import grid_end_fit

    sizes = {"point": ["a", "b", "c"], "eigenvalues": [100, 1000, 10000]}
    constrained = pd.DataFrame(sizes | {"mean": [80.0, 86.0, 90.0], "std": [0.1] * 3})
    lam = pd.DataFrame(sizes | {"mean": [88.0, 90.0, 92.0], "std": [0.2, 0.2, 0.6]})
    fit = grid_end_fit(constrained, lam, paper_constrained=88.0, paper_lambda=91.0)
    # The constrained curve meets 88 halfway between b and c (log axis): Train Lambda is 91 there.
    assert fit["lambda_there"] == pytest.approx(91.0)
    assert fit["lambda_std_there"] == pytest.approx(0.4) and fit["fits"]
    # 1.0 point away with a std of 0.4 there: outside twice the spread, although the curve's
    # largest std (0.6) would have let it pass.
    assert not grid_end_fit(constrained, lam, 88.0, 92.0)["fits"]
    assert grid_end_fit(constrained, lam, 95.0, 91.0) is None


def test_closing_changes_lists_only_changes_that_reach_the_spread():
    from spectral_nb.analysis.gaps import closing_changes

    verdicts = pd.DataFrame({
        "architecture": ["nonlinear", "nonlinear", "nonlinear", "linear_wide"],
        "regime": ["constrained", "constrained", "train_lambda", "constrained"],
        "change": ["batch 300", "N2 up to 4000", "batch 300", "batch 300"],
        "verdict": ["within the spread", "closer", "within the spread", "within the spread"],
    })
    assert closing_changes(verdicts, "nonlinear", "constrained") == ["batch 300"]
    assert closing_changes(verdicts, "linear_deep", "train_lambda") == []


def test_column_at_point_reads_every_regime_at_one_network_only():
    from spectral_nb.analysis.gaps import column_at_point

    def run(point, regime, convention, accuracy):
        return {"dataset": "mnist", "study": "probe_batch_size", "point": point,
                "eigenvalues": 10, "regime": regime, "convention": convention,
                "accuracy": accuracy}

    frame = pd.DataFrame(
        [run("N2=2000", "unconstrained", "-", a) for a in (96.2, 96.6)]
        + [run("N2=2000", "train_lambda", "paper", a) for a in (93.0, 93.2)]
        + [run("N2=2000", "train_lambda", "authors_code", 99.0)]   # other convention: ignored
        + [run("N2=20", "unconstrained", "-", 97.5)]                # other point: ignored
    )
    column = column_at_point(frame, "nonlinear", "N2=2000")
    assert list(column.regime) == ["train_lambda", "unconstrained"]   # the paper's order
    lam, unc = column.to_dict("records")
    assert unc["paper"] == 96.4 and unc["mean"] == pytest.approx(96.4) and unc["within_spread"]
    assert lam["mean"] == pytest.approx(93.1) and lam["n_seeds"] == 2
    # 0.4 points below 93.5 with a std of 0.14: outside twice the spread.
    assert lam["difference"] == pytest.approx(-0.4) and not lam["within_spread"]


def test_column_display_puts_readings_side_by_side_and_marks_missing_regimes():
    from spectral_nb.analysis.gap_tables import column_display

    def reading(*rows):
        return pd.DataFrame(rows, columns=["regime", "paper", "mean", "std", "within_spread"])

    table = column_display({
        "batch 800": reading(("constrained", 88.9, 87.23, 0.33, False),
                             ("unconstrained", 96.4, 96.85, 0.13, False)),
        "batch 300": reading(("constrained", 88.9, 89.0, 0.19, True)),
    })
    assert list(table.index) == ["Constrained NN", "Unconstrained NN"]
    assert table.loc["Constrained NN", "batch 300 (%)"].endswith("(within)")
    assert table.loc["Constrained NN", "batch 800 (%)"].endswith("(outside)")
    assert table.loc["Unconstrained NN", "batch 300 (%)"] == "–"


def test_gap_accounts_collects_every_finding_per_cell_and_leaves_the_rest_open():
    from spectral_nb.analysis.gaps import gap_accounts

    cells = pd.DataFrame(
        [("linear_wide", "constrained", 87.8, 89.2, 0.1, False),
         ("linear_wide", "unconstrained", 91.0, 92.0, 0.3, False),
         ("linear_deep", "unconstrained", 95.0, 92.0, 0.3, False),
         ("linear_wide", "train_lambda", 90.9, 91.0, 0.25, True),
         ("nonlinear", "constrained", 88.9, 87.2, 0.3, False)],
        columns=["architecture", "regime", "paper", "mean", "std", "within_spread"],
    )
    verdicts = pd.DataFrame({"architecture": ["nonlinear"], "regime": ["constrained"],
                             "change": ["batch 300"], "verdict": ["within the spread"]})
    fits = {"linear_wide": {"fits": True, "from_point": "a", "to_point": "b"}, "nonlinear": None}
    curve = pd.DataFrame({"mean": [92.0, 90.5]})
    accounts = gap_accounts(cells, verdicts, fits, {"linear_wide": curve, "linear_deep": curve},
                            {"nonlinear": "one network"})
    got = {(r.architecture, r.regime): r.accounts for r in accounts.itertuples()}
    assert got == {
        ("linear_wide", "constrained"): ["the grid's end (between a and b)"],
        ("linear_wide", "unconstrained"):
            ["a noisy curve falling with width: the paper's value lies on ours"],
        ("linear_deep", "unconstrained"): [],          # 95.0 is off our curve: open
        ("nonlinear", "constrained"): ["probe: batch 300", "one network"],
    }
