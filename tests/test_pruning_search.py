"""smallest_within(): the largest fraction within an accuracy drop, chosen on validation data."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from spectral_nb import Spectral
from spectral_nb.pruning import PruningError, accuracy, smallest_within, validation_split


def _model_with_silent_nodes(active: int = 4, silent: int = 6) -> keras.Model:
    """Hidden nodes 0..silent-1 have eigenvalue 0 (zero incoming weights: silent);
    the others have large, distinct eigenvalues and carry the whole signal."""
    lam = np.concatenate([np.zeros(silent), 1.0 + np.arange(active)])
    return keras.Sequential(
        [
            keras.Input((6,)),
            Spectral(active + silent, activation="relu", eigenvalues_in_initializer=0.0,
                     eigenvalues_out_initializer=lam, seed=0),
            Spectral(3, eigenvalues_in_initializer=1.0, seed=1),
        ]
    )


def _labelled(model, n=400, seed=0):
    x = np.random.default_rng(seed).normal(size=(n, 6)).astype("float32")
    return x, np.asarray(model(x)).argmax(axis=1)


def test_validation_split_is_a_seeded_partition():
    x = np.arange(100).reshape(50, 2)
    y = np.arange(50)
    split = validation_split(x, y, 0.2, seed=3)
    assert len(split.y_val) == 10 and len(split.y_train) == 40
    assert sorted(np.concatenate([split.y_val, split.y_train]).tolist()) == list(range(50))
    np.testing.assert_array_equal(split.x_val[:, 0] // 2, split.y_val)  # rows stay paired
    again = validation_split(x, y, 0.2, seed=3)
    np.testing.assert_array_equal(again.y_val, split.y_val)
    assert not np.array_equal(validation_split(x, y, 0.2, seed=4).y_val, split.y_val)
    with pytest.raises(PruningError, match=r"\(0, 1\)"):
        validation_split(x, y, 1.0)
    with pytest.raises(PruningError, match="matching"):
        validation_split(x, y[:-1])


def test_search_keeps_the_silent_nodes_out_and_stops_at_the_drop():
    model = _model_with_silent_nodes()
    x_val, y_val = _labelled(model)
    assert accuracy(model, x_val, y_val) == 1.0
    exact = smallest_within(model, x_val, y_val, max_drop=0.0)
    # the six silent nodes (60 %) go for free; the 70 % network loses a working node
    assert exact.fraction == pytest.approx(0.6)
    assert exact.accuracy == 1.0 and exact.drop == 0.0
    assert exact.model.layers[0].units == 4
    curve = dict(exact.curve)
    assert curve[0.0] == 1.0 and curve[0.7] < 1.0
    loose = smallest_within(model, x_val, y_val, max_drop=0.99)
    assert loose.fraction == pytest.approx(0.9) and loose.model.layers[0].units == 1


def test_search_returns_an_unpruned_copy_when_nothing_qualifies():
    model = _model_with_silent_nodes(active=5, silent=0)
    x_val, y_val = _labelled(model)
    result = smallest_within(model, x_val, y_val, max_drop=0.0, fractions=[0.2, 0.4])
    assert result.fraction == 0.0 and result.model is not model
    assert result.model.layers[0].units == 5
    assert [f for f, _ in result.curve] == [0.0, 0.2, 0.4]


def test_accuracy_accepts_one_hot_labels_and_bad_drops_are_refused():
    model = _model_with_silent_nodes()
    x_val, y_val = _labelled(model)
    assert accuracy(model, x_val, np.eye(3)[y_val]) == 1.0
    with pytest.raises(PruningError, match="max_drop"):
        smallest_within(model, x_val, y_val, max_drop=5)
