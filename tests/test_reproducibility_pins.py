"""What the committed records depend on, pinned: a change that would make them irreproducible
fails here, whatever else still passes.

- every run's initial parameters and per-epoch data orders, as digests of fixed specs (the
  values were computed with the code that produced the committed records);
- a layer's initial values are its own draw (seeded by run and layer), not the continuation
  of one stream shared by all the layers of a run;
- the training data are reshuffled every epoch, and the engine trains on each epoch's order;
- a record write that fails leaves nothing behind and counts nothing.
"""

import hashlib
import os

import numpy as np
import pytest

from spectral_nb.experiments import ResultsStore, RunSpec, constrained_twin
from spectral_nb.experiments import records as records_module
from spectral_nb.experiments.engine import initial
from spectral_nb.experiments.runner import run_specs

N_TRAIN = 2000  # the smoke profile's training subset
EPOCHS = 3
BASE = dict(dataset="mnist", train_size=N_TRAIN, test_size=1000, epochs=EPOCHS, seed=3)
DEEP = RunSpec(sizes=(784, 20, 20, 10), hidden_activations=("linear", "relu"),
               regime="train_lambda", **BASE)
PINNED = {
    "train_lambda": DEEP,
    "train_lambda_phi": DEEP.replace(regime="train_lambda_phi"),
    "authors_code": DEEP.replace(convention="authors_code"),
    "unconstrained": DEEP.replace(regime="unconstrained"),
    "constrained": constrained_twin(DEEP),
    "direct_init_spectral": DEEP.replace(regime="unconstrained", direct_init="spectral"),
}
# sha256 of initial_parameters(spec) and of epoch_order(spec, epoch, N_TRAIN), epochs 0..2
PARAMETER_DIGESTS = {
    "train_lambda": "9251c2440431ed5c9194e998d5bfb47b0cbc5367a053ef9ff7e4dbfc4136a704",
    # the same draw: the regime decides what trains, not where it starts
    "train_lambda_phi": "9251c2440431ed5c9194e998d5bfb47b0cbc5367a053ef9ff7e4dbfc4136a704",
    "authors_code": "aab0850120085c8098049cd0f4c4af7678b2c6f6b1c6f1df1d84301bd739bee0",
    "unconstrained": "9ca51f17bea07f13ac4fd3a9ac049548906c448b7fef76f40baac7e6f2a3a470",
    "constrained": "2bb9c705b1301be10e482eefecb1ac87a59c726dfc839ece384a9db327ab9a69",
    "direct_init_spectral": "3d54b4f93c20b57310ab16ace569a61915fcbbc7d6ef4e330d50fa76f85bc7c7",
}
ORDER_DIGEST = "81ac4b02d81de3bd665b359e768a6b6573dae9bc29413a6b64820d06a92b610b"


def _digest_parameters(spec: RunSpec) -> str:
    digest = hashlib.sha256()
    for k, layer in enumerate(initial.initial_parameters(spec)):
        for name in sorted(layer):
            value = np.ascontiguousarray(layer[name])
            digest.update(f"{k}:{name}:{value.dtype.str}:{value.shape}".encode())
            digest.update(value.tobytes())
    return digest.hexdigest()


