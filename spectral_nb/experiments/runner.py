"""Run studies: train what is not yet recorded, in groups, and record each finished run.

The runner asks the store which of the requested runs have no record (each distinct run
once, by spec hash), splits them into groups that one call of their kind's trainer handles
(:mod:`.kinds`), hands the groups to an *executor* and writes every record as its group comes
back. Only this process writes to the store (one writer, however many workers train), so a
record is written once, atomically, and an interrupted sweep resumes where it stopped.

Before anything is trained the store must prove it can take the records
(:meth:`.ResultsStore.check_writable`). Several processes may run sweeps into one store at
once: each claims a run just before training it (:class:`.store.Claims`), skips the runs
another process claims, and at the end waits for those until their records appear (or their
claim goes stale, and it trains them itself); the report says how many runs another process
trained. An interrupt (Ctrl-C) raises :class:`Interrupted`, which carries the report: every
record written before it is kept.

Executors: :class:`SerialExecutor` trains the groups one after another in this process; the
cluster executor (:mod:`.cluster`) sends them to Ray workers. Both yield each group's records
as the group finishes.
"""

from __future__ import annotations

import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .kinds import kind_of, spec_of_record
from .protocol.studies import Study
from .store import Claims, ResultsStore, default_root

# Announce the plan and a time estimate before training that is expected to take longer.
ANNOUNCE_AFTER_S = 120.0
# How often a sweep looks at the runs another process is training.
CLAIM_POLL_S = 1.0


def train_group(specs: Sequence[Any], on_epoch: Callable[[int], Any] | None = None) -> list[dict]:
    """Train one group of runs of a single kind; one record per spec, in order."""
    kinds = {kind_of(spec).name for spec in specs}
    if len(kinds) != 1:
        raise ValueError(f"A group holds runs of one kind, got {sorted(kinds)}.")
    records = kind_of(specs[0]).train_group()(list(specs), on_epoch)
    if [r["spec_hash"] for r in records] != [s.hash for s in specs]:
        raise RuntimeError("The trainer returned records that do not match its runs.")
    return records


def plan_groups(specs: Iterable[Any], max_runs: int | None = None) -> list[list[Any]]:
    """Split specs into groups that one call of their kind's trainer trains together."""
    by_key: OrderedDict[tuple, list[Any]] = OrderedDict()
    for spec in specs:
        kind = kind_of(spec)
        by_key.setdefault((kind.name, kind.key(spec)), []).append(spec)
    groups = []
    for members in by_key.values():
        size = max_runs or kind_of(members[0]).max_group
        for start in range(0, len(members), size):
            groups.append(members[start : start + size])
    return groups


class Executor(Protocol):
    """Trains groups of runs and yields each group's records as it finishes."""

    def run(self, groups: Iterable[Sequence[Any]]) -> Iterator[list[dict]]: ...


@dataclass
class SerialExecutor:
    """Train the groups one after another in this process.

    ``on_group_start(group)`` is called before each group and returns the per-epoch callback
    handed to the trainer (the progress bar's label), or ``None``.
    """

    on_group_start: Callable[[Sequence[Any]], Callable[[int], Any] | None] | None = None

    def run(self, groups: Iterable[Sequence[Any]]) -> Iterator[list[dict]]:
        for group in groups:
            on_epoch = self.on_group_start(group) if self.on_group_start else None
            yield train_group(group, on_epoch)


@dataclass
class RunReport:
    """What :func:`run_specs` did."""

    root: Path
    requested: int  # distinct runs asked for
    already: int  # of those, recorded before
    damaged: int = 0  # of those, with a damaged record in the way (not trained)
    written: list[Path] = field(default_factory=list)
    by_others: int = 0  # recorded meanwhile by another process training into the store
    discarded: int = 0  # trained here, but another process had recorded them first

    def summary(self) -> str:
        text = (
            f"{len(self.written)} new record(s) written, {self.already} already there, "
            f"under {self.root}"
        )
        if self.by_others:
            text += f"; {self.by_others} run(s) trained meanwhile by another process"
        if self.discarded:
            text += (
                f"; {self.discarded} run(s) trained here were recorded first by another "
                "process (their results here were discarded)"
            )
        if self.damaged:
            text += (
                f"; {self.damaged} run(s) not trained because a damaged record is in the way "
                "(rerun with --repair to move those aside and train them)"
            )
        return text


class Interrupted(KeyboardInterrupt):
    """A sweep stopped by an interrupt (Ctrl-C); ``report`` says what was written before."""

    def __init__(self, report: RunReport) -> None:
        super().__init__(f"interrupted after {len(report.written)} new record(s)")
        self.report = report


