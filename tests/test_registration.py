"""A `.keras` file holding any of the package's layers loads after a plain ``import spectral_nb``.

Keras finds a saved custom class by its registered name (``spectral_nb>Spectral``), which
exists only once the class's module has run; the package imports its layers lazily, so it
imports the modules of its serialisable classes as soon as Keras is imported
(``spectral_nb.SERIALISABLE_MODULES``). Each case is saved in one process and loaded in a
fresh one that imports nothing of the package but ``spectral_nb`` itself.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import spectral_nb

PACKAGE = Path(spectral_nb.__file__).parent

# One model per registered class, each holding no other class of the package (the array
# initializer needs a layer to hold it).
SAVE = textwrap.dedent(
    """
    import json
    import sys
    from pathlib import Path

    import keras
    import numpy as np

    from spectral_nb.cnn.conv import SpectralConv2D
    from spectral_nb.cnn.pooling import SpectralPooling2D
    from spectral_nb.cnn.randomized import RandomizedResolution
    from spectral_nb.layers import ConstrainedDense, ScaledTanh, Spectral

    out = Path(sys.argv[1])
    rng = np.random.default_rng(0)
    flat, image = keras.Input((6,)), keras.Input((8, 8, 2))
    models = {
        "Spectral": [flat, Spectral(4, activation="relu", use_bias=True, seed=1),
                     Spectral(3, seed=2)],
        "ConstrainedDense": [flat, ConstrainedDense(3, trainable_count=5, seed=1)],
        "ScaledTanh": [flat, keras.layers.Dense(4), ScaledTanh(1.5)],
        "ArrayInitializer": [flat, Spectral(3, eigenvalues_in_initializer=np.linspace(0, 1, 6))],
        "SpectralConv2D": [image, SpectralConv2D(3, 3, padding="same", activation="relu")],
        "SpectralPooling2D": [image, SpectralPooling2D((5, 4), implementation="matrix")],
        "RandomizedResolution": [image, RandomizedResolution(0.5, seed=1),
                                 keras.layers.Conv2D(2, 3)],
    }
    for name, layers in models.items():
        model = keras.Sequential(layers)
        x = rng.normal(size=(2, *model.input_shape[1:])).astype("float32")
        model.save(out / f"{name}.keras")
        np.savez(out / f"{name}.npz", x=x, y=model.predict(x, verbose=0))
    registered = [n for n in keras.saving.get_custom_objects() if n.startswith("spectral_nb>")]
    print(json.dumps({"cases": list(models), "registered": registered}))
    """
)

# Nothing of the package is imported but the package itself.
LOAD = textwrap.dedent(
    """
    import sys

    import spectral_nb
    import keras
    import numpy as np

    path = sys.argv[1]
    model = keras.saving.load_model(path)
    data = np.load(path.replace(".keras", ".npz"))
    np.testing.assert_array_equal(model.predict(data["x"], verbose=0), data["y"])
    print(" ".join(type(layer).__module__ + "." + type(layer).__name__ for layer in model.layers))
    """
)

# Keras first: loading fails until spectral_nb is imported, then every case loads.
KERAS_FIRST = textwrap.dedent(
    """
    import json
    import sys
    from pathlib import Path

    import keras
    import numpy as np

    paths = sorted(Path(sys.argv[1]).glob("*.keras"))
    try:
        keras.saving.load_model(paths[0])
    except TypeError as error:
        assert "Could not locate class" in str(error), error
    else:
        raise AssertionError("loaded without the package's classes registered")
    assert not [m for m in sys.modules if m.startswith("spectral_nb")]

    import spectral_nb

    for path in paths:
        model = keras.saving.load_model(path)
        data = np.load(path.with_suffix(".npz"))
        np.testing.assert_array_equal(model.predict(data["x"], verbose=0), data["y"])
    modules = sorted(m for m in sys.modules if m.startswith("spectral_nb"))
    print(json.dumps({"loaded": len(paths), "modules": modules}))
    """
)


def python(script: str, *args: str) -> str:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("saved")
    return folder, json.loads(python(SAVE, str(folder)))


def registered_modules() -> set[str]:
    """Modules of the package whose source registers a class with Keras."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "register_keras_serializable":
                parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
                found.add(".".join(parts))
    return found


def test_every_registered_class_has_a_case(saved) -> None:
    _, found = saved
    assert sorted(found["registered"]) == sorted(f"spectral_nb>{c}" for c in found["cases"])


CASES = [
    "ArrayInitializer", "ConstrainedDense", "RandomizedResolution", "ScaledTanh", "Spectral",
    "SpectralConv2D", "SpectralPooling2D",
]


@pytest.mark.parametrize("case", CASES)
def test_saved_model_loads_after_a_plain_import(saved, case) -> None:
    folder, found = saved
    assert case in found["cases"]
    layers = python(LOAD, str(folder / f"{case}.keras")).split()
    if case != "ArrayInitializer":
        assert any(layer.endswith(f".{case}") and layer.startswith("spectral_nb.")
                   for layer in layers), layers


def test_keras_imported_first_loads_once_the_package_is_imported(saved) -> None:
    folder, found = saved
    report = json.loads(python(KERAS_FIRST, str(folder)))
    assert report["loaded"] == len(found["cases"])
    # Every module that registers a class was imported by ``import spectral_nb`` (this test
    # fails for a new registering module left out of SERIALISABLE_MODULES).
    assert registered_modules() <= set(report["modules"])
    assert {"spectral_nb.cnn.models", "spectral_nb.pruning.scores"}.isdisjoint(report["modules"])
