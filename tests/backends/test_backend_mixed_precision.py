"""The CNN layers under Keras' mixed precision policies, on every backend.

Under ``mixed_float16`` and ``mixed_bfloat16`` a layer keeps float32 variables and computes in
half precision: Keras autocasts the variables inside ``call``. ``SpectralConv2D`` forms its
kernel from those autocast coordinates and a fixed DFT basis, so the basis has to take the
compute dtype too (with a float32 basis PyTorch refused the product, "expected m1 and m2 to
have the same dtype"). Each check is made against Keras' own ``Conv2D`` under the same policy.
"""

from __future__ import annotations

from collections.abc import Iterator

import keras
import numpy as np
import pytest
from backend_tools import cases, numpy

from spectral_nb.cnn import RandomizedResolution, SpectralConv2D, SpectralPooling2D

POLICIES = {"mixed_float16": ("float16", 2.0**-11), "mixed_bfloat16": ("bfloat16", 2.0**-8)}
RNG = np.random.default_rng(2015)


@pytest.fixture(params=sorted(POLICIES))
def policy(request) -> Iterator[str]:
    """Set one mixed policy for the test, and restore the previous one after it."""
    before = keras.config.dtype_policy()
    keras.config.set_dtype_policy(request.param)
    try:
        yield request.param
    finally:
        keras.config.set_dtype_policy(before)


class RecordingConv(SpectralConv2D):
    """SpectralConv2D noting the dtype of every kernel it forms."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kernel_dtypes: list[str] = []

    def spatial_kernel(self):
        kernel = super().spatial_kernel()
        self.kernel_dtypes.append(keras.backend.standardize_dtype(kernel.dtype))
        return kernel


def dtype_of(x) -> str:
    return keras.backend.standardize_dtype(x.dtype)


def float64_conv(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, padding: str) -> np.ndarray:
    """A float64 Conv2D with the given filters, whatever the global policy."""
    layer = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[:2], padding=padding,
                                dtype="float64")
    layer.build(x.shape)
    layer.kernel.assign(kernel)
    layer.bias.assign(bias)
    return numpy(layer(x.astype("float64")))


CONV_CASES = cases([(3, "same"), ((3, 5), "valid"), (4, "same")], [((3, 5), "valid"), (4, "same")])


@pytest.mark.parametrize(("kernel_size", "padding"), CONV_CASES)
def test_spectral_conv_computes_in_the_policy_dtype_as_conv2d_does(
    policy, kernel_size, padding
) -> None:
    compute, unit_roundoff = POLICIES[policy]
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    x = RNG.normal(size=(2, 9, 10, 3)).astype("float32")
    # Filters and bias exact in float32, so both layers start from the same float32 weights.
    kernel = (RNG.normal(size=(kh, kw, 3, 4)) / np.sqrt(kh * kw * 3)).astype("float32")
    bias = RNG.normal(size=4).astype("float32")

    conv = keras.layers.Conv2D(4, kernel_size, padding=padding)
    conv.build(x.shape)
    conv.kernel.assign(kernel)
    conv.bias.assign(bias)
    spectral = RecordingConv(4, kernel_size, padding=padding)
    spectral.build(x.shape)
    spectral.set_spatial_kernel(kernel)
    spectral.bias.assign(bias)

    for layer in (conv, spectral):
        assert layer.compute_dtype == compute
        assert {dtype_of(v) for v in layer.weights} == {"float32"}
    got_conv, got_spectral = conv(x), spectral(x)
    assert dtype_of(got_conv) == dtype_of(got_spectral) == compute
    assert spectral.kernel_dtypes == [compute]  # the kernel is formed in the compute dtype
    assert dtype_of(spectral.spatial_kernel()) == "float32"  # outside call: the variables'

    # Error against float64, per output entry, in units of u (|x| * |K| + |b|): the input,
    # the kernel and the output are each rounded once to the compute dtype (a few u).
    exact = float64_conv(x, kernel.astype("float64"), bias.astype("float64"), padding)
    scale = float64_conv(np.abs(x), np.abs(kernel).astype("float64"),
                         np.abs(bias).astype("float64"), padding)

    def error(y) -> float:
        y = numpy(keras.ops.cast(y, "float32")).astype("float64")
        return float(np.max(np.abs(y - exact) / scale) / unit_roundoff)

    assert error(got_conv) < 4.0, "Keras' Conv2D itself is outside the bound"
    assert error(got_spectral) < 4.0


def test_spectral_cnn_trains_under_the_policy(policy) -> None:
    compute, _ = POLICIES[policy]
    model = keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            SpectralConv2D(4, 3, padding="same", activation="relu",
                           kernel_initializer=keras.initializers.GlorotUniform(3)),
            RandomizedResolution(0.5, seed=0),
            SpectralPooling2D(5),
            SpectralPooling2D(4, implementation="matrix"),
            keras.layers.Flatten(),
            keras.layers.Dense(3, dtype="float32"),
        ]
    )
    conv = model.layers[0]
    before = [numpy(v).copy() for v in conv.trainable_variables]
    model.compile(keras.optimizers.Adam(1e-2),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(RNG.normal(size=(16, 10, 10, 1)).astype("float32"),
                        RNG.integers(0, 3, 16), batch_size=8, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    for layer in model.layers[:4]:
        assert layer.compute_dtype == compute
    for old, new in zip(before, conv.trainable_variables, strict=True):
        assert dtype_of(new) == "float32"
        assert not np.array_equal(old, numpy(new))  # the half-precision steps reached them
    assert dtype_of(model.layers[3](np.zeros((1, 5, 5, 4), "float32"))) == compute