def run_specs(
    specs: Iterable[Any],
    store: ResultsStore,
    progress: bool = True,
    executor: Executor | None = None,
    label: str = "runs",
    max_runs_per_group: int | None = None,
) -> RunReport:
    """Train every run of ``specs`` that has no record in ``store`` and record it.

    Each distinct run (spec hash) is trained at most once, however often it is asked for.
    A run whose record file is damaged is reported and skipped, never trained over:
    :meth:`.ResultsStore.repair` moves such files aside first.
    """
    unique = list({spec.hash: spec for spec in specs}.values())
    recorded = [spec for spec in unique if store.has(spec)]
    # a damaged record is reported by the store and left in place: never trained over
    damaged = [spec for spec in unique if not store.has(spec) and store.path(spec).exists()]
    pending = [spec for spec in unique if not store.path(spec).exists()]
    report = RunReport(
        root=store.root, requested=len(unique), already=len(recorded), damaged=len(damaged)
    )
    if not pending:
        return report
    store.check_writable({spec.dataset for spec in pending}, len(pending))
    announce(pending, label)
    from tqdm.auto import tqdm

    bar = tqdm(total=len(pending), desc=label, unit="run", disable=not progress)

    def on_group_start(group: Sequence[Any]) -> Callable[[int], Any]:
        first = group[0]
        name = "-".join(map(str, getattr(first, "sizes", ()))) or kind_of(first).name
        epochs = getattr(first, "epochs", None)

        def on_epoch(epoch: int) -> None:
            bar.set_postfix_str(f"{name} x{len(group)} epoch {epoch + 1}/{epochs}")

        return on_epoch

    executor = executor or SerialExecutor(on_group_start)
    try:
        with Claims(store) as claims:
            todo = pending
            while todo:
                elsewhere: list[Any] = []  # runs another process holds

                def claimed_groups(todo: list[Any] = todo, elsewhere: list = elsewhere):
                    # claimed group by group as the executor asks (Ray asks for all at once)
                    for group in plan_groups(todo, max_runs_per_group):
                        mine = []
                        for spec in group:
                            if store.has(spec) or not claims.acquire(spec):
                                elsewhere.append(spec)
                            elif store.has(spec):  # recorded just before the claim
                                claims.release(spec)
                                elsewhere.append(spec)
                            else:
                                mine.append(spec)
                        if mine:
                            yield mine

                for records in executor.run(claimed_groups()):
                    for record in records:
                        spec = spec_of_record(record)
                        if store.write(record):
                            report.written.append(store.path(spec))
                        else:
                            report.discarded += 1
                        claims.release(spec)
                    bar.update(len(records))
                todo = _wait_for_others(elsewhere, store, claims, report, bar.update)
    except KeyboardInterrupt:
        raise Interrupted(report) from None
    finally:
        bar.close()
    return report


def _wait_for_others(
    specs: list[Any], store: ResultsStore, claims: Claims, report: RunReport,
    done: Callable[[int], Any],
) -> list[Any]:
    """Wait until each run of ``specs`` is recorded by the process that claimed it (counted
    in ``report.by_others``); return those whose claim went stale without a record."""
    waiting, announced = list(specs), False
    while waiting:
        free, still = [], []
        for spec in waiting:
            if store.has(spec):
                report.by_others += 1
                done(1)
            elif claims.holder(spec) is None:
                free.append(spec)
            else:
                still.append(spec)
        if free:
            return free + still  # train what nobody holds any more; the rest is waited for
        waiting = still
        if waiting:
            if not announced:
                holders = {claims.holder(spec) for spec in waiting} - {None}
                names = ", ".join(sorted(h.describe() for h in holders)) or "another process"
                print(
                    f"waiting for {len(waiting)} run(s) that another sweep is training into "
                    f"{store.root} ({names}); their records are counted when they appear",
                    file=sys.stderr, flush=True,
                )
                announced = True
            time.sleep(CLAIM_POLL_S)
    return []


def announce(specs: Sequence[Any], label: str, threshold_s: float = ANNOUNCE_AFTER_S) -> None:
    """Say what is about to be trained and how long it may take, when that is a while."""
    seconds = 0.0
    for group in plan_groups(specs):
        estimate = kind_of(group[0]).estimate_seconds(group)
        seconds += estimate or 0.0
    if seconds < threshold_s:
        return
    print(
        f"{label}: training {len(specs)} run(s) not yet recorded; estimated "
        f"{_duration(seconds)} on a 2-core CPU (a rough figure from the committed records' "
        "speed; a GPU or a faster CPU takes less). Records are saved as each group finishes, "
        "so an interrupted run resumes.",
        file=sys.stderr,
        flush=True,
    )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def study_records(
    study: Study, store: ResultsStore, recorded_only: bool = False
) -> list[dict[str, Any]]:
    """The records of ``study``'s runs, as the study sees them.

    Each record is the stored one with ``study`` set to this study's name and ``spec`` to
    this study's own spec (same hash, this study's tags: its point labels and variants),
    so a run two studies share reads as a run of each. A run without a valid record raises
    :class:`~.store.StoreError`, or is left out with ``recorded_only``.
    """
    return [
        {**store.read(spec), "study": study.name, "spec": spec.to_dict()}
        for spec in study.specs
        if not recorded_only or store.has(spec)
    ]


def run_study(
    study: Study,
    store: ResultsStore | None = None,
    progress: bool = True,
    executor: Executor | None = None,
    max_runs_per_group: int | None = None,
) -> list[dict[str, Any]]:
    """Train every run of ``study`` that has no record yet; return all its records.

    Records are written as each group finishes, so an interrupted study resumes where it
    stopped; nothing already recorded is trained again.
    """
    store = store or ResultsStore(default_root(study.profile))
    label = f"{study.dataset}/{study.name} ({study.profile})"
    run_specs(study.specs, store, progress, executor, label, max_runs_per_group)
    return study_records(study, store)
