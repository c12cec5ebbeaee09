"""Lazy package attributes: names resolve on first use, unknown names fail clearly; modules
imported after another one (the package's registration with Keras)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

from spectral_nb._lazy import _ImportAfter, import_after, lazy_attributes

PACKAGES = ["spectral_nb", "spectral_nb.cnn", "spectral_nb.experiments", "spectral_nb.pruning"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_listed_name_resolves(name):
    package = importlib.import_module(name)
    listed = [n for n in package.__all__ if not n.startswith("__")]
    assert listed and sorted(set(dir(package))) == sorted(set(package.__all__))
    for attribute in listed:
        assert getattr(package, attribute) is not None, f"{name}.{attribute}"


@pytest.mark.parametrize("name", PACKAGES)
def test_unknown_name_is_an_attribute_error(name):
    package = importlib.import_module(name)
    with pytest.raises(AttributeError, match=f"module '{name}' has no attribute 'nope'"):
        package.nope  # noqa: B018


def test_relative_and_absolute_module_names():
    getattr_, dir_ = lazy_attributes(
        "spectral_nb", {"default_root": ".experiments.store", "dumps": "json"}, extra=["x"]
    )
    from json import dumps

    from spectral_nb.experiments.store import default_root

    assert getattr_("default_root") is default_root
    assert getattr_("dumps") is dumps
    assert dir_() == ["default_root", "dumps", "x"]


@pytest.fixture
def fake_modules(tmp_path, monkeypatch):
    """Three importable modules ``nb_trigger``, ``nb_follower``, ``nb_other``, forgotten after."""
    for name in ("nb_trigger", "nb_follower", "nb_other"):
        (tmp_path / f"{name}.py").write_text(f"import sys\nsys.modules['{name}'].ran = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    meta_path = list(sys.meta_path)
    yield
    for name in ("nb_trigger", "nb_follower", "nb_other"):
        sys.modules.pop(name, None)
    sys.meta_path[:] = meta_path


def test_import_after_waits_for_the_trigger(fake_modules):
    import_after("nb_trigger", ["nb_follower"])
    import_after("nb_trigger", ["nb_follower"])  # the same pair: no second hook
    assert sum(isinstance(f, _ImportAfter) for f in sys.meta_path) == 1
    importlib.import_module("nb_other")
    assert "nb_follower" not in sys.modules and "nb_trigger" not in sys.modules
    trigger = importlib.import_module("nb_trigger")
    assert trigger.ran and sys.modules["nb_follower"].ran
    assert not any(isinstance(f, _ImportAfter) for f in sys.meta_path)  # one shot
    assert "exec_module" not in vars(trigger.__loader__)  # the loader is itself again


def test_import_after_an_imported_trigger_imports_at_once(fake_modules):
    importlib.import_module("nb_trigger")
    import_after("nb_trigger", ["nb_follower"])
    assert sys.modules["nb_follower"].ran
    assert not any(isinstance(f, _ImportAfter) for f in sys.meta_path)


def test_plain_import_loads_no_keras_but_registers_with_it():
    script = (
        "import sys\n"
        "import spectral_nb\n"
        "assert 'keras' not in sys.modules and 'spectral_nb.layers' not in sys.modules\n"
        "import keras\n"
        "names = [n for n in keras.saving.get_custom_objects() if n.startswith('spectral_nb>')]\n"
        "print(len(names))\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "jax"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "7"
