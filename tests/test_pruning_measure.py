"""size_and_speed(): exact sizes of the pruned networks, measured times, the page table."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from spectral_nb import Spectral
from spectral_nb.pruning import tables
from spectral_nb.pruning.measure import direct_weights, size_and_speed


def test_sizes_of_the_pruned_networks():
    model = keras.Sequential([
        keras.Input((20,)),
        Spectral(10, activation="relu", seed=0,
                 eigenvalues_out_initializer=np.linspace(-1, 1, 10)),
        keras.layers.Dense(5),
    ])
    assert direct_weights(model) == 20 * 10 + 10 * 5 + 5  # Spectral has no bias here
    x = np.random.default_rng(0).uniform(size=(64, 20)).astype("float32")
    costs = size_and_speed(model, [0.0, 0.5, 0.8], x, repeats=1)
    assert costs["hidden nodes"].tolist() == [10, 5, 2]
    assert costs["weights"].tolist() == [255, 20 * 5 + 5 * 5 + 5, 20 * 2 + 2 * 5 + 5]
    assert costs["weights (share)"].iloc[0] == 1.0 and costs["speed-up"].iloc[0] == 1.0
    assert (costs["seconds"] > 0).all()
    assert costs.loc[0.5, "weights (share)"] == pytest.approx(130 / 255)
    shown = tables.costs_display(costs, 64)
    assert list(shown.index) == ["0%", "50%", "80%"] and shown.index.name == "nodes removed"
    assert "seconds" not in shown and shown["ms per 64 images"].iloc[1] == pytest.approx(
        1000 * costs["seconds"].iloc[1])
    found = tables.cost_findings(costs, (0.5, 0.8))
    assert found["speed_70"] == f"{costs.loc[0.5, 'speed-up']:.1f}"
    assert found["ms_full"] == f"{1000 * costs.loc[0.0, 'seconds']:.0f}"


def test_gain_correlation_is_the_mean_per_record():
    out = [1.0, 2.0, 3.0, 4.0]
    records = [
        {"node_scores": {"eigenvalue_out": {"h": out}, "eigenvalue_in": {"h": [2, 4, 6, 8]}}},
        {"node_scores": {"eigenvalue_out": {"h": out}, "eigenvalue_in": {"h": [4, 3, 2, 1]}}},
    ]
    assert tables.gain_correlation(records) == pytest.approx(0.0)
    assert tables.gain_correlation(records[:1]) == pytest.approx(1.0)
