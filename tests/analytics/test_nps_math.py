"""The NPS arithmetic of DESIGN.md, as properties over any counts (analytics/nps.py)."""

import math
from fractions import Fraction
from importlib.util import find_spec
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics import nps
from analytics.nps import Counts

counts = st.builds(Counts, st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 5000))
answered = counts.filter(lambda c: c.responses > 0)
scores = st.integers(0, 10)
EPSILON = 1e-9


def scaled(c: Counts, k: int) -> Counts:
    return Counts(c.promoters * k, c.passives * k, c.detractors * k)


def width(bounds: tuple[float, float]) -> float:
    return bounds[1] - bounds[0]


# --- Categories ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0, "detractor"),
        (6, "detractor"),
        (7, "passive"),
        (8, "passive"),
        (9, "promoter"),
        (10, "promoter"),
    ],
)
def test_categories_at_the_boundaries(score, expected):
    assert nps.category(score) == expected


@given(scores)
def test_every_score_has_the_category_of_its_band(score):
    expected = "detractor" if score <= 6 else "passive" if score <= 8 else "promoter"
    assert nps.category(score) == expected


@pytest.mark.parametrize("score", [-1, 11, 100])
def test_a_score_outside_0_to_10_is_refused(score):
    with pytest.raises(ValueError, match="out of range"):
        nps.category(score)


# --- NPS -----------------------------------------------------------------------------------


@given(answered)
def test_nps_is_the_difference_of_shares_within_the_scale(c):
    value = nps.nps(c)

    assert -100.0 <= value <= 100.0
    assert value == pytest.approx(float(Fraction(100 * (c.promoters - c.detractors), c.responses)))


@given(st.integers(1, 5000))
def test_nps_reaches_both_ends_of_the_scale(n):
    assert nps.nps(Counts(promoters=n)) == 100.0
    assert nps.nps(Counts(detractors=n)) == -100.0
    assert nps.nps(Counts(passives=n)) == 0.0


def test_no_answers_is_undefined_never_zero():
    empty = Counts()

    assert empty.responses == 0
    assert nps.nps(empty) is None
    assert nps.variance(empty) is None
    assert nps.interval(empty) is None


@given(counts, counts)
def test_counts_add_up_category_by_category(a, b):
    total = a + b

    assert (total.promoters, total.passives, total.detractors) == (
        a.promoters + b.promoters,
        a.passives + b.passives,
        a.detractors + b.detractors,
    )
    assert total.responses == a.responses + b.responses


# --- Uncertainty ---------------------------------------------------------------------------


@given(answered)
def test_variance_is_the_design_formula(c):
    n = c.responses
    p, d = Fraction(c.promoters, n), Fraction(c.detractors, n)
    expected = (p + d - (p - d) ** 2) / n

    assert nps.variance(c) == pytest.approx(float(expected), abs=1e-15)
    assert nps.variance(c) >= 0.0


def adjusted_by_hand(promoters: int, passives: int, detractors: int) -> tuple[float, float]:
    """DESIGN.md's adjusted-Wald interval, written out again from the definition."""
    n_adj = promoters + passives + detractors + 3
    p, d = Fraction(4 * promoters + 3, 4 * n_adj), Fraction(4 * detractors + 3, 4 * n_adj)
    half = 1.96 * math.sqrt((p + d - (p - d) ** 2) / n_adj)
    return max(-100.0, 100 * (float(p - d) - half)), min(100.0, 100 * (float(p - d) + half))


def test_interval_by_hand_one_promoter():
    # n' = 4, p' = 1.75/4 = 0.4375, d' = 0.75/4 = 0.1875, centre 0.25,
    # variance = (0.625 − 0.0625) / 4 = 0.140625, sd 0.375, half-width 1.96 × 0.375 = 0.735.
    low, high = nps.interval(Counts(1, 0, 0))

    assert nps.nps(Counts(1, 0, 0)) == 100.0  # the NPS shown stays the plain one
    assert low == pytest.approx(-48.5)
    assert high == pytest.approx(98.5)


