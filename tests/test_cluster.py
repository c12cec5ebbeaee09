"""Sweeps on a real Ray cluster: two nodes of 1 CPU started here on 127.0.0.1, stopped after.

One Ray instance serves the whole module (the ``cluster`` fixture). The smoke profile's runs
are tiny, so what is measured is the plumbing: records equal to the serial run's, a worker
killed mid-task, a driver killed mid-sweep. Ray is an optional extra: without it the cluster
tests are skipped, and the command line's one-line hint is tested instead.
"""

import functools
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spectral_nb.experiments import ResultsStore, build_study
from spectral_nb.experiments.__main__ import main as cli
from spectral_nb.experiments.runner import run_specs, run_study, train_group

HAVE_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(
    not HAVE_RAY, reason='ray is not installed (pip install "spectral_nb[cluster]")'
)
TIMEOUT_S = 300  # no sweep of this module may take longer
TESTS_DIR = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def cluster():
    """Two Ray nodes of 1 CPU each (a head and a worker) on 127.0.0.1, this process their
    driver; their workers can import this module's helpers."""
    from spectral_nb.experiments.cluster import connect, local_cluster

    with pytest.MonkeyPatch.context() as patch:
        path = os.environ.get("PYTHONPATH")
        patch.setenv("PYTHONPATH", str(TESTS_DIR) + (os.pathsep + path if path else ""))
        with local_cluster(nodes=2, cpus_per_node=1) as address:
            ray = connect(address)
            try:
                yield ray
            finally:
                ray.shutdown()


def _executor(**options):
    from spectral_nb.experiments.cluster import RayExecutor

    return RayExecutor(timeout_s=TIMEOUT_S, **options)


# --------------------------------------------------------------------------- task stand-ins
# Run on the workers (imported there as this module): they log every attempt to a file.
def _log_attempt(log: str, specs) -> None:
    with open(log, "a") as handle:
        handle.write(" ".join(spec.hash for spec in specs) + "\n")


def dies_once(specs, marker: str, log: str):
    """Trains the group, then, in the first task to get here, the worker dies before returning."""
    _log_attempt(log, specs)
    import ray

    with open(log + ".nodes", "a") as handle:
        handle.write(ray.get_runtime_context().get_node_id() + "\n")
    records = train_group(specs)
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return records
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    os._exit(1)  # as a killed worker: no exception, no result


def fails(specs, log: str):
    _log_attempt(log, specs)
    raise ValueError("bad input in this group")


def logs(specs, log: str):
    _log_attempt(log, specs)
    return train_group(specs)


