"""Bad layer arguments fail when the layer is made, naming the argument and the fix; a kernel
larger than its input fails at build in Keras' words; ``prune`` refuses non-finite scores."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from spectral_nb import (
    ConstrainedDense,
    RandomizedResolution,
    ScaledTanh,
    Spectral,
    SpectralConv2D,
    SpectralPooling2D,
)
from spectral_nb.pruning import PruningError, keep_masks, prune

BAD = [
    # (constructor, keyword arguments, error type, words the message must hold)
    (SpectralPooling2D, {"output_size": 0}, ValueError, "output_size must be a positive"),
    (SpectralPooling2D, {"output_size": -2}, ValueError, "output_size must be a positive"),
    (SpectralPooling2D, {"output_size": 2.5}, ValueError, "output_size must be a positive"),
    (SpectralPooling2D, {"output_size": (3, 0)}, ValueError, "output_size must be a positive"),
    (SpectralPooling2D, {"output_size": (3, 4.0)}, ValueError, "output_size must be a positive"),
    (SpectralPooling2D, {"output_size": "4"}, ValueError, "output_size must be a positive"),
    (SpectralPooling2D, {"output_size": True}, ValueError, "output_size must be a positive"),
    (SpectralPooling2D, {"output_size": (2, 3, 4)}, ValueError, "output_size must be a positive"),
    (SpectralPooling2D, {"output_size": 2, "norm": "l2"}, ValueError, "norm must be one of"),
    (SpectralPooling2D, {"output_size": 2, "implementation": "dct"}, ValueError,
     "implementation must be one of"),
    (SpectralConv2D, {"filters": 0, "kernel_size": 3}, ValueError, "filters must be a positive"),
    (SpectralConv2D, {"filters": 2.0, "kernel_size": 3}, ValueError, "filters must be"),
    (SpectralConv2D, {"filters": 2, "kernel_size": 0}, ValueError, "kernel_size must be a pos"),
    (SpectralConv2D, {"filters": 2, "kernel_size": 2.5}, ValueError, "kernel_size must be a pos"),
    (SpectralConv2D, {"filters": 2, "kernel_size": (3, -1)}, ValueError, "kernel_size must be"),
    (SpectralConv2D, {"filters": 2, "kernel_size": 3, "strides": 0}, ValueError,
     "strides must be a positive"),
    (SpectralConv2D, {"filters": 2, "kernel_size": 3, "dilation_rate": (1, 0)}, ValueError,
     "dilation_rate must be a positive"),
    (SpectralConv2D, {"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2},
     ValueError, "`strides > 1` not supported in conjunction with `dilation_rate > 1`"),
    (SpectralConv2D, {"filters": 2, "kernel_size": 3, "padding": "full"}, ValueError,
     "padding must be 'valid' or 'same'"),
    (SpectralConv2D, {"filters": 2, "kernel_size": 3, "use_bias": "no"}, TypeError,
     "use_bias must be True or False"),
    (Spectral, {"units": 0}, ValueError, "units must be a positive integer"),
    (Spectral, {"units": 10.0}, ValueError, "units must be a positive integer"),
    (Spectral, {"units": True}, ValueError, "units must be a positive integer"),
    (Spectral, {"units": 10, "seed": 1.5}, ValueError, "seed must be a non-negative integer"),
    (Spectral, {"units": 10, "seed": -1}, ValueError, "seed must be a non-negative integer"),
    (Spectral, {"units": 10, "use_bias": "False"}, TypeError, "use_bias must be True or False"),
    (Spectral, {"units": 10, "train_eigenvectors": None}, TypeError,
     "train_eigenvectors must be True or False"),
    (ConstrainedDense, {"units": 0, "trainable_count": 3}, ValueError, "units must be a pos"),
    (ConstrainedDense, {"units": 3, "trainable_count": -1}, ValueError,
     "trainable_count must be a non-negative integer"),
    (ConstrainedDense, {"units": 3, "trainable_count": 2.5}, ValueError,
     "trainable_count must be a non-negative integer"),
    (ConstrainedDense, {"units": 3, "trainable_count": 2, "seed": None}, ValueError,
     "seed must be a non-negative integer"),
    (ScaledTanh, {"beta": math.nan}, ValueError, "beta must be a finite number"),
    (ScaledTanh, {"beta": math.inf}, ValueError, "beta must be a finite number"),
    (ScaledTanh, {"beta": "1"}, ValueError, "beta must be a finite number"),
    (ScaledTanh, {"beta": 1.0, "trainable_beta": 1}, TypeError,
     "trainable_beta must be True or False"),
    (RandomizedResolution, {"min_fraction": 0}, ValueError, "min_fraction must be a number in"),
    (RandomizedResolution, {"min_fraction": 1.5}, ValueError, "min_fraction must be a number"),
    (RandomizedResolution, {"min_fraction": math.nan}, ValueError, "min_fraction must be a"),
    (RandomizedResolution, {"min_fraction": "0.5"}, ValueError, "min_fraction must be a"),
    (RandomizedResolution, {"min_fraction": 0.5, "seed": 2.5}, ValueError,
     "seed must be a non-negative integer"),
    (RandomizedResolution, {"min_fraction": 0.5, "implementation": "dct"}, ValueError,
     "implementation must be one of"),
]


@pytest.mark.parametrize(("layer", "kwargs", "error", "words"), BAD,
                         ids=[f"{c.__name__}-{k}" for c, k, *_ in BAD])
def test_bad_arguments_fail_at_construction(layer, kwargs, error, words) -> None:
    with pytest.raises(error) as raised:
        layer(**kwargs)
    message = str(raised.value)
    assert message.startswith(f"{layer.__name__}:"), message  # names the layer
    assert words in message


@pytest.mark.parametrize(
    ("make", "example"),
    [
        (lambda: SpectralPooling2D(0), "e.g. output_size=14 or (14, 7)"),
        (lambda: SpectralConv2D(2, 0), "e.g. kernel_size=3 or (3, 5)"),
        (lambda: SpectralConv2D(0, 3), "e.g. filters=32"),
        (lambda: Spectral(0), "e.g. units=10"),
        (lambda: ScaledTanh("x"), "e.g. beta=1.0"),
        (lambda: RandomizedResolution(0), "e.g. min_fraction=0.3"),
    ],
)
def test_messages_give_an_example_of_a_good_value(make, example) -> None:
    with pytest.raises(ValueError) as raised:
        make()
    assert example in str(raised.value)


def test_good_arguments_in_every_accepted_form() -> None:
    assert SpectralPooling2D(np.int64(4)).output_size == (4, 4)
    assert SpectralPooling2D([5, 3]).output_size == (5, 3)
    assert SpectralPooling2D(np.array([5, 3])).output_size == (5, 3)
    conv = SpectralConv2D(np.int32(2), [3, 5], strides=(1, 2), padding="SAME")
    assert (conv.filters, conv.kernel_size, conv.strides, conv.padding) == (2, (3, 5), (1, 2),
                                                                            "same")
    assert Spectral(np.int64(3), seed=np.int64(4), use_bias=np.bool_(True)).seed == 4
    assert ConstrainedDense(3, np.int64(2), seed=0).trainable_count == 2
    assert ScaledTanh(np.float32(2)).initial_beta == 2.0
    assert RandomizedResolution(1, seed=0).min_fraction == 1.0


def test_kernel_larger_than_the_input_fails_at_build_in_keras_words() -> None:
    """The first sentence is Keras' own for Conv2D (pinned by asking Conv2D itself)."""
    with pytest.raises(ValueError) as keras_error:
        keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 30)])
    keras_words = str(keras_error.value).split(". ")[0]
    assert keras_words == "Computed output size would be zero or negative"
    with pytest.raises(ValueError) as ours:
        keras.Sequential([keras.Input((28, 28, 1)), SpectralConv2D(8, 30)])
    message = str(ours.value)
    assert keras_words in message
    assert "inputs shape=(None, 28, 28, 1)" in message and "kernel shape=(30, 30, 1, 8)" in message
    assert "Cannot convert" not in message
    assert "padding='same'" in message  # the fix
    with pytest.raises(ValueError, match=keras_words):  # eager call, and a dilated kernel
        SpectralConv2D(2, 3, dilation_rate=5)(np.zeros((1, 9, 12, 1), "float32"))
    with pytest.raises(ValueError, match="The kernel spans 11x11 pixels, more than the 9x12"):
        SpectralConv2D(2, 3, dilation_rate=5).build((None, 9, 12, 1))
    # The largest kernel that fits, and any kernel with padding="same", build.
    assert keras.Sequential([keras.Input((28, 28, 1)), SpectralConv2D(8, 28)]).output_shape == (
        None, 1, 1, 8)
    same = keras.Sequential([keras.Input((28, 28, 1)), SpectralConv2D(8, 30, padding="same")])
    assert same.output_shape == (None, 28, 28, 8)
    assert SpectralConv2D(2, 30).compute_output_shape((None, None, None, 1)) == (
        None, None, None, 2)