def test_interval_by_hand_three_of_three_promoters_is_not_100_to_100():
    # n' = 6, p' = 0.625, d' = 0.125, centre 0.5, variance = (0.75 − 0.25) / 6 = 1/12,
    # half-width 1.96 × 0.288675 = 0.565803 → 50 ± 56.58, clipped at 100.
    low, high = nps.interval(Counts(3, 0, 0))

    assert low == pytest.approx(-6.5803, abs=1e-4)
    assert high == 100.0


def test_interval_by_hand_all_detractors():
    low, high = nps.interval(Counts(0, 0, 3))

    assert low == -100.0
    assert high == pytest.approx(6.5803, abs=1e-4)


def test_interval_by_hand_mixed():
    # 5 promoters, 3 passives, 2 detractors: n' = 13, p' = 5.75/13, d' = 2.75/13,
    # centre 3/13 = 0.230769, variance = (8.5/13 − (3/13)²) / 13 = 0.046199, half 0.421283.
    low, high = nps.interval(Counts(5, 3, 2))

    assert low == pytest.approx(-19.0514, abs=1e-4)
    assert high == pytest.approx(65.2052, abs=1e-4)


def test_interval_of_nothing_is_undefined():
    assert nps.interval(Counts()) is None
    assert nps.change_interval(Counts(), Counts(3, 0, 0)) is None
    assert nps.change_is_real(Counts(), Counts(3, 0, 0)) is False


@given(answered)
def test_interval_is_the_design_formula_and_stays_on_the_scale(c):
    low, high = nps.interval(c)

    assert (low, high) == pytest.approx(adjusted_by_hand(c.promoters, c.passives, c.detractors))
    assert -100.0 <= low < high <= 100.0


@given(st.integers(1, 5000), st.sampled_from(["promoters", "passives", "detractors"]))
def test_unanimous_answers_still_have_an_interval(n, category):
    c = Counts(**{category: n})
    low, high = nps.interval(c)

    assert nps.variance(c) == 0.0
    assert high - low > 0.0


@given(answered, st.integers(1, 50), st.integers(1, 50))
def test_interval_shrinks_as_the_same_proportions_are_seen_more_often(c, k, extra):
    smaller, larger = nps.interval(scaled(c, k)), nps.interval(scaled(c, k + extra))

    assert width(larger) <= width(smaller) + EPSILON
    assert nps.nps(scaled(c, k + extra)) == pytest.approx(nps.nps(c))


@given(answered)
def test_large_samples_centre_the_interval_on_the_plain_nps(c):
    big = scaled(c, 2000)
    low, high = nps.interval(big)

    assert low - 1.0 <= nps.nps(big) <= high + 1.0


def test_change_interval_by_hand():
    # current 8 promoters of 10 (centre 8.75/13 − 0.75/13 = 8/13), previous 2 of 10 (2/13 − 0.75/13…)
    current, previous = Counts(8, 2, 0), Counts(2, 2, 6)
    a_p, a_d = Fraction(35, 52), Fraction(3, 52)
    b_p, b_d = Fraction(11, 52), Fraction(27, 52)
    var = (a_p + a_d - (a_p - a_d) ** 2) / 13 + (b_p + b_d - (b_p - b_d) ** 2) / 13
    centre = float((a_p - a_d) - (b_p - b_d))
    low, high = nps.change_interval(current, previous)

    assert low == pytest.approx(100 * (centre - 1.96 * math.sqrt(var)))
    assert high == pytest.approx(100 * (centre + 1.96 * math.sqrt(var)))
    assert nps.change_is_real(current, previous)


def test_a_small_change_on_few_answers_is_within_noise():
    assert not nps.change_is_real(Counts(4, 3, 3), Counts(3, 3, 4))
    assert nps.change_is_real(Counts(400, 300, 300), Counts(300, 300, 400))


@given(answered, answered)
def test_change_interval_is_antisymmetric(a, b):
    low, high = nps.change_interval(a, b)
    back_low, back_high = nps.change_interval(b, a)

    assert low == pytest.approx(-back_high)
    assert high == pytest.approx(-back_low)


# --- Shrinkage toward a prior ---------------------------------------------------------------


@given(answered, st.floats(-100, 100), st.floats(0.01, 1000))
def test_shrunk_nps_lies_between_the_observed_nps_and_the_prior(c, prior, weight):
    observed = nps.nps(c)
    shrunk = nps.shrunk_nps(c, prior_nps=prior, prior_weight=weight)

    assert min(observed, prior) - EPSILON <= shrunk <= max(observed, prior) + EPSILON


