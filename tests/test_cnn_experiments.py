"""Helpers of the CNN chapter (spectral_nb.cnn.experiments), on tiny inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spectral_nb.cnn import SpectralConv2D
from spectral_nb.cnn import experiments as ex

RNG = np.random.default_rng(2015)


def test_window_pooling_reconstruction() -> None:
    images = RNG.random((3, 10, 9))
    # A constant image is reconstructed exactly by both poolings, borders included.
    const = np.full((1, 10, 9), 0.3)
    for mode in ("max", "average"):
        np.testing.assert_allclose(ex.window_pool_reconstruction(const, 4, mode), const)
    avg = ex.window_pool_reconstruction(images, 2, "average")
    assert avg.shape == images.shape
    np.testing.assert_allclose(avg[:, :2, :2].mean(axis=(1, 2)),
                               images[:, :2, :2].mean(axis=(1, 2)))
    maxed = ex.window_pool_reconstruction(images, 3, "max")
    assert np.all(maxed >= images - 1e-15)
    with pytest.raises(ValueError, match="mode"):
        ex.window_pool_reconstruction(images, 2, "median")


def test_information_preservation_frame() -> None:
    images = RNG.random((4, 12, 12))
    frame = ex.information_preservation(images, "toy", fractions=(1 / 16, 1 / 4, 1.0),
                                        strides=(2, 3))
    assert set(frame["method"]) == {"spectral", "max", "average"}
    full = frame[(frame["method"] == "spectral") & (frame["fraction"] == 1.0)]
    np.testing.assert_allclose(full["error"], 0.0, atol=1e-13)
    spectral = frame[frame["method"] == "spectral"].groupby("fraction")["error"].mean()
    assert spectral.is_monotonic_decreasing
    table = ex.information_table(frame)
    assert list(table.columns) == ["spectral", "average", "max"]
    wins, points = ex.spectral_beats(frame, "max")
    assert 0 <= wins <= points == 2


def test_time_to_loss_interpolates_and_reports_nan() -> None:
    curve = ex.Curve(np.array([0.0, 1.0, 2.0]), np.array([0.0, 10.0, 20.0]),
                     np.array([2.0, 1.0, 0.5]))
    assert ex.time_to_loss(curve, 0.75) == pytest.approx(1.5)
    assert ex.time_to_loss(curve, 0.75, "seconds") == pytest.approx(15.0)
    assert ex.time_to_loss(curve, 3.0) == 0.0
    assert np.isnan(ex.time_to_loss(curve, 0.1))


@pytest.mark.parametrize("pooling", ex.POOLINGS)
def test_models_share_parameters_and_initial_function(pooling) -> None:
    x = RNG.random((2, 28, 28, 1)).astype("float32")
    spatial = ex.build_cnn(pooling, "spatial", 5, filters=(4, 6), seed=3)
    spectral = ex.build_cnn(pooling, "spectral", 5, filters=(4, 6), seed=3)
    assert spatial.count_params() == spectral.count_params()
    assert any(isinstance(layer, SpectralConv2D) for layer in spectral.layers)
    # The seeded initializers already give the same filters; copy_weights makes it exact.
    np.testing.assert_allclose(spectral.predict(x, verbose=0), spatial.predict(x, verbose=0),
                               atol=1e-5)
    ex.copy_weights(spatial, spectral)
    np.testing.assert_allclose(spectral.predict(x, verbose=0), spatial.predict(x, verbose=0),
                               atol=1e-5)
    with pytest.raises(ValueError, match="pooling"):
        ex.build_cnn("median")


def test_summaries_and_verdicts() -> None:
    runs = pd.DataFrame(
        {
            "kernel_size": ["3x3", "3x3", "5x5", "5x5"],
            "speedup_epochs": [1.5, 2.0, np.nan, 6.0],
            "speedup_seconds": [1.4, 1.9, np.nan, 5.0],
            "spatial_s_per_epoch": [1.0] * 4,
            "spectral_s_per_epoch": [1.1] * 4,
        }
    )
    table = ex.speedup_table(runs)
    assert table.loc["3x3", "speedup_epochs"] == pytest.approx(np.sqrt(3.0))
    assert table.loc["5x5", "reached"] == "1/2"
    verdict = ex.speedup_verdict(table)
    assert "3x3 filters: a speed-up, smaller than the paper's" in verdict
    assert "5x5 filters: a speed-up as large as the paper's" in verdict
    clf = pd.DataFrame(
        {
            "dataset": ["d"] * 4, "pooling": ["max", "max", "spectral", "spectral"],
            "seed": [0, 1, 0, 1], "params": [10] * 4, "epochs": [1] * 4,
            "train_images": [5] * 4, "test_accuracy": [0.80, 0.81, 0.70, 0.71],
            "seconds_per_epoch": [1.0] * 4,
        }
    )
    assert "worse" in ex.classification_verdict(ex.classification_table(clf), "d")
    assert ex.rr_fractions(2) == pytest.approx([0.225, 0.15])
    assert ex.settings("smoke").clf_epochs == 1
    with pytest.raises(ValueError, match="profile"):
        ex.settings("huge")
