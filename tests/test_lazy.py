"""Lazy package attributes: names resolve on first use, unknown names fail clearly."""

from __future__ import annotations

import importlib

import pytest

from spectral_nb._lazy import lazy_attributes

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