@given(answered, st.floats(-100, 100), st.floats(0.01, 1000), st.integers(2, 20))
def test_more_answers_pull_the_shrunk_nps_toward_the_observed_one(c, prior, weight, k):
    observed = nps.nps(c)
    few = nps.shrunk_nps(c, prior_nps=prior, prior_weight=weight)
    many = nps.shrunk_nps(scaled(c, k), prior_nps=prior, prior_weight=weight)

    assert abs(many - observed) <= abs(few - observed) + EPSILON


@given(answered, st.floats(-100, 100))
def test_shrunk_nps_without_prior_weight_is_the_observed_nps(c, prior):
    assert nps.shrunk_nps(c, prior_nps=prior, prior_weight=0) == pytest.approx(nps.nps(c))


@given(st.floats(-100, 100), st.floats(0.01, 1000))
def test_shrunk_nps_of_an_agent_without_answers_is_the_prior(prior, weight):
    assert nps.shrunk_nps(Counts(), prior_nps=prior, prior_weight=weight) == pytest.approx(prior)
    assert nps.shrunk_nps(Counts(), prior_nps=prior, prior_weight=0) is None


@given(st.lists(counts, max_size=30))
def test_prior_weight_stays_within_its_bounds(samples):
    weight = nps.prior_weight(samples, floor=5.0, ceiling=500.0)

    assert 5.0 <= weight <= 500.0
    if sum(1 for c in samples if c.responses) < 3:
        assert weight == 500.0


# --- Hypergeometric tail (how surprising a department's share of the top N is) --------------


@st.composite
def draws_from_a_department(draw):
    population = draw(st.integers(1, 60))
    successes = draw(st.integers(0, population))
    draws = draw(st.integers(0, population))
    observed = draw(st.integers(-1, draws + 1))
    return {"population": population, "successes": successes, "draws": draws, "observed": observed}


def reference_tail(*, population: int, successes: int, draws: int, observed: int) -> Fraction:
    """1 − P(X < observed), from the probability mass over the support, exactly."""
    lowest = max(0, draws - (population - successes))
    total = math.comb(population, draws)
    below = sum(
        Fraction(math.comb(successes, k) * math.comb(population - successes, draws - k), total)
        for k in range(lowest, max(lowest, observed))
    )
    return 1 - below


@given(draws_from_a_department())
def test_hypergeometric_tail_is_the_exact_probability(args):
    tail = nps.hypergeometric_tail(**args)

    assert 0.0 <= tail <= 1.0
    assert tail == pytest.approx(float(reference_tail(**args)), abs=1e-12)
    if find_spec("scipy") is not None:  # not a dependency; an extra witness where present
        from scipy.stats import hypergeom

        expected = hypergeom.sf(args["observed"] - 1, args["population"], args["successes"], args["draws"])
        assert tail == pytest.approx(expected, abs=1e-9)


@given(draws_from_a_department())
def test_hypergeometric_tail_of_nothing_observed_is_certain(args):
    assert nps.hypergeometric_tail(**{**args, "observed": 0}) == 1.0


@given(draws_from_a_department())
def test_hypergeometric_tail_falls_as_more_are_observed(args):
    tails = [nps.hypergeometric_tail(**{**args, "observed": k}) for k in range(args["draws"] + 2)]

    assert all(later <= earlier for earlier, later in pairwise(tails))
    assert tails[-1] == 0.0  # more than were drawn cannot happen


def test_hypergeometric_tail_by_hand():
    # 4 agents, 2 in the department, top 2 drawn: both from it in 1 of C(4,2) = 6 draws.
    assert nps.hypergeometric_tail(population=4, successes=2, draws=2, observed=2) == pytest.approx(1 / 6)
    assert nps.hypergeometric_tail(population=4, successes=2, draws=2, observed=1) == pytest.approx(5 / 6)
    # The seed's example: 15 of the top 20 from a department holding 16 of 76 agents.
    assert nps.hypergeometric_tail(population=76, successes=16, draws=20, observed=15) < 1e-6
