"""What the backend tests share: numpy views, gradients through each backend's autodiff, cases.

Keras has no backend-neutral gradient function, so the property tests that need a gradient
(the adjoint of pooling, identical steps in two parametrisations) call :func:`input_gradient`
and :func:`variable_gradients`, which dispatch on ``keras.backend.backend()``.

Eager JAX compiles every operation once per new shape (about a second per spectral pooling
call of a new size), so :func:`cases` lets a parametrised test run its full list of sizes
under TensorFlow and a reduced list that still covers every odd/even combination elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np

BACKEND = keras.backend.backend()


def cases(full: list, reduced: list) -> list:
    """``full`` under TensorFlow, ``reduced`` under the other backends (see the docstring)."""
    return full if BACKEND == "tensorflow" else reduced


def numpy(x: Any) -> np.ndarray:
    """Any backend's tensor (or a Keras variable) as a numpy array."""
    return np.asarray(keras.ops.convert_to_numpy(x))


def input_gradient(fn: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
    """Gradient of the scalar ``fn(x)`` with respect to the array ``x`` (numpy out)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        t = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(t)
            value = fn(t)
        return tape.gradient(value, t).numpy()
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(fn)(jax.numpy.asarray(x)))
    if backend == "torch":
        import torch

        t = torch.tensor(x, requires_grad=True)
        (grad,) = torch.autograd.grad(fn(t), [t])
        return grad.detach().cpu().numpy()
    raise NotImplementedError(f"No gradient helper for the {backend!r} backend.")


def variable_gradients(layer: keras.layers.Layer, loss: Callable[[Any], Any], x: Any) -> list:
    """Gradients of ``loss(layer(x))`` with respect to ``layer.trainable_variables``."""
    backend = keras.backend.backend()
    variables = layer.trainable_variables
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = loss(layer(x))
        return tape.gradient(value, variables)
    if backend == "jax":
        import jax

        frozen = [v.value for v in layer.non_trainable_variables]

        def of(values: list) -> Any:
            out, _ = layer.stateless_call(values, frozen, x)
            return loss(out)

        return jax.grad(of)([v.value for v in variables])
    if backend == "torch":
        import torch

        value = loss(layer(x))
        return list(torch.autograd.grad(value, [v.value for v in variables]))
    raise NotImplementedError(f"No gradient helper for the {backend!r} backend.")
