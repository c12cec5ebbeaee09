"""ConstrainedDense: exactly k trainable entries, the rest frozen, serialisable."""

import keras
import numpy as np
import pytest

from spectral_nb import ConstrainedDense


def _model(k: int, seed: int = 3) -> keras.Sequential:
    return keras.Sequential([keras.Input((20,)), ConstrainedDense(7, trainable_count=k, seed=seed)])


@pytest.mark.parametrize("k", [0, 1, 13, 140])
def test_keras_counts_exactly_k_trainable_parameters(k):
    model = _model(k)
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == k


def test_training_changes_exactly_the_k_chosen_entries():
    model = _model(13)
    model.compile(optimizer=keras.optimizers.Adamax(0.05), loss="mse")
    before = np.asarray(model.layers[0].direct_kernel())
    x = np.random.default_rng(0).normal(size=(64, 20)).astype("float32")
    y = np.random.default_rng(1).normal(size=(64, 7)).astype("float32")
    model.fit(x, y, epochs=2, verbose=0)
    after = np.asarray(model.layers[0].direct_kernel())
    changed = np.argwhere(before != after)
    entries = np.asarray(model.layers[0].entry_indices)
    assert len(changed) == 13
    assert {tuple(e) for e in changed} == {tuple(e) for e in entries}


def test_choice_of_entries_depends_on_seed():
    a = np.asarray(_model(13, seed=1).layers[0].entry_indices)
    b = np.asarray(_model(13, seed=2).layers[0].entry_indices)
    c = np.asarray(_model(13, seed=1).layers[0].entry_indices)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, c)


def test_initial_kernel_is_the_base(tmp_path):
    layer = _model(5).layers[0]
    np.testing.assert_array_equal(np.asarray(layer.direct_kernel()), np.asarray(layer.base_kernel))


def test_save_and_reload_predicts_identically(tmp_path):
    model = _model(11)
    x = np.random.default_rng(0).normal(size=(4, 20)).astype("float32")
    path = tmp_path / "constrained.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_array_equal(model.predict(x, verbose=0), reloaded.predict(x, verbose=0))
    assert reloaded.layers[0].trainable_count == 11


def test_budget_larger_than_kernel_is_an_error():
    with pytest.raises(ValueError, match="trainable_count must lie in"):
        _model(141)


def test_non_2d_input_is_an_error():
    with pytest.raises(ValueError, match="2-D input"):
        keras.Sequential([keras.Input((4, 5)), ConstrainedDense(3, trainable_count=2)])
