"""Per-seed paired differences: how a claim "A beats B" is measured over seeds.

Why pairing
-----------
In the book a seed fixes everything random in a run except the thing compared: the order of
the batches and the initial weights (of every layer the two models share) are drawn from the
seed. Write the result of model ``A`` under seed ``s`` as

    a_s = mu_A + u_s + e_s,        b_s = mu_B + u_s + f_s,

where ``u_s`` is the part the seed gives both runs alike (a lucky data order, a good start)
and ``e_s``, ``f_s`` what is left to each run. The two columns compared as unpaired samples
have variances ``var(u) + var(e)`` and ``var(u) + var(f)``, and a difference of means is
judged against the sum of both, so ``u`` counts twice. The per-seed difference

    d_s = a_s - b_s = (mu_A - mu_B) + (e_s - f_s)

has lost ``u_s`` altogether: its mean is the same estimate of ``mu_A - mu_B``, but its spread
is only that of ``e - f``. When the seed's shared part dominates (the usual case: a run is
mostly its data order and initialisation), a difference that "lies within two standard
deviations" of the unpaired columns can have the same sign under every seed.

What is reported
----------------
:func:`paired` joins two ``{seed: value}`` mappings on the seed and returns a :class:`Paired`:
the mean of ``d_s``, its sample standard deviation (``ddof=1``; ``nan`` for one seed), the
smallest and largest ``d_s``, the number of seeds, and how many seeds have ``a > b`` and
``a < b`` (ties count in neither). A claim is stated when the seeds agree
(:attr:`Paired.all_agree`); otherwise the page says how many do. With three to five seeds
no test statistic is computed: the counts and the range are what the reader can check.

:func:`describe` writes the numbers the way a sentence uses them, in the direction of the
mean ("lower by 0.6 pp on average (from 0.3 to 0.9), in 3 of 3 seeds" is
``direction(p, "higher", "lower") + " " + describe(p)``), so a chapter composes its own
sentence around glued pieces instead of generating verdicts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["Paired", "describe", "direction", "paired", "paired_cells", "signed"]


@dataclass(frozen=True)
class Paired:
    """Summary of the per-seed differences ``d_s = a_s - b_s``.

    ``mean`` and ``sd`` (``ddof=1``, ``nan`` when ``n < 2``) of the differences, ``lo`` and
    ``hi`` their minimum and maximum, ``n`` the number of seeds, ``n_positive`` and
    ``n_negative`` the seeds with ``a > b`` and with ``a < b``.
    """

    mean: float
    sd: float
    lo: float
    hi: float
    n: int
    n_positive: int
    n_negative: int

    @property
    def all_agree(self) -> bool:
        """Every seed's difference is non-zero and has the same sign."""
        return self.n > 0 and (self.n_positive == self.n or self.n_negative == self.n)

    @property
    def agreeing(self) -> int:
        """Seeds whose difference has the sign of the mean (0 when the mean is 0)."""
        if self.mean > 0:
            return self.n_positive
        if self.mean < 0:
            return self.n_negative
        return 0


def paired(a: Mapping[int, float], b: Mapping[int, float]) -> Paired:
    """Per-seed differences ``a[s] - b[s]`` over the seeds both mappings hold.

    Both mappings must hold the same seeds (a seed missing on one side would silently turn a
    paired comparison into an unpaired one) and finite values.
    """
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    if only_a or only_b:
        raise ValueError(
            f"paired comparison needs the same seeds on both sides: seeds {only_a} are only "
            f"in the first, seeds {only_b} only in the second; select the seeds both "
            f"sides ran before pairing"
        )
    if not a:
        raise ValueError("paired comparison of no seeds: both mappings are empty")
    seeds = sorted(a)
    diffs = np.array([float(a[s]) - float(b[s]) for s in seeds], dtype=np.float64)
    bad = [s for s, d in zip(seeds, diffs, strict=True) if not np.isfinite(d)]
    if bad:
        raise ValueError(
            f"paired comparison of non-finite values at seeds {bad}; drop those seeds from "
            f"both sides or fix the runs that produced them"
        )
    n = len(diffs)
    return Paired(
        mean=float(diffs.mean()),
        sd=float(diffs.std(ddof=1)) if n >= 2 else math.nan,
        lo=float(diffs.min()),
        hi=float(diffs.max()),
        n=n,
        n_positive=int((diffs > 0).sum()),
        n_negative=int((diffs < 0).sum()),
    )


def paired_common(a: Mapping[int, float], b: Mapping[int, float]) -> Paired | None:
    """:func:`paired` over the seeds both ``a`` and ``b`` ran (``None`` when they share none),
    for curves that may lack a point in some seeds."""
    common = sorted(set(a) & set(b))
    if not common:
        return None
    return paired({s: a[s] for s in common}, {s: b[s] for s in common})


def glue_pair(p: Paired | None) -> tuple[str, str]:
    """The two glue values of one comparison: "higher by 2.1 pp on average (from -0.3 to 4.0),
    in 4 of 5 seeds" and the seeds where ``a`` is above ``b`` ("4 of 5"); "–" for ``None``."""
    if p is None:
        return "–", "–"
    return f"{direction(p, 'higher', 'lower')} {describe(p)}", f"{p.n_positive} of {p.n}"


def direction(p: Paired, positive: str, negative: str, zero: str = "no different") -> str:
    """The word for the mean's sign: ``positive`` when ``a`` is above ``b`` on average."""
    if p.mean > 0:
        return positive
    if p.mean < 0:
        return negative
    return zero


def _oriented(p: Paired) -> tuple[float, float, float]:
    """Mean, smallest and largest difference, signed so that the mean reads positive."""
    if p.mean < 0:
        return -p.mean, -p.hi, -p.lo
    return p.mean, p.lo, p.hi


def _number(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    # Rounding a small negative to zero would print "-0.0".
    return text[1:] if float(text) == 0 and text.startswith("-") else text


def describe(p: Paired, unit: str = "pp", digits: int = 1) -> str:
    """The differences as a sentence's tail, in the direction of the mean.

    ``"by 0.6 pp on average (from 0.3 to 0.9), in 3 of 3 seeds"``: the mean's magnitude, the
    range of the differences measured in the mean's direction (a seed that went the other way
    shows as a negative bound) and the seeds that agree with the mean. The word for the
    direction comes from :func:`direction`. One seed: ``"by 0.6 pp (one seed)"``. The units
    ``"%"`` and ``"x"`` (a ratio) follow the number without a space.
    """
    mean, lo, hi = _oriented(p)
    space = unit if unit in ("", "%", "x") else f" {unit}"
    if p.n == 1:
        return f"by {_number(mean, digits)}{space} (one seed)"
    return (
        f"by {_number(mean, digits)}{space} on average "
        f"(from {_number(lo, digits)} to {_number(hi, digits)}), "
        f"in {p.agreeing} of {p.n} seeds"
    )


def signed(value: float, digits: int = 1) -> str:
    """``"+0.61"``, ``"-0.30"``; a value that rounds to zero reads ``"+0.00"``, not ``"-0.00"``."""
    return f"{round(value, digits) + 0.0:+.{digits}f}"


def paired_cells(p: Paired, digits: int = 1) -> dict[str, str]:
    """Table cells for one paired comparison: signed mean ± sd, range, seeds with a > b."""
    sd = f" ± {p.sd:.{digits}f}" if np.isfinite(p.sd) else ""
    return {
        "mean difference": f"{signed(p.mean, digits)}{sd}",
        "range": f"{signed(p.lo, digits)} to {signed(p.hi, digits)}",
        "seeds a > b": f"{p.n_positive} of {p.n}",
    }
