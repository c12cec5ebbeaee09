"""The chapters' conclusions: values and words chosen from the numbers (synthetic records)."""

from __future__ import annotations

import pandas as pd

from spectral_nb.analysis import findings
from spectral_nb.analysis.records import add_depth, overfitting_frame
from spectral_nb.analysis.summaries import point_summary, runs_frame, table1
from spectral_nb.analysis.sweeps import study_overview
from spectral_nb.analysis.tables import ranking_agreement


def _study(records: list[dict], name: str) -> pd.DataFrame:
    return point_summary(runs_frame([r for r in records if r["study"] == name]))


def _perceptron_table(**means: float) -> pd.DataFrame:
    rows = [{"regime": r, "mean": m, "std": 0.5, "within_spread": r != "constrained"}
            for r, m in means.items()]
    return pd.DataFrame(rows)


def test_perceptron_findings_choose_above_or_below():
    ahead = findings.perceptron_findings(_perceptron_table(
        train_lambda=82.0, constrained=80.5, unconstrained=92.3, train_lambda_phi=92.5))
    assert ahead["lambda_vs_constrained"] == "above" and ahead["lambda_constrained_gap"] == "1.5"
    assert ahead["paper_lambda_constrained_gap"] == "3" and ahead["paper_train_lambda"] == "82 ± 2"
    assert ahead["phi_vs_dense"] == "+0.20" and ahead["dense_lambda_gap"] == "10.3"
    assert ahead["within"] == 3 and ahead["rows"] == 4 and ahead["spread_factor"] == "2"
    behind = findings.perceptron_findings(_perceptron_table(
        train_lambda=79.0, constrained=80.5, unconstrained=92.3, train_lambda_phi=92.5))
    assert behind["lambda_vs_constrained"] == "below" and behind["lambda_constrained_gap"] == "1.5"


def test_trained_parameters_and_last_gains(perceptron):
    params = findings.trained_parameters(runs_frame(perceptron))
    assert params["params_train_lambda"] == "794" and params["params_unconstrained"] == "7,940"
    gains = findings.last_epoch_gains(perceptron)
    assert gains["last_gain_train_lambda"] == "+2.00"  # the synthetic curves rise 2 points
    one_epoch = [{**r, "history": {"test_accuracy": r["history"]["test_accuracy"][:1]}}
                 for r in perceptron]
    assert findings.last_epoch_gains(one_epoch)["last_gain_unconstrained"] == "–"


def test_weight_findings_say_which_is_closer(perceptron):
    found = findings.weight_findings(perceptron)
    assert found["tv_closer"] == "closer to"
    assert float(found["tv_lambda"]) < float(found["tv_constrained"])
    swapped = [{**r, "spec": {**r["spec"], "regime": {"train_lambda": "constrained",
                                                       "constrained": "train_lambda"}.get(
        r["spec"]["regime"], r["spec"]["regime"])}} for r in perceptron]
    assert findings.weight_findings(swapped)["tv_closer"] == "no closer to"
    kurtosis = findings.kurtosis_findings(perceptron)
    assert set(kurtosis) == {"kurtosis_train_lambda", "kurtosis_unconstrained",
                             "kurtosis_constrained"}


def test_wide_findings_with_and_without_a_match(sweeps):
    summary = _study(sweeps, "wide")
    found = findings.wide_findings(summary, tolerance=100.0)
    assert found["match_sentence"].startswith("Train Λ first comes within 100 points of the "
                                              "unconstrained network at N2=20, with 30 trained")
    assert found["at_point"] == "N2=20" and found["at_eigenvalues"] == "30"
    assert found["at_share_perceptron"] == "0"  # 30 of 7,840
    assert found["at_share_wide"] == f"{100 * 30 / (784 * 20 + 20 * 10):.2f}"
    assert found["largest_point"] == "N2=500" and found["points"] == 2
    assert found["lambda_beats_constrained"] == 2
    assert found["flat_sentence"].startswith("In our runs Unconstrained NN goes from ")
    never = findings.wide_findings(summary, tolerance=-100.0)
    assert never["match_sentence"].startswith("Within the explored range Train Λ does not come")
    assert never["at_point"] == "N2=500"  # the widest point stands in for the match


def test_deep_and_distance_findings(sweeps):
    frame = add_depth(runs_frame([r for r in sweeps if r["study"] == "deep"]))
    summary = add_depth(point_summary(frame))
    found = findings.deep_findings(summary, table1(frame))
    assert found["points"] == 3 and found["lambda_beats_constrained"] == 3
    assert found["best_depth_lambda"] == 5  # accuracies rise with the eigenvalue count
    assert found["rows"] == 4 and isinstance(found["within"], int)
    distances = pd.DataFrame({"Train Λ vs unconstrained": [0.1, 0.3],
                              "constrained vs unconstrained": [0.2, 0.2]})
    assert findings.distance_findings(distances) == {"tv_closer": 1, "tv_depths": 2}


def test_nonlinear_and_overfitting_findings(sweeps):
    nonlinear = [r for r in sweeps if r["study"] == "nonlinear"]
    found = findings.nonlinear_findings(_study(sweeps, "nonlinear"))
    assert found["last_point"] == "N2=500" and found["points"] == 2
    gaps = point_summary(overfitting_frame(nonlinear), "generalisation_gap")
    over = findings.overfitting_findings(gaps)
    assert over["gap_widest_train_lambda"] == "1.00"  # train = test + 1 point
    assert over["gap_smaller"] == "not smaller"  # equal gaps: not smaller
    gaps.loc[gaps.regime == "unconstrained", "mean"] = 3.0
    assert findings.overfitting_findings(gaps)["gap_smaller"] == "smaller"


def test_table1_and_ranking_findings(sweeps):
    frame = runs_frame(sweeps)
    final, best = table1(frame), table1(frame, column="best_epoch_accuracy")
    found = findings.table1_findings(final, best)
    assert found["rows"] == 12
    assert found["best_minus_final_mean"] == "0.00"  # synthetic curves peak at the last epoch
    ranking = findings.ranking_findings(ranking_agreement(final))
    assert ranking["architectures"] == 3 and 0 <= ranking["same_order"] <= 3


def test_fashion_findings(perceptron, sweeps):
    both = perceptron + sweeps
    fashion = [{**r, "spec": {**r["spec"], "dataset": "fashion_mnist"}} for r in both]
    frame = runs_frame(both + fashion)
    found = findings.fashion_findings(study_overview(frame, "fashion_mnist"),
                                      study_overview(frame, "mnist"))
    assert found["drop_train_lambda"] == "0.0" and found["architectures"] == 4
    assert found["lambda_beats_constrained"] == 4
    assert found["lambda_gap_min_arch"] in {"perceptron", "linear wide", "linear deep",
                                            "non-linear"}
