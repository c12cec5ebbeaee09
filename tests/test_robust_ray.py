"""Ray under faults: a head that does not answer, Ctrl-C during a sweep, a driver killed
outright. Each is one line from the command line within seconds, and no Ray process this
machine started outlives its driver for long. The sweeps use a local Ray instance (``--ray``
without an address) in a subprocess, with the smoke profile."""

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from spectral_nb.experiments.__main__ import INTERRUPTED
from spectral_nb.experiments.__main__ import main as cli

HAVE_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(
    not HAVE_RAY, reason='ray is not installed (pip install "spectral_nb[cluster]")'
)
REPO = Path(__file__).resolve().parents[1]
STOP_WITHIN_S = 10.0  # Ctrl-C and a killed driver: everything of ours gone within this


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free, and nothing listens once closed


@needs_ray
def test_an_unreachable_head_is_one_line_after_the_deadline(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPECTRAL_NB_RESULTS", str(tmp_path))
    address = f"127.0.0.1:{_closed_port()}"
    start = time.perf_counter()
    code = cli(["run", "perceptron", "--profile", "smoke", "--quiet", "--ray", address,
                "--ray-timeout", "2"])
    elapsed = time.perf_counter() - start
    assert code == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"error: Could not reach the Ray cluster's head at {address} "
                               "within 2 s")
    assert "ray start --head" in lines[0] and "--ray-timeout" in lines[0]
    assert 2 <= elapsed < 10
    assert not list(tmp_path.rglob("*.json"))
    assert not list(tmp_path.rglob("*.claim"))  # claims released


def test_the_join_deadline_is_an_option_with_a_default():
    from spectral_nb.experiments.ray_session import JOIN_TIMEOUT_S, _head_endpoint

    assert JOIN_TIMEOUT_S == 30
    assert _head_endpoint("10.0.0.5:6379") == ("10.0.0.5", 6379)
    assert _head_endpoint("ray://head:10001") == ("head", 10001)
    if HAVE_RAY:
        from spectral_nb.experiments.cluster import RayExecutor

        assert RayExecutor(address="h:1").join_timeout_s == JOIN_TIMEOUT_S
        with pytest.raises(ValueError, match="join_timeout_s must be positive"):
            RayExecutor(join_timeout_s=0)


def test_the_deadline_option_needs_ray(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPECTRAL_NB_RESULTS", str(tmp_path))
    assert cli(["run", "perceptron", "--profile", "smoke", "--ray-timeout", "5"]) == 2
    assert "need --ray" in capsys.readouterr().err


# --------------------------------------------------------------------------- interrupts
def _processes() -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
    return found


def _descendants(root: int) -> set[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = set(), [root]
    while todo:
        parent = todo.pop()
        children = {pid for pid, ppid in parents.items() if ppid == parent} - found
        found |= children
        todo.extend(children)
    return found


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _sweep_then(stop: signal.Signals, tmp_path: Path) -> tuple[subprocess.Popen, float, str]:
    """Start a local-Ray sweep, send ``stop`` once a record is written; return the driver,
    the seconds until it and every process it started were gone, and its standard error."""
    results = tmp_path / "results"
    ray_tmp = tempfile.mkdtemp(prefix="r", dir="/tmp")  # short: Ray's socket paths
    env = {**os.environ, "SPECTRAL_NB_RESULTS": str(results), "RAY_TMPDIR": ray_tmp}
    # every fully connected study of MNIST: many groups, so the stop always finds work left
    # (one study's runs can land together, leaving nothing to interrupt)
    command = [sys.executable, "-m", "spectral_nb.experiments", "run", "all", "--dataset",
               "mnist", "--profile", "smoke", "--quiet", "--ray"]
    err_path = tmp_path / "driver.err"
    with err_path.open("w") as err:
        # a terminal's Ctrl-C: a job started in the background of a non-interactive shell
        # (as CI may run the suite) inherits SIGINT ignored, and the driver would never see it
        driver = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                  stderr=err, preexec_fn=_default_sigint)
    folder = results / "smoke" / "mnist"
    started = {}
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and driver.poll() is None:
            started.update({pid: True for pid in _descendants(driver.pid)})
            if folder.exists() and list(folder.glob("[0-9a-f]*.json")):
                break
            time.sleep(0.1)
        assert driver.poll() is None, err_path.read_text()
        started.update({pid: True for pid in _descendants(driver.pid)})
        assert len(started) >= 4  # Ray's processes: gcs, raylet, agents, workers
        sent = time.monotonic()
        driver.send_signal(stop)
        driver.wait(timeout=60)
        while time.monotonic() - sent < 60:
            alive = set(started) & set(_processes())
            if not alive:
                break
            time.sleep(0.1)
        gone_after = time.monotonic() - sent
    finally:
        driver.kill()
        driver.wait()
        for pid in set(started) & set(_processes()):  # clean up after a failure
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    return driver, gone_after, err_path.read_text()


@needs_ray
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_ctrl_c_stops_a_ray_sweep_within_seconds_and_keeps_its_records(tmp_path):
    driver, gone_after, err = _sweep_then(signal.SIGINT, tmp_path)
    assert driver.returncode == INTERRUPTED, err
    assert "Traceback" not in err
    kept = len(list((tmp_path / "results" / "smoke" / "mnist").glob("*.json")))
    assert (f"interrupted: {kept} new record(s) kept under {tmp_path / 'results' / 'smoke'}; "
            "run the same command again to resume.") in err
    assert gone_after < STOP_WITHIN_S, f"Ray's processes took {gone_after:.1f} s to stop"


@needs_ray
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_no_ray_process_outlives_a_killed_driver(tmp_path):
    driver, gone_after, err = _sweep_then(signal.SIGKILL, tmp_path)
    assert driver.returncode == -signal.SIGKILL
    assert gone_after < STOP_WITHIN_S, f"Ray's processes outlived the driver {gone_after:.1f} s"
