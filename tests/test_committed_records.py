"""Committed paper-profile records must still come out of the code that claims to produce them.

The cheapest committed records (the perceptron's) are retrained from their specs with the
engine and compared with what the record says, so results cannot drift from the code
unnoticed. Float rounding differs between CPUs, so a few test images may flip.
"""

import json

import pytest

from spectral_nb.experiments import ResultsStore, RunSpec, default_root
from spectral_nb.experiments.engine.tensors import load_dataset
from spectral_nb.experiments.engine.trainer import train_runs

TOLERANCE_POINTS = 0.3  # percentage points of test accuracy
RETRAINED = 2  # records retrained per test run (cheapest first)


def _cheapest_records():
    store = ResultsStore(default_root("paper"))
    records = list(store.records(study="perceptron", dataset="mnist"))
    records.sort(key=lambda r: (r["wall_time_s"], r["spec_hash"]))
    by_regime = {}
    for record in records:
        by_regime.setdefault(record["spec"]["regime"], record)
    return list(by_regime.values())[:RETRAINED]


RECORDS = _cheapest_records()


@pytest.mark.skipif(not RECORDS, reason="no committed paper-profile perceptron records yet")
@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r["spec"]["regime"])
def test_committed_record_is_reproduced_by_the_code(record):
    spec = RunSpec.from_dict(record["spec"])
    assert spec.hash == record["spec_hash"]
    data = load_dataset(spec.dataset, spec.train_size, spec.test_size)
    (result,) = train_runs([spec], data)
    recorded = 100 * record["final_test_accuracy"]
    assert abs(100 * result.test_accuracy[-1] - recorded) <= TOLERANCE_POINTS
    assert result.train_loss[0] == pytest.approx(record["history"]["train_loss"][0], rel=1e-3)


def test_every_committed_record_belongs_to_a_current_study_or_probe():
    """No orphans: each record's spec is one its study (or probe) still asks for."""
    from pathlib import Path

    from spectral_nb.experiments.protocol.probes import PROBE_PREFIX, build_probe
    from spectral_nb.experiments.protocol.studies import build_study

    root = Path(default_root("paper"))
    wanted: dict[tuple[str, str], set[str]] = {}
    paths = sorted(root.glob("*/*/*.json"))
    if not paths:
        pytest.skip("no committed paper-profile records")
    for path in paths:
        dataset, study = path.parent.parent.name, path.parent.name
        if (dataset, study) not in wanted:
            build = build_probe if study.startswith(PROBE_PREFIX) else build_study
            wanted[(dataset, study)] = {s.hash for s in build(study, dataset, "paper").specs}
        record = json.loads(path.read_text())
        spec = RunSpec.from_dict(record["spec"])
        assert spec.hash == record["spec_hash"] == path.stem, path
        assert spec.hash in wanted[(dataset, study)], f"{path} is not a run of {study} any more"
        assert len(record["history"]["test_accuracy"]) == spec.epochs, path
