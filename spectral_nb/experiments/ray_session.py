"""Reaching Ray: importing it, starting it on the loopback interface, joining a cluster.

:mod:`.cluster` runs the sweeps; this module holds what it needs from Ray beyond tasks:
:func:`import_ray` (a clear error naming the ``cluster`` extra when Ray is missing),
:func:`local_ray` (a Ray instance in this process, every Ray process on 127.0.0.1, no
dashboard, no usage reports), :func:`local_cluster` (a head and worker nodes on 127.0.0.1,
for trying the commands and for the tests: Ray's ``ray start`` refuses a second node on the
loopback interface) and :func:`connect` (joining a running cluster, within a deadline:
:func:`wait_for_head`). Joining switches Ray's
loopback mode on for a head at 127.0.0.1 (else Ray would swap in this machine's network
address) and sends the cluster's token when one is at hand (Ray protects clusters started by
``ray start`` with one). The loopback mode and the token set-up are Ray internals
(``ray._private``), pinned by the ``cluster`` extra's tested version.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from typing import Any

from ..extras import MissingExtraError, install_command

INSTALL_HINT = f"Ray is not installed; install it with: {install_command('cluster')}"
# Ray's own switches: every Ray process on 127.0.0.1 (its loopback mode) and no usage reports.
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}
# How long joining a cluster may take before it is given up (Ray itself retries for ever).
JOIN_TIMEOUT_S = 30.0


class RayUnavailable(MissingExtraError):
    """Ray is not installed (the ``cluster`` extra)."""


class ClusterError(RuntimeError):
    """A sweep on the cluster that cannot go on; the message names the problem and the fix."""


def import_ray() -> Any:
    """The ``ray`` module, or :class:`RayUnavailable` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise RayUnavailable(INSTALL_HINT, name="ray") from None
    return ray


@contextlib.contextmanager
def _loopback_mode() -> Iterator[Any]:
    """Ray's loopback mode for what starts inside the block; yields ``ray``.

    Ray then runs every process it starts on 127.0.0.1 (else it replaces a loopback address
    by this machine's network address), sends no usage report, and TensorFlow in its
    workers logs errors only. The environment is restored on leaving.
    """
    ray = import_ray()
    from ray._private import ray_constants

    settings = {**LOOPBACK_ENV, "TF_CPP_MIN_LOG_LEVEL": worker_env()["TF_CPP_MIN_LOG_LEVEL"]}
    saved_env = {name: os.environ.get(name) for name in settings}
    saved_flag = ray_constants.ENABLE_RAY_CLUSTER
    os.environ.update(settings)  # read by the Ray processes started in the block
    ray_constants.ENABLE_RAY_CLUSTER = False  # the same switch, in this process's ``ray``
    try:
        yield ray
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = saved_flag
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def local_ray(num_cpus: int | None = None) -> Iterator[Any]:
    """A Ray instance started in this process on the loopback interface only; yields ``ray``.

    Every Ray process it starts listens on 127.0.0.1 and reaches no other address; there is
    no dashboard and no usage report. It offers ``num_cpus`` CPUs (default: this machine's)
    and is shut down on leaving the ``with`` block; should this process be killed instead, a
    reaper process stops what Ray left running (on Linux) within a few seconds.
    """
    with _loopback_mode() as ray, _reaper():
        ray.init(
            address="local", num_cpus=num_cpus or os.cpu_count() or 1,
            include_dashboard=False, configure_logging=False,
            runtime_env={"env_vars": worker_env()},
        )
        try:
            yield ray
        finally:
            ray.shutdown()


# The reaper: a small process that outlives this one only to stop what this one started. Ray's
# processes stop with ray.shutdown(), but a driver killed outright (SIGKILL, out of memory) never
# calls it, and Ray's agents then outlive it (measured: the dashboard and runtime-env agents
# were still running a minute after the driver). Linux only (it reads /proc).
REAPER_POLL_S = 0.5
REAPER_GRACE_S = 2.0
_REAPER = r"""
import os, signal, sys, time

driver, poll, grace = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])


def table():
    rows = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            rows[int(name)] = (fields[0], int(fields[1]), fields[19])  # state, ppid, start
    return rows


def below(roots, rows):
    found, todo = set(), list(roots)
    while todo:
        parent = todo.pop()
        for pid, (_, ppid, _) in rows.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


rows = table()
born = rows.get(driver, (None, None, None))[2]
known = {}
while True:
    rows = table()
    state = rows.get(driver)
    if state is None or state[0] in "ZX" or state[2] != born:
        break
    for pid in below([driver], rows):
        known[pid] = rows[pid][2]
    time.sleep(poll)
rows = table()
left = {pid for pid, start in known.items() if pid in rows and rows[pid][2] == start}
left |= below(left, rows)
left.discard(os.getpid())
for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
    for pid in left:
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    end = time.monotonic() + wait
    while time.monotonic() < end:
        rows = table()
        left = {pid for pid in left if pid in rows and rows[pid][0] not in "ZX"}
        if not left:
            sys.exit(0)
        time.sleep(0.1)
"""


@contextlib.contextmanager
def _reaper() -> Iterator[None]:
    """Inside the block, a process that stops this process's descendants (the Ray instance
    it starts) if this process dies without leaving the block; it ends with the block."""
    if not os.path.isdir("/proc"):
        yield
        return
    import subprocess
    import sys

    reaper = subprocess.Popen(
        [sys.executable, "-c", _REAPER, str(os.getpid()), str(REAPER_POLL_S),
         str(REAPER_GRACE_S)],
        stdin=subprocess.DEVNULL, start_new_session=True,  # Ctrl-C here does not stop it
    )
    try:
        yield
    finally:
        reaper.kill()
        reaper.wait()


