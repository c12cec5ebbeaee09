"""Run studies on a Ray cluster: one task per group of runs, every record written by the driver.

The runner (:mod:`.runner`) plans a sweep as *groups* of runs that one call of their kind's
trainer handles, and hands the groups to an *executor*, which yields each group's records as
the group finishes. :class:`RayExecutor` is that executor on a Ray cluster:

* each group becomes one Ray task calling :func:`.runner.train_group` (a plain top-level
  function) on a worker, with ``cpus_per_task`` CPUs and ``gpus_per_task`` GPUs reserved;
* the task *returns* its records to the driver; only the driver writes them to the store
  (:class:`.store.ResultsStore`: atomic, one writer), so no folder needs to be shared between
  machines and a record is never written twice;
* a task whose worker process dies (killed, out of memory, machine lost) is run again by Ray,
  up to ``max_retries`` times. A retried task's records reach the driver once, because only
  the value of its final attempt is returned, and the store refuses a second record of a run
  in any case. A task that raises an exception is not retried (the same input would fail
  again): the error names the group, the other tasks are cancelled, and every record that
  came back before stays stored, so the next ``run`` resumes;
* the runner claims every run it hands over (:class:`.store.Claims`), so a sweep on another
  machine or in another process into the same store leaves them to this one, and this one
  leaves theirs alone;
* groups are submitted longest first (by their kind's time estimate), so the longest group
  starts at once and the wall time is close to its lower bound: the longest group, or the
  total divided by the number of task slots, whichever is larger.

Where the cluster is: ``address=None`` starts a Ray instance in this process for the length
of the sweep, confined to the loopback interface (every Ray process on 127.0.0.1, no
dashboard, no usage reports) and offering ``num_cpus`` CPUs (default: this machine's);
``"auto"`` joins the running cluster named by ``RAY_ADDRESS`` (or the one started on this
machine by ``ray start``); any other string is the address of a cluster's head
(``host:port``). A process already connected to Ray (``ray.init`` called before) keeps its
connection and the executor leaves it open. Joining waits at most ``join_timeout_s`` (30 s by
default, ``--ray-timeout`` on the command line) for the head to answer, then gives up with a
:class:`ClusterError` naming the address (Ray alone would retry for ever). Joining
(:func:`connect`) switches Ray's loopback
mode on for a head at 127.0.0.1 (else Ray would swap in this machine's network address) and
sends the cluster's token when one is at hand (Ray protects clusters started by ``ray start``
with one). :func:`local_cluster` (``python -m spectral_nb.experiments.cluster``) starts a head
and worker nodes on 127.0.0.1, for trying the commands and for the tests: Ray's ``ray start``
refuses a second node on the loopback interface.

What every worker machine needs: the same Python environment as the driver (the package
installed with ``pip install "spectral_nb[cluster]"``, same versions: the records name the
versions and the git commit of the worker that trained them) and the datasets, which each
worker loads from its own cache (``python -m spectral_nb.data fetch all`` once per machine, or
let the first task fetch them). Two tasks fetching into one cache folder at once do not
corrupt it: :func:`spectral_nb.data.cache.write_cache` writes a temporary file and renames it.

Ray is an optional dependency (the ``cluster`` extra); without it, :func:`import_ray` raises
:class:`RayUnavailable`, whose message says how to install it.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .kinds import kind_of
from .ray_session import (
    JOIN_TIMEOUT_S,
    ClusterError,
    RayUnavailable,
    connect,
    import_ray,
    local_cluster,
    local_ray,
)
from .runner import train_group

# How often the driver wakes while it waits for tasks (keeps Ctrl-C and deadlines responsive).
POLL_S = 1.0


@dataclass
class RayExecutor:
    """Train groups of runs as Ray tasks; yield each group's records as it finishes.

    Parameters
    ----------
    address
        ``None``: start a Ray instance on this machine's loopback interface for the sweep;
        ``"auto"``: join the cluster of ``RAY_ADDRESS`` (or the one ``ray start`` runs here);
        else the head's ``host:port``.
    cpus_per_task, gpus_per_task
        Resources Ray reserves for each group (a task runs only where they are free).
        TensorFlow in a task uses that many CPU threads.
    max_retries
        How often Ray reruns a task whose worker process died.
    num_cpus
        CPUs a local instance (``address=None``) offers; default: this machine's.
    join_timeout_s
        Give up joining the cluster at ``address`` (:class:`ClusterError`) when its head
        cannot be reached within this many seconds.
    timeout_s
        Give up (:class:`ClusterError`, records so far kept) when the sweep takes longer.
    train
        The function a task calls, ``train(specs) -> records``; default
        :func:`.runner.train_group`. Must be importable on the workers.
    """

    address: str | None = None
    cpus_per_task: float = 1.0
    gpus_per_task: float = 0.0
    max_retries: int = 3
    num_cpus: int | None = None
    timeout_s: float | None = None
    join_timeout_s: float = JOIN_TIMEOUT_S
    train: Callable[[list[Any]], list[dict]] = field(default=train_group, repr=False)

    def __post_init__(self) -> None:
        if not self.cpus_per_task > 0:
            raise ValueError(
                f"cpus_per_task must be positive, got {self.cpus_per_task}; "
                "give the CPUs each group of runs needs (e.g. 1)."
            )
        if self.gpus_per_task < 0:
            raise ValueError(f"gpus_per_task must be 0 or more, got {self.gpus_per_task}.")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {self.max_retries}.")
        if not self.join_timeout_s > 0:
            raise ValueError(f"join_timeout_s must be positive, got {self.join_timeout_s}.")

    # ------------------------------------------------------------------ connection
    def _connect(self, stack: contextlib.ExitStack) -> Any:
        """``ray``, connected to the cluster; ``stack`` disconnects what this call connected."""
        ray = import_ray()
        if ray.is_initialized():
            if self.address is not None:
                raise ClusterError(
                    "This process is already connected to Ray, so it cannot join "
                    f"{self.address!r}; use RayExecutor(address=None) to run on that "
                    "connection, or call ray.shutdown() first."
                )
            return ray
        if self.address is None:
            return stack.enter_context(local_ray(self.num_cpus))
        ray = connect(self.address, self.join_timeout_s)
        stack.callback(ray.shutdown)
        return ray

    def _check_resources(self, ray: Any) -> None:
        """Refuse a sweep no node of the cluster could ever run (it would wait forever)."""
        nodes = [node.get("Resources", {}) for node in ray.nodes() if node.get("Alive")]
        fits = any(
            res.get("CPU", 0) >= self.cpus_per_task and res.get("GPU", 0) >= self.gpus_per_task
            for res in nodes
        )
        if not fits:
            largest_cpu = max((res.get("CPU", 0) for res in nodes), default=0)
            largest_gpu = max((res.get("GPU", 0) for res in nodes), default=0)
            raise ClusterError(
                f"No node of the cluster offers {self.cpus_per_task:g} CPU(s) and "
                f"{self.gpus_per_task:g} GPU(s) per task (the largest node has "
                f"{largest_cpu:g} CPU(s), {largest_gpu:g} GPU(s)); lower --cpus-per-task / "
                "--gpus-per-task or add a node that has them."
            )

    # ------------------------------------------------------------------ the sweep
    def run(self, groups: Iterable[Sequence[Any]]) -> Iterator[list[dict]]:
        """Submit every group as a task; yield each group's records as it finishes.

        ``groups`` is read in full first (the runner claims each group's runs as it hands
        the group over, so a Ray driver holds the claims of the whole sweep).
        """
        groups = list(groups)
        if not groups:
            return
        refs: dict[Any, Sequence[Any]] = {}
        with contextlib.ExitStack() as stack:
            ray = self._connect(stack)
            try:
                self._check_resources(ray)
                task = ray.remote(_train_on_worker).options(
                    num_cpus=self.cpus_per_task, num_gpus=self.gpus_per_task,
                    max_retries=self.max_retries, retry_exceptions=False,
                )
                threads = max(1, math.floor(self.cpus_per_task))
                for group in longest_first(groups):
                    refs[task.remote(list(group), threads, self.train)] = group
                deadline = None if self.timeout_s is None else time.monotonic() + self.timeout_s
                while refs:
                    done, _ = ray.wait(list(refs), num_returns=1, timeout=POLL_S)
                    for ref in done:
                        group = refs.pop(ref)
                        yield self._result(ray, ref, group)
                    if deadline is not None and refs and time.monotonic() > deadline:
                        raise ClusterError(
                            f"The sweep took longer than {self.timeout_s:g} s; {len(refs)} "
                            "group(s) unfinished. Records already written stay; run again "
                            "to resume."
                        )
            finally:
                for ref in refs:  # left over after an error or an interrupt
                    ray.cancel(ref, force=True)

    def _result(self, ray: Any, ref: Any, group: Sequence[Any]) -> list[dict]:
        try:
            return ray.get(ref)
        except ray.exceptions.RayError as error:
            what = _describe(group)
            text = str(error)
            if "No module named 'spectral_nb'" in text:
                raise ClusterError(
                    f"A worker cannot import spectral_nb while training {what}: install it "
                    'on every node (pip install "spectral_nb[cluster]"), in the same version '
                    "as here."
                ) from error
            if isinstance(error, ray.exceptions.WorkerCrashedError | ray.exceptions.NodeDiedError):
                raise ClusterError(
                    f"The worker training {what} died {self.max_retries + 1} time(s) "
                    "(out of memory? see `ray status` and the Ray logs); records already "
                    "written stay, run again to resume."
                ) from error
            cause = getattr(error, "cause", None) or error
            raise ClusterError(
                f"Training {what} failed on a worker: {type(cause).__name__}: {cause} "
                "(not retried: the same runs would fail again; the worker's traceback is above)"
            ) from error


def _describe(group: Sequence[Any]) -> str:
    first = group[0]
    sizes = "-".join(map(str, getattr(first, "sizes", ()))) or kind_of(first).name
    return f"the group of {len(group)} {first.dataset} run(s) {sizes} (first {first.hash})"


def longest_first(groups: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
    """The groups by decreasing estimated training time (groups without estimate last)."""

    def estimate(group: Sequence[Any]) -> float:
        seconds = kind_of(group[0]).estimate_seconds(group)
        return -1.0 if seconds is None else seconds

    return sorted(groups, key=estimate, reverse=True)


_THREADS_SET: list[int] = []


def _train_on_worker(
    specs: list[Any], threads: int, train: Callable[[list[Any]], list[dict]]
) -> list[dict]:
    """What one task runs on a worker: TensorFlow limited to the task's CPUs, then train."""
    if not _THREADS_SET:
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:
            pass  # TensorFlow already started in this worker: it keeps its threads
        _THREADS_SET.append(threads)
    return train(specs)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m spectral_nb.experiments.cluster``: a Ray cluster on this machine's loopback."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m spectral_nb.experiments.cluster",
        description="Start a Ray cluster of several nodes on 127.0.0.1 (a head and workers), "
        "print its address for `run ... --ray ADDRESS`, and keep it until Ctrl-C or --hold "
        "seconds. For trying the cluster commands on one machine; on several machines use "
        "`ray start` (see the book's cluster page).",
    )
    parser.add_argument("--nodes", type=int, default=2, help="nodes, head included (default 2)")
    parser.add_argument("--cpus-per-node", type=int, default=1, help="CPUs of each (default 1)")
    parser.add_argument("--hold", type=float, default=3600.0,
                        help="stop after this many seconds (default 3600)")
    args = parser.parse_args(argv)
    try:
        with local_cluster(args.nodes, args.cpus_per_node) as address:
            print(
                f"Ray cluster of {args.nodes} node(s) x {args.cpus_per_node} CPU(s) on "
                f"127.0.0.1, address {address}\n  python -m spectral_nb.experiments run "
                f"perceptron --profile smoke --ray {address}\nCtrl-C (or kill) stops it.",
                flush=True,
            )
            with contextlib.suppress(KeyboardInterrupt):
                time.sleep(args.hold)
    except (RayUnavailable, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("Ray cluster stopped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
