"""The chapter's worked example: an ordinary Keras workflow that ends in ``spectral_nb.prune``.

A spectral 784 -> 500 -> 10 ReLU network (``Spectral`` layers with their default, the
paper's, initialisation; eigenvalues and eigenvectors trained) is fitted with ``model.fit``
on Fashion-MNIST minus a validation split carved from the training set, so that the search
for the smallest network (:func:`.search.smallest_within`) never sees the test set. The
engine trains the study's many runs faster; this is what a reader would write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from ..data.subsets import load_dataset
from ..layers import Spectral
from ..profiles import PRUNING_SETTINGS, settings
from .search import SearchResult, Split, accuracy, validation_split
from .study import BATCH_SIZE, LEARNING_RATE

VALIDATION_FRACTION = 0.1


@dataclass(frozen=True)
class Example:
    """A trained model, the split it was trained and validated on, and the test set."""

    model: keras.Model
    split: Split
    x_test: np.ndarray
    y_test: np.ndarray
    epochs: int


def build_model(seed: int = 0, hidden: int = 500) -> keras.Sequential:
    """The paper's Fig. 3 network as spectral Keras layers (logits out)."""
    return keras.Sequential(
        [
            keras.Input((784,)),
            Spectral(hidden, activation="relu", seed=seed, name="hidden"),
            Spectral(10, seed=seed + 1, name="output"),
        ],
        name="spectral_784_500_10",
    )


def train_example(profile: str, dataset: str = "fashion_mnist", seed: int = 0) -> Example:
    """Fit :func:`build_model` under ``profile``'s example settings."""
    s = settings(PRUNING_SETTINGS, profile)
    data = load_dataset(dataset, s.demo_train_size)  # pixels flattened, scaled to [0, 1] below
    split = validation_split(data.float_train(), data.y_train, VALIDATION_FRACTION, seed=seed)
    keras.utils.set_random_seed(seed)
    model = build_model(seed)
    model.compile(
        optimizer=keras.optimizers.Adamax(LEARNING_RATE),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(split.x_train, split.y_train, batch_size=BATCH_SIZE, epochs=s.demo_epochs,
              verbose=0)
    return Example(model, split, data.float_test(), data.y_test, s.demo_epochs)


def example_findings(example: Example, search: SearchResult) -> dict[str, Any]:
    """Glue values of the worked example: its split, the network the search chose on the
    validation images, and both networks' accuracy (%) on validation and test images."""
    val, train = len(example.split.y_val), len(example.split.y_train)
    test_before = accuracy(example.model, example.x_test, example.y_test)
    test_after = accuracy(search.model, example.x_test, example.y_test)
    return {
        "epochs": example.epochs,
        "validation": f"{100 * val / (val + train):.0f}",
        "fraction": f"{search.fraction:.0%}",
        "val_before": f"{100 * search.baseline_accuracy:.1f}",
        "val_after": f"{100 * search.accuracy:.1f}",
        "test_before": f"{100 * test_before:.1f}",
        "test_after": f"{100 * test_after:.1f}",
        "units": search.model.get_layer("hidden").units,
        "test": f"{len(example.y_test):,}",
    }
