"""The CNN chapter's tables and findings: pooling paired by seed, speed-ups and their growth."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from spectral_nb.cnn import plots, speedups, studies, tables


def _speedup_runs(values: dict[str, list[float]]) -> pd.DataFrame:
    """A per-run summary as optimisation_frames returns it, speed-ups per size and seed."""
    rows = [
        {"kernel_size": size, "seed": seed, "target_loss": 0.5, "spectral_final_loss": 0.4,
         "spatial_epochs": 6.0, "spectral_epochs": 6.0 / v, "speedup_epochs": v}
        for size, per_seed in values.items()
        for seed, v in enumerate(per_seed)
    ]
    return pd.DataFrame(rows)


def _costs(ratios: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"filters": k, "spatial_ms": 1.0, "spectral_ms": r, "ratio": r, "steps": 5,
          "repeats": 3, "batch": 64} for k, r in ratios.items()]
    ).set_index("filters")


def _clf_frame() -> pd.DataFrame:
    # Seed offsets shared by the three poolings: spectral is lower by 0.6, 0.3 and 0.9 pp.
    acc = {
        ("d", "max"): [80.0, 85.0, 82.0],
        ("d", "spectral"): [79.4, 84.7, 81.1],
        ("d", "spectral+rr"): [78.0, 83.0, 80.0],
        ("e", "max"): [99.0, 98.8, 98.9],
        ("e", "spectral"): [99.1, 98.7, 98.8],
        ("e", "spectral+rr"): [98.9, 98.8, 98.7],
    }
    rows = [
        {"dataset": d, "pooling": p, "seed": seed, "params": 10, "epochs": 1,
         "train_images": 5, "test_images": 4, "test_accuracy": a / 100,
         "seconds_per_epoch": 1.0}
        for (d, p), values in acc.items()
        for seed, a in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_speedup_table_and_growth_paired_by_seed() -> None:
    runs = _speedup_runs(
        {"3x3": [1.5, 2.0, 1.8], "5x5": [1.6, np.nan, 1.7], "7x7": [1.7, 2.4, 2.0]}
    )
    table = speedups.speedup_table(runs)
    assert table.loc["3x3", "speedup_epochs"] == pytest.approx((1.5 * 2.0 * 1.8) ** (1 / 3))
    assert table.loc["5x5", "reached"] == "2/3"
    assert table.loc["7x7", "paper_speedups"] == ""
    growth = speedups.growth_pairs(runs)
    assert list(growth) == [("3x3", "5x5"), ("5x5", "7x7")]
    first = growth[("3x3", "5x5")]
    # seed 1 never reached the 5x5 target: paired over seeds 0 and 2 only
    assert first.n == 2 and first.mean == pytest.approx(0.0)
    assert (first.n_positive, first.n_negative) == (1, 1)
    second = growth[("5x5", "7x7")]
    assert second.n == 2 and second.mean == pytest.approx(0.2) and second.all_agree
    assert speedups.growth_clause(second) == (
        "grows by 0.20 on average (from 0.10 to 0.30), in 2 of 2 seeds"
    )
    assert speedups.growth_clause(None).startswith("could not be measured")
    assert speedups.paper_growth() == pytest.approx((2.6, 2.9, 2.4))
    assert speedups.paper_factor() == pytest.approx((4.8 / 2.2, 5.1 / 2.2, 2.0))
    shown = speedups.growth_table(runs)
    assert list(shown["seeds grown / shrunk"]) == ["1 / 1", "2 / 0"]
    assert shown["paper"].iloc[0] == "+2.4 to 2.9"
    assert shown["paper"].iloc[1] == "not measured by the paper"


def test_growth_needs_one_seed_reaching_both_targets() -> None:
    runs = _speedup_runs({"3x3": [np.nan], "5x5": [1.2]})
    assert speedups.growth_pairs(runs) == {("3x3", "5x5"): None}
    assert speedups.growth_table(runs)["change (mean ± sd)"].iloc[0] == speedups.NOT_MEASURED


def test_seconds_come_from_the_interleaved_step_costs() -> None:
    runs = _speedup_runs({"3x3": [2.0, 2.0], "5x5": [3.0, 3.0], "7x7": [np.nan, np.nan]})
    table = speedups.speedup_table(runs)
    costs = _costs({"3x3": 1.25, "5x5": 1.5, "7x7": 1.1})
    seconds = speedups.seconds_speedups(table, costs)
    assert seconds["3x3"] == pytest.approx(1.6) and seconds["5x5"] == pytest.approx(2.0)
    assert np.isnan(seconds["7x7"])
    records = [{"spec": {"epochs": 6, "evals_per_epoch": 4}, "train_images": 100,
                "eval_images": 10}]
    found = speedups.optimisation_findings(table, runs, records, costs)
    assert found["cnn_speedup_s_3x3"] == "1.60" and found["cnn_cost_5x5"] == "1.50"
    assert found["cnn_speedup_7x7"] == speedups.NOT_MEASURED
    assert found["cnn_sooner_7x7"] == "in no run, so no speed-up was measured"
    assert found["cnn_sooner_3x3"] == (
        "2.00 times sooner (from 2.00 to 2.00 over seeds)"
    )
    assert found["cnn_opt_sizes"] == "3x3, 5x5 and 7x7" and found["cnn_opt_seeds"] == 2
    assert found["cnn_growth_3x3_5x5"].startswith("grows by 1.00 on average")
    assert found["cnn_growth_5x5_7x7"].startswith("could not be measured")
    assert found["cnn_factor_3x3_5x5"] == "1.50"
    assert found["cnn_factor_5x5_7x7"] == speedups.NOT_MEASURED
    assert found["cnn_paper_factor"] == "2.0 to 2.3"
    shown = speedups.speedup_display(table, costs)
    assert shown.loc["5x5", "speed-up in seconds"] == pytest.approx(2.0)
    assert shown.loc["7x7", "paper"] == "not measured by the paper"
    by_seed = speedups.speedups_by_seed(runs)
    assert list(by_seed.columns) == ["3x3", "5x5", "7x7"] and list(by_seed.index) == [0, 1]


def test_pooling_compared_seed_by_seed() -> None:
    frame = _clf_frame()
    pairs = tables.pooling_pairs(frame)
    p = pairs[("d", "spectral", "max")]
    assert p.mean == pytest.approx(-0.6) and p.n_negative == 3 and p.all_agree
    # unpaired, the difference of means lies well within one std of max pooling's seeds
    max_d = frame[(frame["pooling"] == "max") & (frame["dataset"] == "d")]["test_accuracy"]
    assert abs(p.mean) < 100 * max_d.std()
    assert tables.pooling_clause(p) == (
        "lower by 0.60 pp on average (from 0.30 to 0.90), in 3 of 3 seeds"
    )
    mixed = pairs[("e", "spectral", "max")]
    assert (mixed.n_positive, mixed.n_negative) == (1, 2) and not mixed.all_agree
    found = tables.classification_findings(tables.classification_table(frame), frame, "d")
    assert found["cnn_pool_spectral"] == tables.pooling_clause(p)
    assert found["cnn_pool_spectral_rr"].startswith("lower by 2.00 pp")
    assert found["cnn_pool_others"] == (
        "On e the accuracy with spectral pooling is lower by 0.03 pp on average "
        "(from -0.10 to 0.10), in 2 of 3 seeds."
    )
    only = frame[frame["dataset"] == "d"]
    assert tables.other_datasets_sentence(only, "d") == (
        "This profile trains the classification study on d only."
    )
    shown = tables.pooling_pairs_display(frame)
    assert shown.loc[("d", "spectral pooling − max pooling"), "seeds above / below"] == "0 / 3"
    assert shown.shape == (4, 3)


def test_claims_table_rests_on_paired_numbers() -> None:
    frame = _clf_frame()
    runs = _speedup_runs({"3x3": [1.5, 2.0], "5x5": [1.6, 2.2], "7x7": [1.7, 2.1]})
    info = studies.information_preservation(
        np.random.default_rng(0).random((2, 12, 12)), "d", (1 / 4, 1.0), (2,)
    )
    claims = tables.claims_table(info, frame, speedups.speedup_table(runs), runs, "quick", "d")
    assert claims.shape == (7, 3)
    assert "spectral pooling: -0.60 pp, below max pooling in 3 of 3 seeds" in claims.iloc[1, 2]
    assert claims.iloc[4, 1] == "not measured by the paper"  # 7x7: beyond the paper
    assert claims.iloc[5, 1] == "by 2.4 to 2.9"
    assert claims.iloc[6, 2] == "by +0.00 on average, grew in 1 of 2 seeds"


def test_speedup_growth_plot_draws_every_seed() -> None:
    runs = _speedup_runs({"3x3": [1.5, 2.0], "5x5": [1.6, 2.2], "7x7": [1.7, np.nan]})
    fig = plots.plot_speedup_growth(runs)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2 + 3 + 1  # two seeds, three paper networks, the line at 1
    assert list(lines[0].get_ydata()) == [1.5, 1.6, 1.7]


def test_step_costs_time_both_parametrisations_interleaved() -> None:
    from spectral_nb.cnn import bench

    costs = bench.step_costs("smoke")
    assert list(costs.index) == ["3x3", "5x5", "7x7"]
    assert (costs[["spatial_ms", "spectral_ms", "ratio"]] > 0).all().all()
    assert set(costs["repeats"]) == {bench.STEP_TIMING["smoke"][1]}
