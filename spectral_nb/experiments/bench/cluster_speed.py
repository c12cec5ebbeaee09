"""``make bench`` (cluster part): runs per minute, serial versus Ray, and the cluster's scaling.

**Measured** (default): the same runs are trained three ways in this one process, each into a
fresh temporary store, and the runs per minute of each are printed with their ratio to the
serial one:

* serial: the runner's :class:`~..runner.SerialExecutor`, one group at a time, TensorFlow on
  every core of this machine;
* Ray, one node: a Ray cluster of one node with all of this machine's CPUs, on the loopback
  interface (:func:`~..cluster.local_cluster`), training one group at a time with all of them.
  Same resources as the serial run: the ratio is Ray's overhead (task submission, shipping
  specs and records between processes, the Ray processes' own CPU use). Ray's own cost per
  task is also timed alone (:func:`task_overhead`), a figure the load of the machine hardly
  blurs;
* Ray, one node per CPU: as many nodes as this machine has CPUs, one CPU each, each training
  its own group: what a cluster of that many one-CPU workers gives.

Two workloads: ``smoke`` (every run of the paper's four studies on MNIST under the smoke
profile: tiny groups, so per-group costs dominate) and ``quick slice`` (the first
:data:`QUICK_GROUPS` groups of the same studies under the quick profile: full training set,
five epochs). One-time costs are timed apart and left out of the rates, for both sides: the
Ray instance's start, and in every process that trains (this one, each Ray worker) importing
TensorFlow and loading the dataset. The rates include everything per group (building and
compiling its program, training, evaluating, making and writing its records). The load
average is printed with the rates: on a machine other programs keep busy, several processes
(Ray's) get a larger share of its CPUs than one (serial), which flatters Ray.

**Projected** (``--scaling``): the paper protocol (the four studies and every probe, both
datasets) planned into groups as the runner plans them; each group's duration is the sum of
its runs' committed ``wall_time_s`` (each record holds the wall time of the group it was
trained in divided by that group's size), or the kind's estimate for a run without a record.
The groups are then scheduled longest first onto W equal task slots, as
:class:`~..cluster.RayExecutor` submits them; the wall time is the last slot's finish, never
below the longest group. A slot is a task with the CPUs of the machine that made the records
(their ``device`` field says which).
"""

from __future__ import annotations

import argparse
import functools
import heapq
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..kinds import kind_of
from ..protocol.studies import STUDIES
from ..runner import SerialExecutor, plan_groups, run_specs

QUICK_GROUPS = 12
WORKERS = (1, 2, 4, 8, 16, 32, 64, 128)


# ----------------------------------------------------------------------------- workloads
def workload(name: str) -> list[Any]:
    """The distinct runs of a workload (``"smoke"`` or ``"quick slice"``), in plan order."""
    from ..catalog import build

    profile = "smoke" if name == "smoke" else "quick"
    specs = [spec for study in STUDIES for spec in build(study, "mnist", profile).specs]
    unique = list({spec.hash: spec for spec in specs}.values())
    if name == "smoke":
        return unique
    return [spec for group in plan_groups(unique)[:QUICK_GROUPS] for spec in group]


@dataclass
class Timing:
    runs: int
    seconds: float
    records: list[dict]

    @property
    def per_minute(self) -> float:
        return 60.0 * self.runs / self.seconds


def _sweep(specs: Sequence[Any], executor: Any) -> Timing:
    """Train ``specs`` into a fresh temporary store; time it; return the records."""
    from ..store import ResultsStore

    with tempfile.TemporaryDirectory(prefix="spectral_nb_bench_") as root:
        store = ResultsStore(root)
        start = time.perf_counter()
        run_specs(specs, store, progress=False, executor=executor)
        seconds = time.perf_counter() - start
        records = [store.read(spec) for spec in specs]
    return Timing(len(specs), seconds, records)


def _load_data(specs: Sequence[Any]) -> None:
    """Import TensorFlow and load the workload's datasets (the one-time cost of a process)."""
    import tensorflow  # noqa: F401

    from ..engine.tensors import load_dataset

    for key in {(s.dataset, s.train_size, s.test_size) for s in specs}:
        load_dataset(*key)


