"""Per-seed paired differences (spectral_nb.analysis.paired)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spectral_nb.analysis.paired import (
    Paired,
    describe,
    direction,
    paired,
    paired_cells,
    signed,
)


def test_paired_statistics_of_the_differences() -> None:
    a = {0: 90.0, 1: 91.0, 2: 89.5}
    b = {2: 89.0, 0: 89.7, 1: 90.1}  # order of the keys does not matter: joined on the seed
    p = paired(a, b)
    d = np.array([0.3, 0.9, 0.5])
    assert p.n == 3
    assert p.mean == pytest.approx(d.mean())
    assert p.sd == pytest.approx(d.std(ddof=1))
    assert (p.lo, p.hi) == (pytest.approx(0.3), pytest.approx(0.9))
    assert (p.n_positive, p.n_negative) == (3, 0)
    assert p.all_agree and p.agreeing == 3


def test_shared_seed_variance_cancels() -> None:
    # A large per-seed offset shared by both sides: unpaired spreads are large, the paired
    # difference is constant.
    offset = {0: -5.0, 1: 0.0, 2: 7.0, 3: 2.0}
    a = {s: 80.0 + u + 0.6 for s, u in offset.items()}
    b = {s: 80.0 + u for s, u in offset.items()}
    p = paired(a, b)
    assert p.mean == pytest.approx(0.6)
    assert p.sd == pytest.approx(0.0, abs=1e-12)
    assert np.std(list(a.values()), ddof=1) > 4


def test_mixed_signs_and_ties() -> None:
    p = paired({1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0}, {1: 2.0, 2: 2.0, 3: 2.0, 4: 2.0})
    assert (p.n_positive, p.n_negative) == (2, 1)  # the tie at seed 2 counts in neither
    assert not p.all_agree
    assert p.agreeing == 2


def test_one_seed_has_no_spread() -> None:
    p = paired({7: 2.0}, {7: 1.5})
    assert p.n == 1 and math.isnan(p.sd)
    assert p.all_agree
    assert describe(p) == "by 0.5 pp (one seed)"


def test_mismatched_seeds_are_named() -> None:
    with pytest.raises(ValueError, match=r"seeds \[3\] are only in the first.*seeds \[4\] only"):
        paired({1: 0.0, 3: 0.0}, {1: 0.0, 4: 0.0})


def test_empty_and_non_finite_are_rejected() -> None:
    with pytest.raises(ValueError, match="no seeds"):
        paired({}, {})
    with pytest.raises(ValueError, match=r"non-finite values at seeds \[2\]"):
        paired({1: 1.0, 2: math.nan}, {1: 0.0, 2: 0.0})


def test_describe_reads_in_the_direction_of_the_mean() -> None:
    lower = paired({0: 89.4, 1: 89.0, 2: 89.8}, {0: 90.0, 1: 89.3, 2: 90.7})
    assert direction(lower, "higher", "lower") == "lower"
    assert describe(lower) == "by 0.6 pp on average (from 0.3 to 0.9), in 3 of 3 seeds"
    mixed = paired({0: 1.0, 1: 2.0, 2: 0.0}, {0: 0.0, 1: 0.0, 2: 0.5})
    assert direction(mixed, "higher", "lower") == "higher"
    assert describe(mixed, unit="", digits=2) == (
        "by 0.83 on average (from -0.50 to 2.00), in 2 of 3 seeds"
    )
    assert describe(paired({0: 2.0, 1: 3.0}, {0: 1.0, 1: 1.0}), unit="x") == (
        "by 1.5x on average (from 1.0 to 2.0), in 2 of 2 seeds"
    )
    flipped = paired({0: 0.0, 1: 1.0}, {0: 0.4, 1: 0.8})  # d = -0.4, +0.2: mean -0.1
    assert describe(flipped, digits=2) == (
        "by 0.10 pp on average (from -0.20 to 0.40), in 1 of 2 seeds"
    )
    assert direction(paired({0: 1.0}, {0: 1.0}), "up", "down") == "no different"


def test_paired_cells() -> None:
    cells = paired_cells(paired({0: 1.0, 1: 2.0}, {0: 1.5, 1: 1.0}), digits=2)
    assert cells == {
        "mean difference": "+0.25 ± 1.06",
        "range": "-0.50 to +1.00",
        "seeds a > b": "1 of 2",
    }


def test_signed_never_prints_minus_zero() -> None:
    assert signed(-1e-17, 2) == "+0.00"
    assert signed(-0.004, 2) == "+0.00"
    assert signed(-0.61, 2) == "-0.61" and signed(0.25, 1) == "+0.2"


def test_paired_is_frozen() -> None:
    p = Paired(0.0, 0.0, 0.0, 0.0, 1, 0, 0)
    with pytest.raises(AttributeError):
        p.mean = 1.0  # type: ignore[misc]


def test_paired_common_keeps_the_shared_seeds_and_glue_pair_reads_it():
    from spectral_nb.analysis.paired import glue_pair, paired_common

    p = paired_common({0: 0.9, 1: 0.8, 2: 0.7}, {1: 0.75, 2: 0.72, 3: 0.1})
    assert (p.n, p.n_positive, p.n_negative) == (2, 1, 1)  # seeds 1 and 2 only
    assert paired_common({0: 0.9}, {1: 0.8}) is None
    text, seeds = glue_pair(p)
    assert text.startswith("higher by") and seeds == "1 of 2"
    assert glue_pair(None) == ("–", "–")
