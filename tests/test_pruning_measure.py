"""size_and_speed(): the pruned networks' sizes are exact; their times are measured."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from spectral_nb import Spectral
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
