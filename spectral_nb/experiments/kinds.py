"""Kinds of runs: which spec type describes a run, which function trains a group of them.

Every run the store records is described by a frozen spec dataclass with a ``kind`` class
attribute, a ``dataset``, a stable ``hash``, ``to_dict``/``from_dict`` and free-form ``tags``
(the fully connected networks of the paper: :class:`~.protocol.spec.RunSpec`, kind ``fc``).
A :class:`RunKind` names, as ``"module:attribute"`` strings, the spec type, the function that
trains a group of such runs and returns one record per run, the function whose equal values
mark runs that can be trained together, and an optional time estimate. The strings are
imported only when a run of that kind is handled, so reading records never starts
TensorFlow, and parts of the package register their kinds here without import circles.

Records written before kinds existed carry no ``kind`` field; they are ``fc`` runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_KIND = "fc"


class KindError(ValueError):
    """A run of a kind nobody registered."""


@dataclass(frozen=True)
class RunKind:
    """How runs of one kind are described, grouped and trained.

    Attributes
    ----------
    name
        The ``kind`` of its specs and records.
    spec_type
        ``"module:Class"`` of the frozen spec dataclass.
    trainer
        ``"module:function"``: ``train_group(specs, on_epoch=None) -> list[record]``, one
        record per spec, in order. It must be a plain top-level function: a cluster ships it
        to its workers.
    group_key
        ``"module:function"``: ``group_key(spec) -> Hashable``; runs with equal keys are
        trained together, at most ``max_group`` at a time.
    max_group
        Most runs one call of the trainer receives.
    estimate
        Optional ``"module:function"``: ``estimate_seconds(specs) -> float``, a rough
        training time for the runner's announcement of long runs.
    """

    name: str
    spec_type: str
    trainer: str
    group_key: str
    max_group: int = 10
    estimate: str | None = None

    def load(self, attribute: str) -> Any:
        """The object a ``"module:attribute"`` field names."""
        module, _, name = getattr(self, attribute).partition(":")
        return getattr(importlib.import_module(module), name)

    def spec_class(self) -> type:
        return self.load("spec_type")

    def train_group(self) -> Callable[..., list[dict[str, Any]]]:
        return self.load("trainer")

    def key(self, spec: Any) -> Hashable:
        return self.load("group_key")(spec)

    def estimate_seconds(self, specs: Sequence[Any]) -> float | None:
        return None if self.estimate is None else float(self.load("estimate")(specs))


KINDS: dict[str, RunKind] = {
    "fc": RunKind(
        name="fc",
        spec_type="spectral_nb.experiments.protocol.spec:RunSpec",
        trainer="spectral_nb.experiments.records:train_group",
        group_key="spectral_nb.experiments.protocol.spec:group_key",
        max_group=10,
        estimate="spectral_nb.experiments.records:estimate_seconds",
    ),
    "cnn": RunKind(
        name="cnn",
        spec_type="spectral_nb.cnn.spec:CnnSpec",
        trainer="spectral_nb.cnn.training:train_group",
        group_key="spectral_nb.cnn.spec:group_key",
        max_group=1,  # each run is recorded as soon as it finishes
        estimate="spectral_nb.cnn.spec:estimate_seconds",
    ),
    "pruning": RunKind(
        name="pruning",
        spec_type="spectral_nb.pruning.spec:PruningSpec",
        trainer="spectral_nb.pruning.training:train_group",
        group_key="spectral_nb.pruning.spec:group_key",
        max_group=5,
        estimate="spectral_nb.pruning.spec:estimate_seconds",
    ),
}


def get_kind(name: str) -> RunKind:
    """The registered kind ``name``, or a :class:`KindError` listing the known ones."""
    try:
        return KINDS[name]
    except KeyError:
        raise KindError(
            f"Unknown run kind {name!r}; known kinds: {', '.join(sorted(KINDS))}. "
            "Install the version of spectral_nb that wrote it, or register the kind in "
            "spectral_nb.experiments.kinds.KINDS."
        ) from None


def kind_of(spec: Any) -> RunKind:
    """The kind of a spec object."""
    return get_kind(getattr(spec, "kind", DEFAULT_KIND))


def kind_of_record(record: dict[str, Any]) -> RunKind:
    """The kind of a stored record (``fc`` when it names none)."""
    return get_kind(record.get("kind", DEFAULT_KIND))


def spec_of_record(record: dict[str, Any]) -> Any:
    """The spec object a record was trained from."""
    return kind_of_record(record).spec_class().from_dict(record["spec"])
