"""prune() on every Keras backend: exact against the silenced original, saves, retracts."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from backend_tools import numpy

from spectral_nb import ConstrainedDense, Spectral, retract
from spectral_nb.pruning import keep_masks, node_scores, prune, silenced_model

RNG = np.random.default_rng(17)


def _model() -> keras.Sequential:
    return keras.Sequential([
        keras.Input((12,)),
        Spectral(20, activation="relu", seed=1, use_bias=True, bias_initializer=0.1,
                 eigenvalues_out_initializer=RNG.normal(size=20)),
        ConstrainedDense(15, trainable_count=50, seed=2, activation="tanh"),
        Spectral(9, seed=3, eigenvalues_in_initializer=RNG.normal(size=15)),
        Spectral(4, seed=4),
    ])


@pytest.mark.parametrize("rank", ["eigenvalue", "connectivity", "random"])
def test_pruned_equals_the_silenced_original(rank: str) -> None:
    model = _model()
    x = RNG.normal(size=(16, 12)).astype("float32")
    masks = keep_masks(node_scores(model, rank, seed=5), 0.5)
    pruned = prune(model, 0.5, rank=rank, seed=5)
    assert [layer.units for layer in pruned.layers] == [10, 7, 4, 4]
    expected = numpy(silenced_model(model, masks)(x))
    np.testing.assert_allclose(numpy(pruned(x)), expected, rtol=2e-5, atol=2e-6)
    assert np.max(np.abs(numpy(model(x)) - expected)) > 1e-4


def test_fraction_zero_retract_and_save(tmp_path) -> None:
    model = _model()
    x = RNG.normal(size=(16, 12)).astype("float32")
    np.testing.assert_allclose(numpy(prune(model, 0.0)(x)), numpy(model(x)), rtol=1e-6,
                               atol=1e-7)
    pruned = prune(model, 0.5)
    np.testing.assert_allclose(numpy(retract(pruned)(x)), numpy(pruned(x)), rtol=1e-4,
                               atol=1e-5)
    path = tmp_path / "pruned.keras"
    pruned.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(numpy(loaded(x)), numpy(pruned(x)), rtol=1e-6, atol=1e-7)
