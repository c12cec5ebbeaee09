"""Under another Keras backend, the package and every layer work without importing TensorFlow.

Keras itself imports TensorFlow, when it is installed, as soon as it serialises an object
(``model.save``, ``keras.activations.serialize``, which ``retract`` uses), so the script
first checks that importing, building, calling and fitting the layers load no TensorFlow, then
makes TensorFlow unimportable, as in an environment without it, and saves, reloads and
retracts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import importlib.abc
    import sys
    import tempfile
    from pathlib import Path

    import numpy as np

    import spectral_nb
    from spectral_nb import (
        ConstrainedDense, RandomizedResolution, ScaledTanh, Spectral, SpectralConv2D,
        SpectralPooling2D, retract,
    )
    from spectral_nb.cnn import dft2, idft2, lowpass, spectral_pool, spectral_upsample

    import keras

    assert keras.backend.backend() == "jax", keras.backend.backend()
    x = np.random.default_rng(0).random((4, 12, 12, 1)).astype("float32")
    inputs = keras.Input((12, 12, 1))
    h = SpectralConv2D(3, 3, padding="same", activation="relu")(inputs)
    h = RandomizedResolution(0.3, seed=1)(h)
    h = SpectralPooling2D(5)(h)
    h = SpectralPooling2D(4, implementation="matrix")(h)
    h = keras.layers.Flatten()(h)
    h = Spectral(8, seed=1)(h)
    h = ScaledTanh(1.0)(h)
    outputs = ConstrainedDense(3, trainable_count=5, seed=2)(h)
    model = keras.Model(inputs, outputs)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, np.array([0, 1, 2, 0]), epochs=1, verbose=0)
    assert np.all(np.isfinite(model.predict(x, verbose=0)))
    pooled = spectral_pool(x, 6)
    assert tuple(spectral_upsample(pooled, 12).shape) == x.shape
    assert tuple(lowpass(x, 5, 6).shape) == x.shape
    assert tuple(idft2(dft2(x))[0].shape) == x.shape
    loaded = [name for name in ("tensorflow", "tf_keras") if name in sys.modules]
    assert not loaded, f"imported {loaded}"


    class NoTensorFlow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] == "tensorflow":
                raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
            return None


    sys.meta_path.insert(0, NoTensorFlow())
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp) / "model.keras")
        again = keras.models.load_model(Path(tmp) / "model.keras")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    dense = keras.Sequential([keras.Input((6,)), Spectral(4, seed=0), Spectral(2, seed=1)])
    z = np.ones((2, 6), "float32")
    np.testing.assert_allclose(retract(dense)(z), dense(z), rtol=1e-5, atol=1e-6)
    assert "tensorflow" not in sys.modules
    print("ok", spectral_nb.__version__)
    """
)


def test_package_and_layers_never_import_tensorflow_under_jax() -> None:
    pytest.importorskip("jax", reason="jax is not installed (make setup installs it)")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().startswith("ok")
