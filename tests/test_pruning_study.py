"""Pruning runs as a spec kind: validated, hashed with their kind, built per profile."""

from __future__ import annotations

import pytest

from spectral_nb.experiments.protocol.spec import RunSpec, SpecError
from spectral_nb.pruning.spec import PruningSpec
from spectral_nb.pruning.study import PLANS, STUDIES, build


def _spec(**changes):
    base = dict(dataset="fashion_mnist", sizes=(784, 500, 10), hidden_activations=("relu",),
                strategy="pre", fractions=(0.0, 0.5, 0.7), retrain_fractions=(0.0, 0.7),
                convention="authors_code")
    return PruningSpec(**{**base, **changes})


def test_hash_is_stable_includes_the_kind_and_ignores_tags():
    spec = _spec()
    assert spec.hash == _spec(tags={"study": "x"}).hash
    assert spec.hash != _spec(seed=1).hash != _spec(strategy="post").hash
    assert PruningSpec.from_dict(spec.to_dict()) == spec
    assert len(spec.hash) == 16 and int(spec.hash, 16) >= 0
    # the kind is part of the identity: the hash is not that of the same fields without it
    import hashlib
    import json

    identity = spec.to_dict()
    identity.pop("tags")
    plain = hashlib.sha256(
        json.dumps(identity, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()[:16]
    assert spec.hash != plain
    # pinned: a change to the identity would orphan every stored record
    assert _spec(fractions=(0.0, 0.5), retrain_fractions=()).hash == "6a0f2d855f165b83"


def test_derived_runs():
    spec = _spec()
    base = spec.base_run()
    assert isinstance(base, RunSpec) and base.regime == "train_lambda"
    assert base.convention == "authors_code" and base.seed == spec.seed
    retrain = spec.retrain_run((784, 150, 10))
    assert retrain.regime == "train_lambda_phi" and retrain.sizes == (784, 150, 10)
    assert _spec(strategy="dense", convention="paper").base_run().regime == "unconstrained"
    assert _spec(strategy="dense", convention="paper").rankings == ("connectivity", "random")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"strategy": "later"}, "Unknown strategy"),
        ({"sizes": (784, 10), "hidden_activations": ()}, "at least one hidden layer"),
        ({"fractions": (0.0, 1.0)}, r"\[0, 1\)"),
        ({"fractions": (0.0, 0.5, 0.3)}, "increasing"),
        ({"fractions": (0.5, 0.0)}, "start at 0.0"),
        ({"fractions": (0.3, 0.5)}, "start at 0.0"),
        ({"retrain_fractions": (0.6,)}, "members of fractions"),
        ({"sizes": (784, 2, 10), "fractions": (0.0, 0.9), "retrain_fractions": ()},
         "removes every node"),
        ({"strategy": "dense"}, "no eigenvalue convention"),
        ({"hidden_activations": ("swish",)}, "Unknown activations"),
    ],
)
def test_bad_specs_say_what_to_fix(changes, message):
    with pytest.raises(SpecError, match=message):
        _spec(**changes)


@pytest.mark.parametrize("profile", ["smoke", "quick", "paper"])
def test_studies_per_profile(profile):
    one = build("pruning_one_hidden", "mnist", profile)
    strategies = [s.strategy for s in one.specs]
    assert set(strategies) == {"post", "pre", "dense"}
    assert len({s.hash for s in one.specs}) == len(one.specs)
    for spec in one.specs:
        assert spec.fractions[0] == 0.0
        assert (spec.retrain_fractions[:1] == (0.0,)) == (spec.strategy == "pre")
        assert spec.tags["network"] == "784-500-10"
    deep = build("pruning_three_hidden", "fashion_mnist", profile)
    assert {s.sizes for s in deep.specs} == {PLANS["pruning_three_hidden"].sizes}
    assert all(s.retrain_fractions == (0.7,) for s in deep.specs)


def test_paper_profile_is_the_papers_protocol():
    one = build("pruning_one_hidden", "fashion_mnist", "paper")
    assert sorted({s.seed for s in one.specs}) == [0, 1, 2, 3, 4]
    spec = one.specs[0]
    assert spec.sizes == (784, 500, 10) and spec.epochs == 20
    assert spec.fractions[-1] == 0.95 and len(spec.fractions) == 20
    with pytest.raises(ValueError, match="Unknown pruning study"):
        build("pruning_other", "mnist", "paper")
    with pytest.raises(ValueError, match="fashion_mnist only"):
        build("pruning_three_hidden", "mnist", "paper")
    assert set(STUDIES) == {*PLANS, "pruning_authors", "pruning_authors_deep"}
    assert all(n.startswith("pruning_") for n in STUDIES)


