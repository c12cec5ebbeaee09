"""The protocol's optimiser-bound cost: parameter-step counting and the measured kernel time."""

import math

import pytest

from spectral_nb.experiments import RunSpec
from spectral_nb.experiments.bench.projection import project, time_group
from spectral_nb.experiments.bench.protocol_cost import (
    adamax_seconds_per_parameter_step,
    parameter_steps,
    protocol_cost,
)


def test_parameter_steps_count_trained_parameters_times_steps():
    perceptron = RunSpec(dataset="mnist", sizes=(784, 10), hidden_activations=(),
                         regime="train_lambda", epochs=2, batch_size=300)
    assert parameter_steps([perceptron]) == 794 * 200 * 2
    small = perceptron.replace(regime="unconstrained", train_size=650, batch_size=100)
    assert parameter_steps([small]) == 7850 * 7 * 2  # the partial last batch is a step
    assert parameter_steps([perceptron, small]) == 794 * 400 + 7850 * 14


def test_bound_is_parameter_steps_times_the_measured_update_time():
    spec = RunSpec(dataset="mnist", sizes=(784, 10), hidden_activations=(),
                   regime="unconstrained", epochs=1, batch_size=60_000)
    cost = protocol_cost([spec] * 3, [3600.0, 1800.0], seconds_per_parameter_step=2e-9)
    assert cost.parameter_steps == 3 * 7850
    assert cost.bound_hours == pytest.approx(3 * 7850 * 2e-9 / 3600)
    assert (cost.runs, cost.recorded_runs, cost.recorded_hours) == (3, 2, 1.5)


def test_fused_adamax_time_per_parameter_is_measured():
    seconds = adamax_seconds_per_parameter_step(parameters=200_000, repeats=3)
    assert math.isfinite(seconds) and 0 < seconds < 1e-6  # a nanosecond-scale cost


def test_projection_times_every_group_and_extrapolates_to_the_protocol_s_epochs():
    base = RunSpec(dataset="mnist", sizes=(784, 10), hidden_activations=(),
                   regime="train_lambda", epochs=20, batch_size=100, train_size=300,
                   test_size=100)
    specs = [base.replace(seed=s) for s in range(2)] + [base.replace(regime="unconstrained")]
    timings = project(specs)
    assert [t.runs for t in timings] == [2, 1]  # the runner's grouping
    for t in timings:
        assert t.epochs == 20 and t.first_epoch_s > 0 and t.later_epoch_s > 0
        assert t.projected_s == pytest.approx(t.first_epoch_s + 19 * t.later_epoch_s)
    with pytest.raises(ValueError, match="at least 2"):
        time_group(specs[:1], sample_epochs=1)