# --- prune refuses non-finite scores --------------------------------------------------------


def _model() -> keras.Sequential:
    return keras.Sequential(
        [keras.Input((6,)), Spectral(8, activation="relu", seed=1, name="hidden"),
         Spectral(5, seed=2, name="second"), Spectral(3, seed=3, name="output")]
    )


@pytest.mark.parametrize("rank", ["eigenvalue", "connectivity"])
@pytest.mark.parametrize("scope", ["layer", "global"])
def test_prune_refuses_a_nan_score_naming_the_layer(rank, scope) -> None:
    model = _model()
    pruned = prune(model, 0.5, rank=rank, scope=scope)
    assert sum(layer.units for layer in pruned.layers[:2]) == 6  # 13 hidden nodes, 7 removed
    values = model.get_layer("hidden").eigenvalues_out.numpy()
    values[2] = np.nan  # as after a diverged training
    model.get_layer("hidden").eigenvalues_out.assign(values)
    with pytest.raises(
        PruningError, match=r"Layer 'hidden' has 1 node score\(s\) that are NaN .*\(nodes \[2\]\)"
    ):
        prune(model, 0.5, rank=rank, scope=scope)
    # A layer left whole is not scored, so its NaN does not stop pruning the other one.
    if scope == "layer":
        assert prune(model, {"second": 0.6}, rank=rank).get_layer("second").units == 2


def test_keep_masks_refuses_infinite_and_nan_scores() -> None:
    good = {"a": np.array([0.3, 0.1, 0.2]), "b": np.array([1.0, 2.0])}
    assert keep_masks(good, 0.4)["a"].tolist() == [True, False, True]
    for bad in (np.nan, np.inf):
        scores = {**good, "b": np.array([1.0, bad])}
        with pytest.raises(PruningError, match=r"Layer 'b' .* \(nodes \[1\]\)"):
            keep_masks(scores, 0.4)
    assert keep_masks({**good, "b": None}, {"a": 0.4})["a"].tolist() == [True, False, True]