def _digest_orders(spec: RunSpec) -> str:
    digest = hashlib.sha256()
    for epoch in range(EPOCHS):
        digest.update(initial.epoch_order(spec, epoch, N_TRAIN).tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize("name", PINNED)
def test_initial_parameters_are_pinned(name):
    assert _digest_parameters(PINNED[name]) == PARAMETER_DIGESTS[name]


def test_data_orders_are_pinned():
    assert _digest_orders(DEEP) == ORDER_DIGEST


def test_each_layer_draws_its_own_initial_values():
    """Layer 2 (20 -> 10) starts the same whatever layer 0 is: its draw does not continue a
    stream the earlier layers consumed; two layers of one shape in one run differ."""
    wider_first = DEEP.replace(sizes=(784, 30, 20, 10))
    direct = PINNED["unconstrained"]
    for a, b in ((DEEP, wider_first), (direct, direct.replace(sizes=(784, 30, 20, 10)))):
        last_a, last_b = initial.initial_parameters(a)[2], initial.initial_parameters(b)[2]
        assert last_a.keys() == last_b.keys()
        for name in last_a:
            np.testing.assert_array_equal(last_a[name], last_b[name])
    same_shape = DEEP.replace(sizes=(784, 20, 20, 20, 10),
                              hidden_activations=("linear", "linear", "relu"))
    layers = initial.initial_parameters(same_shape)
    assert layers[1]["eigenvectors"].shape == layers[2]["eigenvectors"].shape
    assert not np.array_equal(layers[1]["eigenvectors"], layers[2]["eigenvectors"])
    # and another seed draws other values
    other = initial.initial_parameters(DEEP.replace(seed=4))[0]["eigenvectors"]
    assert not np.array_equal(other, initial.initial_parameters(DEEP)[0]["eigenvectors"])


def test_the_engine_reshuffles_the_data_every_epoch(monkeypatch):
    from spectral_nb.data.subsets import load_dataset
    from spectral_nb.experiments.engine import trainer

    spec = RunSpec(sizes=(784, 10), hidden_activations=(), regime="train_lambda",
                   dataset="mnist", train_size=300, test_size=100, batch_size=100, epochs=3)
    asked: list[tuple[int, np.ndarray]] = []

    def recorded(run, epoch, n_train):
        order = initial.epoch_order(run, epoch, n_train)
        asked.append((epoch, order))
        return order

    monkeypatch.setattr(trainer, "epoch_order", recorded)
    trainer.train_runs([spec], load_dataset("mnist", 300, 100))
    assert [epoch for epoch, _ in asked] == [0, 1, 2]
    orders = [order for _, order in asked]
    for order in orders:
        assert sorted(order.tolist()) == list(range(300))  # a permutation of the examples
    assert all(not np.array_equal(a, b) for i, a in enumerate(orders) for b in orders[i + 1:])


# --------------------------------------------------------------------------- atomic writes
def _fake_record(spec):
    return {"kind": "fc", "spec": spec.to_dict(), "spec_hash": spec.hash,
            "history": {"test_accuracy": [0.5]}, "final_test_accuracy": 0.5,
            "trainable_parameters": spec.trainable_parameter_count()}


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failing_write_leaves_nothing_and_counts_nothing(tmp_path, monkeypatch, failing):
    spec = DEEP.replace(epochs=1)
    store = ResultsStore(tmp_path)
    monkeypatch.setattr(records_module, "train_group",
                        lambda specs, on_epoch=None: [_fake_record(s) for s in specs])

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, broken)
    with pytest.raises(OSError, match="No space left"):
        run_specs([spec], store, progress=False)
    monkeypatch.undo()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # no record, no temporary file
    assert not store.has(spec) and list(store.records()) == []
    monkeypatch.setattr(records_module, "train_group",
                        lambda specs, on_epoch=None: [_fake_record(s) for s in specs])
    report = run_specs([spec], store, progress=False)  # the rerun writes it, once
    assert len(report.written) == 1 and report.already == 0 and store.has(spec)


# --------------------------------------------------------------------------- provenance
def test_provenance_never_takes_gits_index_lock(monkeypatch):
    """`git status` refreshes the index under .git/index.lock unless told not to; a training
    process killed meanwhile would leave the lock behind and block the user's own git."""
    import subprocess

    from spectral_nb.experiments import provenance

    calls = []
    real = subprocess.run

    def recording(command, *args, **kwargs):
        calls.append(list(command))
        return real(command, *args, **kwargs)

    monkeypatch.setattr(provenance.subprocess, "run", recording)
    commit = provenance.git_commit()
    if commit is None:
        pytest.skip("not a git checkout, or git is missing")
    assert calls and all(command[:2] == ["git", "--no-optional-locks"] for command in calls)
    assert len(commit.removesuffix("+modified")) == 40
