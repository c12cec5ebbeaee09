"""prune() is Keras 3 only: the same checks pass under the JAX backend (in a subprocess)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import keras, numpy as np
    assert keras.backend.backend() == "jax", keras.backend.backend()
    from spectral_nb import ConstrainedDense, Spectral, retract
    from spectral_nb.pruning import keep_masks, node_scores, prune

    rng = np.random.default_rng(0)
    model = keras.Sequential([
        keras.Input((12,)),
        Spectral(20, activation="relu", seed=1, use_bias=True, bias_initializer=0.1,
                 eigenvalues_out_initializer=rng.normal(size=20)),
        ConstrainedDense(15, trainable_count=50, seed=2, activation="tanh"),
        Spectral(9, seed=3, eigenvalues_in_initializer=rng.normal(size=15)),
        Spectral(4, seed=4),
    ])
    x = rng.normal(size=(16, 12)).astype("float32")
    for rank in ("eigenvalue", "connectivity", "random"):
        masks = keep_masks(node_scores(model, rank, seed=5), 0.5)
        pruned = prune(model, 0.5, rank=rank, seed=5)
        # reference: the original with the removed nodes' outputs multiplied by zero
        h = x
        layers = model.layers
        for k, layer in enumerate(layers):
            h = np.asarray(layer(h))
            if layer.name in masks:
                h = h * masks[layer.name]
        np.testing.assert_allclose(np.asarray(pruned(x)), h, rtol=2e-5, atol=2e-6)
        assert [l.units for l in pruned.layers] == [10, 7, 4, 4]
    np.testing.assert_allclose(np.asarray(prune(model, 0.0)(x)), np.asarray(model(x)),
                               rtol=1e-6, atol=1e-7)
    pruned = prune(model, 0.5)
    np.testing.assert_allclose(np.asarray(retract(pruned)(x)), np.asarray(pruned(x)),
                               rtol=1e-4, atol=1e-5)
    import tempfile, pathlib
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "pruned.keras"
        pruned.save(path)
        loaded = keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(pruned(x)), rtol=1e-6)
    print("jax ok")
    """
)


@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="jax is not installed (pip install jax)"
)
def test_prune_under_the_jax_backend():
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "jax ok" in done.stdout