def _warm(specs: list[Any], data: list[Any]) -> list[dict]:
    """A task that only pays a worker's one-time costs (run through the cluster's task)."""
    _load_data(data)
    time.sleep(1.0)  # hold the slot so that every slot's worker gets one of these tasks
    return []


def _echo(records: list[dict]) -> list[dict]:
    return records


def task_overhead(ray: Any, records: list[dict], repeats: int = 20) -> float:
    """Seconds of Ray's own cost per task: one task taking a group's records to a worker
    and back, one after another (twice what a training task ships)."""
    echo = ray.remote(_echo)
    ray.get(echo.remote(records))  # a worker for it
    start = time.perf_counter()
    for _ in range(repeats):
        ray.get(echo.remote(records))
    return (time.perf_counter() - start) / repeats


def time_ray(
    specs: Sequence[Any], nodes: int, cpus_per_node: int, records: list[dict] | None = None
) -> tuple[Timing, float, float, float | None]:
    """``(timing, start_s, warm_s, task_s)`` of ``specs`` on a loopback cluster of ``nodes``
    nodes of ``cpus_per_node`` CPUs, one group per node at a time (all of a node's CPUs per
    task); ``task_s`` is :func:`task_overhead` with ``records`` (when given)."""
    from ..cluster import RayExecutor, _train_on_worker, connect, local_cluster

    start = time.perf_counter()
    with local_cluster(nodes, cpus_per_node) as address:
        ray = connect(address)
        try:
            started = time.perf_counter() - start
            task = ray.remote(_train_on_worker).options(num_cpus=cpus_per_node)
            warm = functools.partial(_warm, data=list(specs))
            begin = time.perf_counter()
            ray.get([task.remote([], cpus_per_node, warm) for _ in range(nodes)])
            warmed = time.perf_counter() - begin
            executor = RayExecutor(cpus_per_task=cpus_per_node, timeout_s=3600)
            timing = _sweep(specs, executor)
            task_s = None if records is None else task_overhead(ray, records)
        finally:
            ray.shutdown()
    return timing, started, warmed, task_s


def measure(names: Sequence[str] = ("smoke", "quick slice"), out: Callable = print) -> list[dict]:
    """Time every workload serially and on Ray; print and return one row per workload."""
    cpus = os.cpu_count() or 1
    rows = []
    out(f"Runs per minute on this machine ({cpus} CPUs), serial vs Ray, side by side "
        f"(load average before: {os.getloadavg()[0]:.1f}):")
    for name in names:
        specs = workload(name)
        _load_data(specs)
        serial = _sweep(specs, SerialExecutor())
        largest = max(plan_groups(specs), key=len)
        payload = [r for r in serial.records if r["spec_hash"] in {s.hash for s in largest}]
        one, start_1, warm_1, task_s = time_ray(specs, 1, cpus, payload)
        many, start_n, warm_n, _ = time_ray(specs, cpus, 1)
        for timing in (one, many):
            if [r["history"] for r in timing.records] != [r["history"] for r in serial.records]:
                raise RuntimeError(f"{name}: Ray's records differ from the serial run's.")
        row = {
            "workload": name, "runs": len(specs), "groups": len(plan_groups(specs)),
            "serial": serial.per_minute, "ray_1_node": one.per_minute,
            "ray_nodes": many.per_minute,
            "ratio_1_node": one.per_minute / serial.per_minute,
            "ratio_nodes": many.per_minute / serial.per_minute,
            "ray_start_s": (start_1 + start_n) / 2, "worker_start_s": (warm_1 + warm_n) / 2,
            "task_ms": 1000 * task_s, "group_s": serial.seconds / len(plan_groups(specs)),
        }
        rows.append(row)
        out(
            f"  {name:12s} {row['runs']:3d} runs in {row['groups']:3d} groups: serial "
            f"{serial.per_minute:6.1f} runs/min | Ray, 1 node x {cpus} CPUs: "
            f"{one.per_minute:6.1f} ({row['ratio_1_node']:.2f}x serial) | Ray, {cpus} nodes x "
            f"1 CPU: {many.per_minute:6.1f} ({row['ratio_nodes']:.2f}x serial); "
            "histories identical to the serial run's"
        )
        out(
            f"  {'':12s} one-time, not in the rates: Ray start {row['ray_start_s']:.1f} s, "
            f"workers' TensorFlow import and data {row['worker_start_s']:.1f} s; "
            f"load average after: {os.getloadavg()[0]:.1f}"
        )
        out(
            f"  {'':12s} Ray's own cost per task (a group's {len(payload)} record(s) to a "
            f"worker and back): {row['task_ms']:.1f} ms, {row['task_ms'] / 10 / row['group_s']:.2f}"
            f"% of a serial group's {row['group_s']:.1f} s"
        )
    return rows


