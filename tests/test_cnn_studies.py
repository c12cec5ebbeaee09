"""The CNN chapter's specs, studies, training records and tables, on tiny inputs."""

from __future__ import annotations

import numpy as np
import pytest

from spectral_nb.cnn import SpectralConv2D, models, speedups, studies, tables
from spectral_nb.cnn.spec import CnnSpec
from spectral_nb.experiments.protocol.spec import SpecError

RNG = np.random.default_rng(2015)


# --- specs and studies ------------------------------------------------------------------------


def test_spec_hash_is_stable_includes_the_kind_and_ignores_tags() -> None:
    spec = CnnSpec("fashion_mnist", pooling="spectral", seed=2, tags={"study": "a"})
    assert spec.hash == spec.replace(tags={"study": "b"}).hash
    assert spec.hash != spec.replace(seed=3).hash
    assert len(spec.hash) == 16 and int(spec.hash, 16) >= 0
    assert CnnSpec.from_dict(spec.to_dict()) == spec
    assert CnnSpec.from_dict({**spec.to_dict(), "kind": "cnn"}) == spec
    # The kind is part of the identity: the same fields under another kind hash differently.
    import hashlib
    import json

    fields = spec.to_dict()
    fields.pop("tags")
    without_kind = hashlib.sha256(
        json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()[:16]
    assert spec.hash != without_kind
    # A frozen value: this hash is in committed records' file names.
    assert CnnSpec("mnist").hash == "3bbcde2a9e23bd32"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"dataset": "cifar10"}, "Unknown dataset"),
        ({"pooling": "median"}, "Unknown pooling"),
        ({"parametrisation": "wavelet"}, "Unknown parametrisation"),
        ({"filters": ()}, "filters"),
        ({"epochs": 0}, "epochs must be a positive int"),
        ({"train_size": 10, "batch_size": 64}, "smaller than one batch"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"implementation": "dct"}, "implementation"),
    ],
)
def test_spec_validation_names_the_problem(changes, message) -> None:
    with pytest.raises(SpecError, match=message):
        CnnSpec(**{"dataset": "mnist", **changes})
    with pytest.raises(SpecError, match="kind"):
        CnnSpec.from_dict({"dataset": "mnist", "kind": "fc"})


def test_studies_share_the_max_pooling_spatial_3x3_runs() -> None:
    clf = studies.build("cnn_classification", "fashion_mnist", "quick")
    opt = studies.build("cnn_optimisation", "fashion_mnist", "quick")
    config = studies.settings("quick")
    assert len(clf.specs) == 3 * len(config.seeds)
    assert len(opt.specs) == 2 * len(studies.kernel_sizes(config)) * len(config.seeds)
    # the paper's 3x3 and 5x5, and 7x7 beyond them (the growth of the speed-up)
    assert studies.kernel_sizes(config) == (3, 5, 7)
    assert {s.kernel_size for s in opt.specs} == {3, 5, 7}
    shared = {s.hash for s in clf.specs} & {s.hash for s in opt.specs}
    assert len(shared) == len(config.seeds)
    assert all(s.tags["study"] == "cnn_optimisation" for s in opt.specs)
    assert studies.chapter_studies("paper")[-1] == ("cnn_optimisation", "fashion_mnist")
    with pytest.raises(ValueError, match="cnn_classification"):
        studies.build("cnn_bogus", "mnist", "quick")
    with pytest.raises(ValueError, match="profile"):
        studies.settings("huge")


# --- information preservation -----------------------------------------------------------------


def test_window_pooling_reconstruction() -> None:
    images = RNG.random((3, 10, 9))
    # A constant image is reconstructed exactly by both poolings, borders included.
    const = np.full((1, 10, 9), 0.3)
    for mode in ("max", "average"):
        np.testing.assert_allclose(studies.window_pool_reconstruction(const, 4, mode), const)
    avg = studies.window_pool_reconstruction(images, 2, "average")
    assert avg.shape == images.shape
    np.testing.assert_allclose(avg[:, :2, :2].mean(axis=(1, 2)),
                               images[:, :2, :2].mean(axis=(1, 2)))
    maxed = studies.window_pool_reconstruction(images, 3, "max")
    assert np.all(maxed >= images - 1e-15)
    with pytest.raises(ValueError, match="mode"):
        studies.window_pool_reconstruction(images, 2, "median")


