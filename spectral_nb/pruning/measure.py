"""What pruning buys: the size and the inference time of the pruned network, measured.

A hidden layer of ``n`` nodes between layers of ``a`` and ``b`` nodes costs ``a n + n b``
multiply-adds per example; removing a share ``f`` of every hidden layer of a one-hidden-layer
network removes the same share of its weights and of its work. Whether the time falls as
much is a measurement: fixed costs (reading the input, the framework's overhead per call)
do not shrink. Here each network is timed in its deployable form, the plain ``Dense``
layers of :func:`spectral_nb.retract` (a spectral layer would recompute its kernel from the
eigenvectors at every call), on the same inputs, in one process, alternating the networks
so that a change in the machine's load hits all of them alike; the median of the repeats is
reported.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import pandas as pd

from ..retraction import retract
from .chain import model_chain
from .surgery import prune

BATCH = 1000


def direct_weights(model: keras.Model) -> int:
    """Weights and biases of the network in direct space (what inference multiplies)."""
    total = 0
    for layer in model_chain(model).dense_layers:
        kernel = layer.direct_kernel() if hasattr(layer, "direct_kernel") else layer.kernel
        n_in, n_out = (int(d) for d in keras.ops.shape(kernel))
        total += n_in * n_out + (n_out if getattr(layer, "bias", None) is not None else 0)
    return total


def _pass_seconds(model: keras.Model, x: np.ndarray) -> float:
    start = time.perf_counter()
    for begin in range(0, len(x), BATCH):
        keras.ops.convert_to_numpy(model(x[begin : begin + BATCH], training=False))
    return time.perf_counter() - start


def size_and_speed(model: keras.Model, fractions: Sequence[float], x: Any,
                   repeats: int = 7, **prune_args: Any) -> pd.DataFrame:
    """Hidden nodes, direct-space weights and time per pass over ``x`` of ``model`` pruned at
    each fraction (``prune_args`` go to :func:`spectral_nb.prune`)."""
    x = np.asarray(x, dtype="float32")
    networks = {f: prune(model, f, **prune_args) for f in fractions}
    deployed = {f: retract(m) for f, m in networks.items()}
    for net in deployed.values():  # warm up
        _pass_seconds(net, x[:BATCH])
    times: dict[float, list[float]] = {f: [] for f in fractions}
    for _ in range(repeats):
        for f, net in deployed.items():
            times[f].append(_pass_seconds(net, x))
    rows = []
    for f, net in networks.items():
        hidden = sum(layer.units for layer in model_chain(net).hidden)
        rows.append({"fraction": f, "hidden nodes": hidden, "weights": direct_weights(net),
                     "seconds": float(np.median(times[f]))})
    frame = pd.DataFrame(rows).set_index("fraction")
    base = frame.iloc[0]
    frame["weights (share)"] = frame["weights"] / base["weights"]
    frame["speed-up"] = base["seconds"] / frame["seconds"]
    return frame
