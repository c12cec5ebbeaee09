"""Run specifications: validation messages, counts, budget matching, hashing."""

import pytest

from spectral_nb.experiments import RunSpec, SpecError, build_study, constrained_twin
from spectral_nb.profiles import resolve, validate


def _spec(**changes):
    base = dict(dataset="mnist", sizes=(784, 10), hidden_activations=(), regime="train_lambda")
    return RunSpec(**(base | changes))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"regime": "train_everything"}, "Unknown regime"),
        ({"dataset": "cifar10"}, "Unknown dataset"),
        ({"sizes": (784, 20, 10), "hidden_activations": ()}, "hidden_activations"),
        ({"sizes": (100, 10)}, "must chain from 784"),
        ({"sizes": (784, 0, 10), "hidden_activations": ("linear",)}, "positive"),
        ({"epochs": 0}, "epochs must be positive"),
        ({"batch_size": -3}, "batch_size must be positive"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"convention": "mine"}, "Unknown convention"),
        ({"regime": "constrained"}, "derive it with constrained_twin"),
        ({"constrained_budget": (5,)}, "only applies to constrained"),
        ({"sizes": (784, 9, 10), "hidden_activations": ("swish",)}, "Unknown activations"),
        ({"sizes": (784, 9, 10), "hidden_activations": ("linear",),
          "inner_eigenvalues": "shared"}, "Unknown inner_eigenvalues"),
        ({"inner_eigenvalues": "tied"}, "two or more layers only"),
        ({"sizes": (784, 9, 10), "hidden_activations": ("linear",), "convention": "authors_code",
          "inner_eigenvalues": "random"}, "paper-convention spectral runs"),
        ({"regime": "unconstrained", "sizes": (784, 9, 10), "hidden_activations": ("linear",),
          "inner_eigenvalues": "tied"}, "paper-convention spectral runs"),
        ({"direct_init": "spectral"}, "direct-space runs"),
        ({"regime": "unconstrained", "direct_init": "he"}, "Unknown direct_init"),
    ],
)
def test_invalid_specs_fail_with_a_clear_message(changes, message):
    with pytest.raises(SpecError, match=message):
        _spec(**changes)


def test_paper_counts():
    assert _spec().trainable_parameter_count() == 794
    assert _spec(regime="train_lambda_phi").trainable_parameter_count() == 794 + 7840
    assert _spec(regime="unconstrained").trainable_parameter_count() == 7850
    wide = _spec(sizes=(784, 1000, 10), hidden_activations=("linear",))
    assert wide.trainable_parameter_count() == 1010
    nonlinear = _spec(sizes=(784, 500, 120, 10), hidden_activations=("linear", "relu"))
    assert nonlinear.trainable_parameter_count() == 630
    authors = nonlinear.replace(convention="authors_code")
    assert authors.trainable_parameter_count() == 2034  # the authors' code: in and out


def test_constrained_budget_is_derived_from_the_spectral_twin():
    spectral = _spec(sizes=(784, 300, 120, 10), hidden_activations=("linear", "relu"))
    twin = constrained_twin(spectral)
    assert sum(twin.constrained_budget) == 430  # N2 + N3 + N4 random weights of the network
    assert twin.trainable_parameter_count() == spectral.trainable_parameter_count()
    # a uniform subset of all weights: layers get shares in proportion to their size
    assert twin.constrained_budget[0] > twin.constrained_budget[1] > twin.constrained_budget[2]
    assert constrained_twin(spectral.replace(seed=1)).constrained_budget != twin.constrained_budget
    assert constrained_twin(spectral) == twin  # deterministic per seed
    assert constrained_twin(_spec()).constrained_budget == (794,)
    with pytest.raises(SpecError):
        constrained_twin(_spec(regime="unconstrained"))


def test_every_constrained_run_of_every_study_matches_its_spectral_run():
    for name in ("perceptron", "wide", "deep", "nonlinear"):
        study = build_study(name, "mnist", "paper")
        spectral = {
            (s.sizes, s.seed): s.trainable_parameter_count()
            for s in study.specs
            if s.regime == "train_lambda" and s.convention == "paper"
        }
        for spec in study.specs:
            if spec.regime == "constrained":
                assert spec.trainable_parameter_count() == spectral[(spec.sizes, spec.seed)]


def test_hash_ignores_tags_and_changes_with_content():
    a = _spec()
    assert a.hash == _spec(tags={"note": 1}).hash
    assert a.hash != _spec(seed=1).hash
    assert RunSpec.from_dict(a.to_dict()) == a


def test_fields_added_later_leave_earlier_identities_alone():
    """A spec at the new fields' defaults has the dict, hence the hash, it always had."""
    wide = _spec(sizes=(784, 50, 10), hidden_activations=("linear",))
    assert "inner_eigenvalues" not in wide.to_dict()
    assert "direct_init" not in wide.to_dict()
    # The hash a spec of this content had before the fields existed (a literal, on purpose).
    assert _spec().hash == "51520b3ab4fafddc"
    variants = {
        wide.hash,
        wide.replace(inner_eigenvalues="random").hash,
        wide.replace(inner_eigenvalues="tied").hash,
        wide.replace(regime="unconstrained").hash,
        wide.replace(regime="unconstrained", direct_init="spectral").hash,
    }
    assert len(variants) == 5
    tied = wide.replace(inner_eigenvalues="tied")
    assert RunSpec.from_dict(tied.to_dict()) == tied
    assert tied.trainable_parameter_count() == wide.trainable_parameter_count() == 60


def test_unknown_profile_lists_the_valid_ones(monkeypatch):
    with pytest.raises(ValueError, match="smoke, quick, paper"):
        validate("fast")
    monkeypatch.setenv("SPECTRAL_NB_PROFILE", "smoke")
    assert resolve("paper") == "smoke"
    monkeypatch.setenv("SPECTRAL_NB_PROFILE", "huge")
    with pytest.raises(ValueError, match="Unknown profile 'huge'"):
        resolve("quick")


def test_paper_profile_sizes_are_the_papers():
    deep = build_study("deep", "mnist", "paper")
    sizes = {s.sizes for s in deep.specs}
    assert (784, 800, 600, 500, 10) in sizes
    assert {(784, 800, n, 10) for n in (100, 200, 400, 600)} <= sizes
    assert {(784, n, 10) for n in (20, 80, 100, 500, 800)} <= sizes
    perceptron = build_study("perceptron", "mnist", "paper")
    assert {s.seed for s in perceptron.specs} == set(range(5))


def test_auto_profile_is_paper_only_with_the_records(monkeypatch):
    monkeypatch.delenv("SPECTRAL_NB_PROFILE", raising=False)
    assert resolve("auto") == "quick"
    assert resolve("auto", lambda: False) == "quick"
    assert resolve("auto", lambda: True) == "paper"
    assert resolve("smoke", lambda: True) == "smoke"


def test_profiles_module_is_a_leaf():
    """profiles.py imports nothing from spectral_nb: every layer may import it."""
    import ast
    from pathlib import Path

    import spectral_nb.profiles as profiles

    tree = ast.parse(Path(profiles.__file__).read_text())
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
         for alias in node.names]
    assert not [name for name in imported if name.startswith(("spectral_nb", "."))]
    levels = [node.level for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not any(levels)
