"""Shared test setup: quiet TensorFlow, and the fake records the analysis tests read."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest  # noqa: E402
from fake_records import perceptron_records, sweep_records  # noqa: E402


@pytest.fixture(scope="module")
def perceptron() -> list[dict]:
    """The perceptron study's fake records, fresh for every test module."""
    return perceptron_records()


@pytest.fixture(scope="module")
def sweeps() -> list[dict]:
    """The sweep studies' fake records, fresh for every test module."""
    return sweep_records()