def test_registered_with_the_experiments_package():
    from spectral_nb.experiments import catalog, kinds

    study = catalog.build("pruning_variants", "fashion_mnist", "smoke")
    assert "pruning_one_hidden" in catalog.names()
    kind = kinds.kind_of(study.specs[0])
    assert kind.name == "pruning" and kind.spec_class() is PruningSpec
    record = {"kind": "pruning", "spec": study.specs[0].to_dict()}
    assert kinds.spec_of_record(record) == study.specs[0]
    assert kind.estimate_seconds(study.specs) > 0


def test_authors_protocol_study_is_their_parametrisation_and_optimiser():
    from spectral_nb.profiles import AUTHORS_PRUNING_SETTINGS

    for profile in ("smoke", "paper"):
        study = build("pruning_authors", "fashion_mnist", profile)
        s = AUTHORS_PRUNING_SETTINGS[profile]
        assert len({spec.hash for spec in study.specs}) == len(study.specs)
        for spec in study.specs:
            assert spec.optimizer == "adam" and spec.learning_rate == 1e-3
            assert spec.batch_size == 200 and not spec.base_run().trainable_sets(0).get("bias")
            if spec.strategy == "dense":
                assert not spec.use_bias and not spec.base_run().use_bias
            else:
                assert spec.convention == "zero_in" and spec.rankings[0] == "eigenvalue_out"
        roles = {(sp.tags["role"], sp.tags["activation"]) for sp in study.specs}
        assert {(r, a) for r in ("post", "dense", "pre", "pre_random", "scratch")
                for a in s.activations} <= roles
        scratch = [sp for sp in study.specs if sp.tags["role"] == "scratch"]
        assert all(sp.sizes == (784, 150, 10) and sp.epochs == s.retrain_epochs
                   for sp in scratch if sp.tags["as_fraction"] == 0.7)
        randoms = [sp for sp in study.specs if sp.tags["role"] == "pre_random"]
        assert all(sp.retrained_ranking == "random" for sp in randoms)
    with pytest.raises(ValueError, match="fashion_mnist only"):
        build("pruning_authors", "mnist", "paper")


def test_new_pruning_fields_keep_old_hashes_and_are_checked():
    spec = _spec(fractions=(0.0, 0.5), retrain_fractions=())
    assert spec.hash == "6a0f2d855f165b83"
    assert "optimizer" not in spec.to_dict() and "use_bias" not in spec.to_dict()
    assert spec.replace(optimizer="adam").hash != spec.hash
    with pytest.raises(SpecError, match="dense strategy"):
        _spec(use_bias=False)
    with pytest.raises(SpecError, match="retrain_ranking"):
        _spec(retrain_ranking="eigenvalue_in", convention="zero_in")


def test_scopes_stay_out_of_old_hashes_and_are_checked():
    spec = _spec(fractions=(0.0, 0.5), retrain_fractions=())
    assert spec.scopes == ("layer",) and "scopes" not in spec.to_dict()
    both = spec.replace(scopes=["layer", "global"])
    assert both.scopes == ("layer", "global") and both.to_dict()["scopes"] == ["layer", "global"]
    assert both.hash != spec.hash
    assert PruningSpec.from_dict(both.to_dict()) == both
    for bad in ((), ("global",), ("layer", "layer"), ("layer", "pooled")):
        with pytest.raises(SpecError, match="scopes must start with 'layer'"):
            spec.replace(scopes=bad)


@pytest.mark.parametrize("profile", ["smoke", "paper"])
def test_authors_deep_study_cuts_three_hidden_layers_both_ways(profile):
    from spectral_nb.profiles import AUTHORS_PRUNING_SETTINGS

    s = AUTHORS_PRUNING_SETTINGS[profile]
    study = build("pruning_authors_deep", "fashion_mnist", profile)
    assert len(study.specs) == 3 * s.deep_seeds
    assert len({spec.hash for spec in study.specs}) == len(study.specs)
    assert {spec.strategy for spec in study.specs} == {"dense", "post", "pre"}
    for spec in study.specs:
        assert spec.sizes == (784, 500, 500, 500, 10)
        assert spec.hidden_activations == ("relu",) * 3
        assert spec.scopes == ("layer", "global") and spec.fractions == s.deep_fractions
        assert {0.05, 0.5, 0.7, 0.9} <= set(spec.fractions)
        assert spec.optimizer == "adam" and spec.batch_size == 200 and spec.epochs == s.epochs
        assert spec.tags["study"] == "pruning_authors_deep"
        assert spec.retrain_fractions == (s.deep_retrain_fractions if spec.strategy == "pre"
                                          else ())
        if spec.strategy == "dense":
            assert not spec.use_bias
        else:
            assert spec.convention == "zero_in"
    with pytest.raises(ValueError, match="fashion_mnist only"):
        build("pruning_authors_deep", "mnist", profile)