def _attempts(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


# --------------------------------------------------------------------------- the tests
@needs_ray
def test_ray_run_gives_the_serial_records(cluster, tmp_path):
    """Same groups, same engine: the histories are compared exactly (the engine is
    deterministic for a given group, whichever process trains it)."""
    study = build_study("perceptron", "mnist", "smoke")
    serial = run_study(study, ResultsStore(tmp_path / "serial"), progress=False)
    ray_store = ResultsStore(tmp_path / "ray")
    on_ray = run_study(study, ray_store, progress=False, executor=_executor())
    assert [r["spec_hash"] for r in on_ray] == [r["spec_hash"] for r in serial]
    for a, b in zip(serial, on_ray, strict=True):
        assert a["final_test_accuracy"] == b["final_test_accuracy"]
        assert a["history"] == b["history"]
        assert a["retracted_weights"] == b["retracted_weights"]
        assert a["trainable_parameters"] == b["trainable_parameters"]
    assert len(list((tmp_path / "ray").rglob("*.json"))) == len(study.specs)


@needs_ray
def test_a_worker_killed_mid_task_is_retried_and_each_run_recorded_once(cluster, tmp_path):
    specs = build_study("wide", "mnist", "smoke").specs[:3]
    marker, log = tmp_path / "died", tmp_path / "attempts"
    train = functools.partial(dies_once, marker=str(marker), log=str(log))
    store = ResultsStore(tmp_path / "store")
    report = run_specs(specs, store, progress=False, executor=_executor(train=train))

    assert marker.exists()  # a worker did die in the middle of a task
    attempts = _attempts(log)
    twice = [h for h in set(attempts) if attempts.count(h) == 2]
    assert len(attempts) == len(specs) + 1 and len(twice) == 1  # that task ran again, once
    assert len(report.written) == len(specs)
    assert len(set(Path(f"{log}.nodes").read_text().split())) == 2  # both nodes trained
    files = sorted(p.name for p in (tmp_path / "store").rglob("*.json"))
    assert files == sorted(f"{spec.hash}.json" for spec in specs)  # each run once
    assert all(store.has(spec) for spec in specs)


@needs_ray
def test_a_task_that_raises_is_not_retried_and_the_error_names_its_group(cluster, tmp_path):
    from spectral_nb.experiments.cluster import ClusterError

    spec = build_study("perceptron", "mnist", "smoke").specs[0]
    log = tmp_path / "attempts"
    executor = _executor(train=functools.partial(fails, log=str(log)))
    with pytest.raises(ClusterError, match=f"first {spec.hash}.*bad input in this group"):
        run_specs([spec], ResultsStore(tmp_path), progress=False, executor=executor)
    assert _attempts(log) == [spec.hash]
    assert not list(tmp_path.rglob("*.json"))


@needs_ray
def test_resources_no_node_has_are_refused_instead_of_waiting_forever(cluster, tmp_path):
    from spectral_nb.experiments.cluster import ClusterError

    spec = build_study("perceptron", "mnist", "smoke").specs[0]
    for options, wanted in (({"gpus_per_task": 1}, "1 CPU.*and 1 GPU"),
                            ({"cpus_per_task": 2}, "2 CPU.*and 0 GPU")):  # 2 CPUs, 1 per node
        with pytest.raises(ClusterError, match=f"{wanted}.*largest node has 1 CPU.*0 GPU"):
            run_specs([spec], ResultsStore(tmp_path), progress=False,
                      executor=_executor(**options))


@needs_ray
def test_a_driver_killed_mid_sweep_resumes_with_nothing_lost_or_duplicated(
    cluster, tmp_path, capsys
):
    study = build_study("perceptron", "mnist", "smoke")
    expected = {spec.hash for spec in study.specs}
    folder = tmp_path / "smoke" / "mnist"
    env = {**os.environ, "SPECTRAL_NB_RESULTS": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    address = cluster.get_runtime_context().gcs_address
    assert address.startswith("127.0.0.1:")
    assert len([node for node in cluster.nodes() if node["Alive"]]) == 2
    command = [sys.executable, "-m", "spectral_nb.experiments", "run", "perceptron",
               "--profile", "smoke", "--quiet", "--ray", address]

    def recorded() -> list[Path]:
        return sorted(folder.glob("[0-9a-f]*.json")) if folder.exists() else []

    log = tmp_path / "driver.log"
    with log.open("w") as output:
        driver = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while not recorded() and driver.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert driver.poll() is None, f"the driver ended before the kill:\n{log.read_text()}"
        driver.send_signal(signal.SIGKILL)
    finally:
        driver.kill()
        driver.wait(timeout=30)
    before = {p: p.stat().st_mtime_ns for p in recorded()}
    assert 1 <= len(before) < len(expected)  # killed mid-sweep
    assert all(json.loads(p.read_text())["spec_hash"] == p.stem for p in before)

    # restarted here: the CLI's --ray joins this process's connection to the same cluster
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPECTRAL_NB_RESULTS", str(tmp_path))
        assert cli(["run", "perceptron", "--profile", "smoke", "--quiet", "--ray"]) == 0
    wrote = len(expected) - len(before)
    assert f"{wrote} new record(s) written, {len(before)} already there" in capsys.readouterr().out
    assert {p.stem for p in recorded()} == expected  # nothing lost, one file per run
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())  # none trained again
    store = ResultsStore(tmp_path / "smoke")
    assert sorted(r["spec_hash"] for r in store.records()) == sorted(expected)
    assert not store.damaged()


@needs_ray
def test_a_ray_driver_leaves_the_runs_another_process_claimed_to_it(cluster, tmp_path):
    """Another sweep (here a stand-in process) holds two runs: the driver trains the others,
    waits for those two, and counts them as trained by another process."""
    import threading

    from spectral_nb.experiments.store import Claims

    specs = build_study("perceptron", "mnist", "smoke").specs
    theirs = specs[:2]
    store = ResultsStore(tmp_path)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    claims = Claims(store)
    try:
        for spec in theirs:  # claimed as the other process would: its pid, this host
            path = claims.path(spec)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"pid": other.pid, "host": _host(), "time": time.time()}))
        records = {spec.hash: train_group([spec])[0] for spec in theirs}

        def the_other_finishes():
            time.sleep(3)
            for spec in theirs:
                ResultsStore(tmp_path).write(records[spec.hash])
                claims.path(spec).unlink()

        finisher = threading.Thread(target=the_other_finishes)
        finisher.start()
        log = tmp_path / "attempts"
        executor = _executor(train=functools.partial(logs, log=str(log)))
        report = run_specs(specs, store, progress=False, executor=executor)
        finisher.join()
    finally:
        other.kill()
        other.wait()
    assert sorted(_attempts(log)) == sorted(spec.hash for spec in specs[2:])  # not theirs
    assert len(report.written) == len(specs) - 2 and report.by_others == 2
    assert "2 run(s) trained meanwhile by another process" in report.summary()
    assert all(store.has(spec) for spec in specs)


def _host() -> str:
    from spectral_nb.experiments.store import HOST

    return HOST


# --------------------------------------------------------------------------- without a cluster
def test_without_ray_the_option_says_in_one_line_how_to_get_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPECTRAL_NB_RESULTS", str(tmp_path))
    monkeypatch.setitem(sys.modules, "ray", None)  # as if not installed
    assert cli(["run", "perceptron", "--profile", "smoke", "--ray"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ['error: Ray is not installed; install it with: '
                   'pip install "spectral_nb[cluster]"']
    assert not list(tmp_path.rglob("*.json"))


def test_task_resources_without_ray_or_below_one_cpu_are_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPECTRAL_NB_RESULTS", str(tmp_path))
    assert cli(["run", "perceptron", "--profile", "smoke", "--gpus-per-task", "1"]) == 2
    assert "need --ray" in capsys.readouterr().err
    from spectral_nb.experiments.cluster import RayExecutor

    with pytest.raises(ValueError, match="cpus_per_task must be positive"):
        RayExecutor(cpus_per_task=0)