@contextlib.contextmanager
def local_cluster(nodes: int = 2, cpus_per_node: int = 1) -> Iterator[str]:
    """A Ray cluster of ``nodes`` nodes (a head and ``nodes - 1`` workers) on 127.0.0.1.

    Yields the head's address (``127.0.0.1:port``), which ``--ray`` and
    ``RayExecutor(address=...)`` join; every node stops on leaving the block. Each node is a
    separate Ray node (its own raylet and object store) with ``cpus_per_node`` CPUs: records
    travel from a worker node to the driver as they would between machines. Token
    authentication is on, as for ``ray start``. Ray's ``ray start`` refuses a second node on
    the loopback interface, hence this function (it uses Ray's ``ray.cluster_utils.Cluster``).
    """
    if nodes < 1 or cpus_per_node < 1:
        raise ValueError(f"A local cluster needs 1 node and 1 CPU per node or more, got "
                         f"{nodes} node(s) of {cpus_per_node} CPU(s).")
    with _loopback_mode():
        from ray.cluster_utils import Cluster

        _token_auth_for_new_cluster()

        cluster = Cluster(
            initialize_head=True,
            head_node_args={"num_cpus": cpus_per_node, "include_dashboard": False},
        )
        try:
            for _ in range(nodes - 1):
                cluster.add_node(num_cpus=cpus_per_node)
            cluster.wait_for_nodes(timeout=120)
            yield cluster.address
        finally:
            cluster.shutdown()


def _token_auth_for_new_cluster() -> None:
    """Token authentication for a cluster started here, as ``ray.init`` and ``ray start`` do
    (the token is ``~/.ray/auth_token``, created if missing)."""
    try:
        from ray._private.authentication.authentication_token_setup import (
            enable_token_auth_by_default,
            ensure_token_if_auth_enabled,
        )
    except ImportError:  # a Ray without token authentication
        return
    enable_token_auth_by_default()
    ensure_token_if_auth_enabled(None, create_token_if_missing=True)


def _prepare_join(address: str) -> None:
    """Settings this process needs before joining the cluster at ``address``.

    A head on the loopback interface (``127.0.0.1``/``localhost``, also through
    ``RAY_ADDRESS``) needs Ray's loopback mode, or Ray would replace the address by this
    machine's network address. A cluster with token authentication (Ray's default for
    ``ray start``) needs this process to send the token: when ``RAY_AUTH_MODE`` is not set
    and a token is at hand (``RAY_AUTH_TOKEN``, ``RAY_AUTH_TOKEN_PATH`` or
    ``~/.ray/auth_token``), token mode is switched on, as ``ray start`` does.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    target = os.environ.get("RAY_ADDRESS", "") if address == "auto" else address
    host = target.removeprefix("ray://").rsplit(":", 1)[0]
    if host in ("127.0.0.1", "localhost"):
        from ray._private import ray_constants

        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        from ray._private.authentication.authentication_token_setup import (
            maybe_enable_token_auth_if_token_available,
        )
    except ImportError:  # a Ray without token authentication
        return
    maybe_enable_token_auth_if_token_available(warn_if_disabled=False)


def _head_endpoint(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of the head that ``address`` names, or ``None`` when Ray finds it
    itself (``auto`` without ``RAY_ADDRESS``) or the address has no port."""
    target = os.environ.get("RAY_ADDRESS", "") if address == "auto" else address
    host, _, port = target.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def wait_for_head(address: str, timeout_s: float = JOIN_TIMEOUT_S) -> None:
    """Return once the head at ``address`` accepts a connection; :class:`ClusterError` when
    it does not within ``timeout_s`` seconds (Ray's own join would retry for ever)."""
    endpoint = _head_endpoint(address)
    if endpoint is None:
        return
    deadline = time.monotonic() + timeout_s
    last: OSError | None = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            with socket.create_connection(endpoint, timeout=min(2.0, left)):
                return
        except OSError as error:
            last = error
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    host, port = endpoint
    reason = last.strerror if last is not None and last.strerror else last
    raise ClusterError(
        f"Could not reach the Ray cluster's head at {host}:{port} within {timeout_s:g} s "
        f"({reason}); check that `ray start --head` runs there, that the address and port "
        "are right and that no firewall blocks the port (--ray-timeout waits longer)."
    )


def connect(address: str, timeout_s: float = JOIN_TIMEOUT_S) -> Any:
    """Join the Ray cluster at ``address`` (``"auto"`` or ``host:port``); return ``ray``.

    :class:`ClusterError`, naming the fix, when the cluster cannot be reached: when its head
    does not answer within ``timeout_s`` seconds, or Ray refuses to join.
    """
    ray = import_ray()
    wait_for_head(address, timeout_s)
    _prepare_join(address)
    try:
        ray.init(
            address=address, configure_logging=False, runtime_env={"env_vars": worker_env()}
        )
    except (ConnectionError, RuntimeError, ValueError) as error:
        where = "RAY_ADDRESS or a `ray start` on this machine" if address == "auto" else address
        raise ClusterError(
            f"Could not join the Ray cluster at {where} ({error}). Start its head with "
            "`ray start --head` and pass its address (host:port) to --ray; with token "
            "authentication, give this machine the head's token (RAY_AUTH_TOKEN, printed "
            "by `ray get-auth-token` on the head). Or give --ray no address for a Ray "
            "instance on this machine alone."
        ) from None
    return ray


def worker_env() -> dict[str, str]:
    return {"TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")}
