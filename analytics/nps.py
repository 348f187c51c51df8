"""NPS arithmetic. Pure functions, no Django: the definitions in DESIGN.md live here.

Category: 0–6 detractor, 7–8 passive, 9–10 promoter.
NPS = 100 × (promoters − detractors) / n, undefined (None) when n = 0.
Variance of (p − d) = (p + d − (p − d)²) / n; 95 % interval = NPS ± 196 × sqrt(variance).
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


def interval(counts: Counts, z: float = Z_95) -> tuple[float, float] | None:
    """NPS ± 100·z·sqrt(variance), clipped to the scale [−100, 100]."""
    score = nps(counts)
    if score is None:
        return None
    half = 100.0 * z * math.sqrt(variance(counts))
    return max(-100.0, score - half), min(100.0, score + half)


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