def test_information_preservation_frame_and_findings() -> None:
    images = RNG.random((4, 12, 12))
    frame = studies.information_preservation(images, "toy", fractions=(1 / 16, 1 / 4, 1.0),
                                             strides=(2, 3))
    assert set(frame["method"]) == {"spectral", "max", "average"}
    full = frame[(frame["method"] == "spectral") & (frame["fraction"] == 1.0)]
    np.testing.assert_allclose(full["error"], 0.0, atol=1e-13)
    spectral = frame[frame["method"] == "spectral"].groupby("fraction")["error"].mean()
    assert spectral.is_monotonic_decreasing
    table = tables.information_table(frame)
    assert list(table.columns) == ["spectral", "average", "max"]
    wins, points = tables.spectral_beats(frame, "max")
    assert 0 <= wins <= points == 2
    frame["dataset"] = "fashion_mnist"
    found = tables.information_findings(frame, {"a": np.zeros((5, 6))})
    assert found["cnn_n_fashion"] == 4 and found["cnn_natural_sizes"] == "5x6"
    assert found["cnn_info_wins"] == f"{wins} of {points}"


# --- models and training ----------------------------------------------------------------------


@pytest.mark.parametrize("pooling", models.POOLINGS)
def test_models_share_parameters_and_initial_function(pooling) -> None:
    x = RNG.random((2, 28, 28, 1)).astype("float32")
    spatial = models.build_cnn(pooling, "spatial", 5, filters=(4, 6), seed=3)
    spectral = models.build_cnn(pooling, "spectral", 5, filters=(4, 6), seed=3)
    assert spatial.count_params() == spectral.count_params()
    assert any(isinstance(layer, SpectralConv2D) for layer in spectral.layers)
    np.testing.assert_allclose(spectral.predict(x, verbose=0), spatial.predict(x, verbose=0),
                               atol=1e-5)
    models.copy_weights(spatial, spectral)
    np.testing.assert_allclose(spectral.predict(x, verbose=0), spatial.predict(x, verbose=0),
                               atol=1e-5)
    with pytest.raises(ValueError, match="pooling"):
        models.build_cnn("median")
    assert models.rr_fractions(2) == pytest.approx([0.225, 0.15])


def test_training_a_tiny_pair_gives_records_that_start_as_one_function() -> None:
    from spectral_nb.cnn.training import train_group

    base = CnnSpec("fashion_mnist", filters=(2,), epochs=1, batch_size=32, train_size=128,
                   test_size=50, eval_size=40, evals_per_epoch=2, seed=1)
    spatial, spectral = train_group([base, base.replace(parametrisation="spectral")])
    for record, spec in ((spatial, base), (spectral, base.replace(parametrisation="spectral"))):
        assert record["kind"] == "cnn" and record["spec_hash"] == spec.hash
        assert record["spec"] == spec.to_dict()
        assert record["train_images"] == 128 and record["test_images"] == 50
        assert record["curve"]["epochs"] == [0.0, 0.5, 1.0]
        assert 0.0 <= record["test_accuracy"] <= 1.0
        assert record["tensorflow"] and record["keras"]
    assert spatial["curve"]["loss"][0] == pytest.approx(spectral["curve"]["loss"][0], rel=1e-5)
    summary, curves = speedups.optimisation_frames([spatial, spectral])
    assert len(summary) == 1 and set(curves["parametrisation"]) == {"spatial", "spectral"}


# --- tables and findings ----------------------------------------------------------------------


def test_time_to_loss_interpolates_and_reports_nan() -> None:
    curve = speedups.Curve(np.array([0.0, 1.0, 2.0]), np.array([0.0, 10.0, 20.0]),
                         np.array([2.0, 1.0, 0.5]))
    assert speedups.time_to_loss(curve, 0.75) == pytest.approx(1.5)
    assert speedups.time_to_loss(curve, 0.75, "seconds") == pytest.approx(15.0)
    assert speedups.time_to_loss(curve, 3.0) == 0.0
    assert np.isnan(speedups.time_to_loss(curve, 0.1))


