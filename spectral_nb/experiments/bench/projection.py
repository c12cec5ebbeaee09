"""How long a protocol would take with the engine as it is now, from a short sample of it.

Committed records keep the wall time of the engine that wrote them, which may predate later
speed-ups. Training every group of the protocol for a few epochs, as the runner would group
it, and extrapolating its per-epoch time to the protocol's epochs gives the current figure
at a fraction of the cost: a group's time is its set-up and compilation plus a steady cost
per epoch (each epoch is the same compiled program on the same amount of data).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..engine.tensors import load_dataset
from ..engine.trainer import train_runs
from ..protocol.spec import RunSpec
from ..runner import plan_groups


@dataclass(frozen=True)
class GroupTiming:
    """A group's measured start (set-up, compilation, first epoch) and later epochs."""

    label: str
    runs: int
    first_epoch_s: float
    later_epoch_s: float
    epochs: int  # what the protocol trains

    @property
    def projected_s(self) -> float:
        """Seconds for the protocol's epochs: the first as measured, the rest at the later rate."""
        return self.first_epoch_s + (self.epochs - 1) * self.later_epoch_s


def time_group(specs: Sequence[RunSpec], sample_epochs: int = 2) -> GroupTiming:
    """Train ``specs`` (one group) for ``sample_epochs`` and time their first and later epochs."""
    if sample_epochs < 2:
        raise ValueError(
            f"sample_epochs={sample_epochs}: at least 2 are needed to separate the first "
            "epoch (with set-up and compilation) from the steady per-epoch time."
        )
    first = specs[0]
    sample = [spec.replace(epochs=sample_epochs) for spec in specs]
    data = load_dataset(first.dataset, first.train_size, first.test_size)
    ends: list[float] = []
    start = time.perf_counter()
    train_runs(sample, data, on_epoch=lambda epoch: ends.append(time.perf_counter()))
    later = (ends[-1] - ends[0]) / (sample_epochs - 1)
    regime = first.regime + (f" ({first.convention})" if first.is_spectral else "")
    label = f"{first.dataset} {'-'.join(map(str, first.sizes))} {regime} x{len(specs)}"
    return GroupTiming(label, len(specs), ends[0] - start, later, first.epochs)


def project(
    specs: Sequence[RunSpec], sample_epochs: int = 2,
    on_group: Callable[[GroupTiming], None] | None = None,
) -> list[GroupTiming]:
    """Time every group the runner would train for ``specs``; see :func:`time_group`."""
    timings = []
    for group in plan_groups(specs):
        timing = time_group(group, sample_epochs)
        timings.append(timing)
        if on_group is not None:
            on_group(timing)
    return timings