# ----------------------------------------------------------------------------- projection
def paper_groups() -> list[list[Any]]:
    """The paper protocol's runs (four studies and every probe, both datasets) in groups."""
    from ..catalog import build, probe_names
    from ..protocol.spec import DATASETS

    specs = []
    for dataset in DATASETS:
        for name in (*STUDIES, *probe_names()):
            specs.extend(build(name, dataset, "paper").specs)
    return plan_groups(list({spec.hash: spec for spec in specs}.values()))


def group_seconds(groups: Sequence[Sequence[Any]]) -> tuple[list[float], int]:
    """Each group's duration: its runs' committed ``wall_time_s``, the kind's estimate for a
    run without a record; and how many runs had a record."""
    from ..store import ResultsStore, default_root

    store = ResultsStore(default_root("paper"))
    durations, recorded = [], 0
    for group in groups:
        seconds = 0.0
        for spec in group:
            if store.has(spec):
                seconds += store.read(spec)["wall_time_s"]
                recorded += 1
            else:
                seconds += kind_of(spec).estimate_seconds([spec]) or 0.0
        durations.append(seconds)
    return durations, recorded


def makespan(durations: Sequence[float], slots: int) -> float:
    """Wall time of ``durations`` scheduled longest first onto ``slots`` equal slots."""
    finish = [0.0] * slots
    for duration in sorted(durations, reverse=True):
        heapq.heapreplace(finish, finish[0] + duration)
    return max(finish)


def scaling(workers: Sequence[int] = WORKERS, out: Callable = print) -> list[dict]:
    """Print and return the projected wall time of the paper protocol per number of slots."""
    groups = paper_groups()
    durations, recorded = group_seconds(groups)
    total, longest = sum(durations), max(durations)
    out(
        f"Paper protocol: {sum(map(len, groups))} runs in {len(groups)} groups "
        f"({recorded} runs timed by their committed records, the rest estimated); "
        f"{total / 3600:.2f} h in all, longest group {longest / 60:.1f} min."
    )
    out("| task slots | wall time | speed-up | efficiency |")
    out("|---:|---:|---:|---:|")
    rows = []
    for slots in workers:
        wall = makespan(durations, slots)
        row = {"slots": slots, "hours": wall / 3600, "speedup": total / wall,
               "efficiency": total / wall / slots}
        rows.append(row)
        out(f"| {slots} | {_hours(wall)} | {row['speedup']:.1f}x | {row['efficiency']:.0%} |")
    return rows


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spectral_nb.experiments.bench.cluster_speed",
        description="Runs per minute serial vs Ray on this machine; with --scaling, the paper "
        "protocol's projected wall time per number of task slots.",
    )
    parser.add_argument("--scaling", action="store_true",
                        help="print the projection only (reads the committed records)")
    parser.add_argument("--only", choices=("smoke", "quick slice"),
                        help="measure one workload only")
    args = parser.parse_args(argv)
    if args.scaling:
        scaling()
        return 0
    from ..cluster import RayUnavailable, import_ray

    try:
        import_ray()
    except RayUnavailable as error:
        print(f"cluster bench skipped: {error}")
        return 0
    measure((args.only,) if args.only else ("smoke", "quick slice"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