def test_displays_name_datasets_and_words_replace_missing_numbers() -> None:
    assert speedups.number_or_not_measured(float("nan")) == speedups.NOT_MEASURED
    assert speedups.number_or_not_measured(2.345) == "2.35"
    frame = studies.information_preservation(RNG.random((2, 12, 12)), "fashion_mnist",
                                             (1 / 16, 1 / 4, 1.0), (2, 4))
    shown = tables.information_display(frame)
    assert set(shown.index.get_level_values("dataset")) == {"Fashion-MNIST"}
    assert list(shown.columns) == ["spectral pooling", "average pooling", "max pooling"]
    found = tables.protocol_findings(studies.settings("quick"), studies.settings("paper"), 27, 1.0)
    assert found["cnn_c1"] == pytest.approx(0.225) and found["cnn_paper_runs"] == 27
    # 3 poolings + 3 sizes x 2 parametrisations, the max-pooling spatial 3x3 run shared
    assert studies.run_count("smoke") == 8


def test_exactness_sample_holds() -> None:
    checks = studies.exactness_checks()
    assert len(checks) == 10 and set(checks["holds"]) == {"yes"}


def test_records_are_trained_once_stored_and_read_back(tmp_path, monkeypatch) -> None:
    """Through the runner and a results store: the shared run is trained once."""
    monkeypatch.setenv("SPECTRAL_NB_RESULTS", str(tmp_path))
    from spectral_nb.experiments.store import ResultsStore

    clf = studies.records("cnn_classification", "smoke")
    opt = studies.records("cnn_optimisation", "smoke")
    stored = list(ResultsStore(tmp_path / "smoke").records(kind="cnn"))
    assert len(stored) == studies.run_count("smoke") == 8
    assert {r["study"] for r in clf} == {"cnn_classification"}
    assert {r["spec"]["tags"]["study"] for r in opt} == {"cnn_optimisation"}
    assert len(tables.classification_frame(clf)) == 3
    summary, _ = speedups.optimisation_frames(opt)
    assert list(summary["kernel_size"]) == ["3x3", "5x5", "7x7"]
    again = studies.records("cnn_classification", "smoke")  # read back, nothing trained
    assert [r["spec_hash"] for r in again] == [r["spec_hash"] for r in clf]
    found = studies.findings("smoke")  # from the stored records
    assert found["cnn_pool_spectral"].endswith("(one seed)")
    assert {"cnn_growth_3x3_5x5", "cnn_growth_5x5_7x7", "cnn_speedup_7x7"} <= set(found)
    assert not any(key.startswith("cnn_cost_") for key in found)


# --- committed paper-profile records ---------------------------------------------------------


def _committed_cnn_records() -> list[dict]:
    from spectral_nb.experiments.store import ResultsStore, default_root

    return sorted(
        ResultsStore(default_root("paper")).records(kind="cnn"), key=lambda r: r["spec_hash"]
    )


COMMITTED = _committed_cnn_records()


@pytest.mark.skipif(not COMMITTED, reason="no committed paper-profile CNN records")
def test_committed_cnn_records_are_complete_and_start_where_the_code_starts() -> None:
    """Every record has its whole curve; one run's initial loss is recomputed from its spec."""
    from spectral_nb.cnn.training import build_model, evaluator, run_data

    wanted = {
        spec.hash
        for name, dataset in studies.chapter_studies("paper")
        for spec in studies.build(name, dataset, "paper").specs
    }
    for record in COMMITTED:
        spec = CnnSpec.from_dict(record["spec"])
        assert spec.hash == record["spec_hash"] and spec.hash in wanted
        assert len(record["curve"]["loss"]) == spec.epochs * spec.evals_per_epoch + 1
    spec = CnnSpec.from_dict(COMMITTED[0]["spec"])
    data = run_data(spec)
    initial, _ = evaluator(build_model(spec))(data.x_eval, data.y_eval)
    assert initial == pytest.approx(COMMITTED[0]["curve"]["loss"][0], rel=1e-4)


def test_reconstructions_keep_as_many_values_each_way() -> None:
    image = RNG.random((10, 9))
    recs = studies.reconstructions(image, 4)
    assert list(recs) == [f"{m} pooling, 3x3 kept" for m in ("max", "average", "spectral")]
    for rec, error in recs.values():
        assert rec.shape == image.shape and 0 < error < 1
