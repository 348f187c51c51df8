"""NPS arithmetic. Pure functions, no Django: the definitions in DESIGN.md live here.

Category: 0–6 detractor, 7–8 passive, 9–10 promoter.
NPS = 100 × (promoters − detractors) / n, undefined (None) when n = 0.
Variance of (p − d) = (p + d − (p − d)²) / n (the plain one, used for shrinkage weights).

Intervals are adjusted-Wald (Rocks 2016, The American Statistician, the best of six
methods compared there): n' = n + 3, p' = (promoters + ¾) / n', d' = (detractors + ¾) / n',
variance' = (p' + d' − (p' − d')²) / n'; 95 % interval = 100 × (p' − d') ± 196 × sqrt(variance'),
clipped to [−100, 100]. The NPS shown stays the plain one; only the interval is adjusted,
so 3 answers of 10 never show "100 to 100". A change between two independent periods has
the interval (a' − b') ± 196 × sqrt(variance'_a + variance'_b) and is real only when that
interval excludes 0.
"""

import math
from dataclasses import dataclass

PROMOTER_MIN = 9
PASSIVE_MIN = 7
Z_95 = 1.96


def category(score: int) -> str:
    if not 0 <= score <= 10:
        raise ValueError(f"score out of range: {score}")
    if score >= PROMOTER_MIN:
        return "promoter"
    if score >= PASSIVE_MIN:
        return "passive"
    return "detractor"


@dataclass(frozen=True)
class Counts:
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def responses(self) -> int:
        return self.promoters + self.passives + self.detractors

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(
            self.promoters + other.promoters, self.passives + other.passives, self.detractors + other.detractors
        )


def nps(counts: Counts) -> float | None:
    n = counts.responses
    if n == 0:
        return None
    return 100.0 * (counts.promoters - counts.detractors) / n


def variance(counts: Counts) -> float | None:
    """Variance of the estimated (p − d), as a share (not percentage points)."""
    n = counts.responses
    if n == 0:
        return None
    p = counts.promoters / n
    d = counts.detractors / n
    return max(p + d - (p - d) ** 2, 0.0) / n


ADJUST_N = 3.0
ADJUST_EACH = 0.75


def adjusted(counts: Counts) -> tuple[float, float] | None:
    """The adjusted-Wald centre (p' − d', a share) and its variance; None with no answers."""
    n = counts.responses
    if n == 0:
        return None
    n_adj = n + ADJUST_N
    p = (counts.promoters + ADJUST_EACH) / n_adj
    d = (counts.detractors + ADJUST_EACH) / n_adj
    return p - d, max(p + d - (p - d) ** 2, 0.0) / n_adj


def interval(counts: Counts, z: float = Z_95) -> tuple[float, float] | None:
    """Adjusted-Wald interval of the NPS, in points, clipped to the scale [−100, 100]."""
    estimate = adjusted(counts)
    if estimate is None:
        return None
    centre, var = estimate
    half = z * math.sqrt(var)
    return max(-100.0, 100.0 * (centre - half)), min(100.0, 100.0 * (centre + half))


def change_interval(current: Counts, previous: Counts, z: float = Z_95) -> tuple[float, float] | None:
    """Adjusted-Wald interval of the change current − previous, in points (range [−200, 200])."""
    a, b = adjusted(current), adjusted(previous)
    if a is None or b is None:
        return None
    centre = a[0] - b[0]
    half = z * math.sqrt(a[1] + b[1])
    return max(-200.0, 100.0 * (centre - half)), min(200.0, 100.0 * (centre + half))


def change_is_real(current: Counts, previous: Counts, z: float = Z_95) -> bool:
    """True when the change between two periods lies outside the noise (its interval excludes 0)."""
    bounds = change_interval(current, previous, z)
    return bounds is not None and (bounds[0] > 0.0 or bounds[1] < 0.0)


def shrunk_nps(counts: Counts, *, prior_nps: float, prior_weight: float) -> float | None:
    """Empirical-Bayes estimate: the observed NPS pulled toward `prior_nps` as if
    `prior_weight` extra answers at the prior had been seen. Small samples move little."""
    n = counts.responses
    if n == 0 and prior_weight <= 0:
        return None
    observed = 100.0 * (counts.promoters - counts.detractors)
    return (observed + prior_weight * prior_nps) / (n + prior_weight)


def prior_weight(samples: list[Counts], *, floor: float = 5.0, ceiling: float = 500.0) -> float:
    """How many answers the prior is worth: within-agent noise over between-agent spread.

    Method of moments on the agents' observed NPS: between-agent variance τ² is the observed
    variance of their NPS minus the mean sampling variance; the weight is σ²/τ², where σ² is
    the mean per-answer variance. Bounded so a degenerate data set stays sensible.
    """
    usable = [c for c in samples if c.responses > 0]
    if len(usable) < 3:
        return ceiling
    estimates = [nps(c) / 100.0 for c in usable]
    mean = sum(estimates) / len(estimates)
    observed_var = sum((e - mean) ** 2 for e in estimates) / (len(estimates) - 1)
    sampling_var = sum(variance(c) for c in usable) / len(usable)
    per_answer_var = sum(variance(c) * c.responses for c in usable) / len(usable)
    between = observed_var - sampling_var
    if between <= 0:
        return ceiling
    return min(max(per_answer_var / between, floor), ceiling)


def hypergeometric_tail(*, population: int, successes: int, draws: int, observed: int) -> float:
    """P(X ≥ observed) for X ~ Hypergeometric(population, successes, draws).

    Here: of `population` ranked agents, `successes` work in one department; if the top
    `draws` were picked at random, how likely is it that `observed` or more of them would
    come from that department?
    """
    if observed <= 0:
        return 1.0
    upper = min(successes, draws)
    if observed > upper:
        return 0.0
    total = math.comb(population, draws)
    tail = sum(
        math.comb(successes, k) * math.comb(population - successes, draws - k) for k in range(observed, upper + 1)
    )
    return tail / total
