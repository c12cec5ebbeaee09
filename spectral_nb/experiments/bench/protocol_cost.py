"""What a profile's full protocol must cost on this machine, against what it did cost.

Every trained parameter of every run is updated once per optimiser step. However the forward
and backward passes are organised, that update reads the parameter, its gradient and two
AdaMax moments and writes three of them back. The protocol's parameter-steps
(:func:`parameter_steps`) times this machine's fused AdaMax time per parameter
(:func:`adamax_seconds_per_parameter_step`) is therefore a lower bound of its training time:
the optimiser alone, perfectly fused, no forward or backward pass. :func:`protocol_cost` puts
it beside the wall time the committed records took.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

from ...data.registry import TRAIN_IMAGES
from ..protocol.spec import RunSpec


def parameter_steps(specs: Iterable[RunSpec], train_examples: int = TRAIN_IMAGES) -> int:
    """Sum over runs of trained parameters times optimiser steps (the last batch is kept)."""
    total = 0
    for spec in specs:
        examples = spec.train_size or train_examples
        steps = math.ceil(examples / spec.batch_size) * spec.epochs
        total += spec.trainable_parameter_count() * steps
    return total


def adamax_seconds_per_parameter_step(parameters: int = 8_000_000, repeats: int = 20) -> float:
    """Wall time of one fused AdaMax update per parameter, measured on this machine."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    var = tf.Variable(rng.normal(size=parameters).astype(np.float32))
    m, u = tf.Variable(tf.zeros(parameters)), tf.Variable(tf.zeros(parameters))
    grad = tf.constant(rng.normal(size=parameters).astype(np.float32))
    constants = {name: tf.constant(value, tf.float32) for name, value in
                 (("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-7), ("lr", 0.01))}

    @tf.function
    def updates(n: tf.Tensor) -> tf.Tensor:
        for i in tf.range(n):
            power = tf.pow(constants["beta1"], tf.cast(i + 1, tf.float32))
            tf.raw_ops.ResourceApplyAdaMax(
                var=var.handle, m=m.handle, v=u.handle, beta1_power=power, grad=grad,
                **constants,
            )
        return var[0]

    updates(tf.constant(2)).numpy()  # compile and warm up
    start = time.perf_counter()
    updates(tf.constant(repeats)).numpy()
    return (time.perf_counter() - start) / (repeats * parameters)


@dataclass(frozen=True)
class ProtocolCost:
    """A protocol's optimiser-bound lower time and its recorded time (hours)."""

    runs: int
    parameter_steps: int
    seconds_per_parameter_step: float
    recorded_runs: int
    recorded_hours: float

    @property
    def bound_hours(self) -> float:
        return self.parameter_steps * self.seconds_per_parameter_step / 3600


def protocol_cost(
    specs: list[RunSpec], recorded_wall_times_s: list[float],
    seconds_per_parameter_step: float | None = None,
) -> ProtocolCost:
    """The bound for ``specs`` and the sum of the recorded wall times given."""
    if seconds_per_parameter_step is None:
        seconds_per_parameter_step = adamax_seconds_per_parameter_step()
    return ProtocolCost(
        runs=len(specs), parameter_steps=parameter_steps(specs),
        seconds_per_parameter_step=seconds_per_parameter_step,
        recorded_runs=len(recorded_wall_times_s),
        recorded_hours=sum(recorded_wall_times_s) / 3600,
    )
