"""The NPS arithmetic of DESIGN.md, as properties over any counts (analytics/nps.py)."""

import math
from fractions import Fraction
from importlib.util import find_spec
from itertools import pairwise

import pytest
from hypothesis import assume, given
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


def test_interval_by_hand():
    # 5 promoters, 3 passives, 2 detractors: NPS 30, var = (0.5 + 0.2 − 0.3²) / 10 = 0.061,
    # half-width = 196 × √0.061 = 48.408…
    low, high = nps.interval(Counts(5, 3, 2))

    assert nps.variance(Counts(5, 3, 2)) == pytest.approx(0.061)
    assert low == pytest.approx(30 - 48.40848, abs=1e-4)
    assert high == pytest.approx(30 + 48.40848, abs=1e-4)


@given(answered)
def test_interval_contains_the_estimate_and_stays_on_the_scale(c):
    low, high = nps.interval(c)

    assert -100.0 <= low <= nps.nps(c) <= high <= 100.0


@given(answered)
def test_interval_is_the_estimate_plus_minus_196_standard_errors_before_clipping(c):
    half = 196 * math.sqrt(nps.variance(c))
    low, high = nps.interval(c)

    assert low == pytest.approx(max(-100.0, nps.nps(c) - half))
    assert high == pytest.approx(min(100.0, nps.nps(c) + half))


@given(st.integers(1, 5000), st.sampled_from(["promoters", "passives", "detractors"]))
def test_unanimous_answers_have_no_spread(n, category):
    c = Counts(**{category: n})

    assert nps.variance(c) == 0.0
    assert nps.interval(c) == (nps.nps(c), nps.nps(c))


@given(answered, st.integers(1, 50), st.integers(1, 50))
def test_interval_shrinks_as_the_same_proportions_are_seen_more_often(c, k, extra):
    smaller, larger = nps.interval(scaled(c, k)), nps.interval(scaled(c, k + extra))

    assert width(larger) <= width(smaller) + EPSILON
    assert nps.nps(scaled(c, k + extra)) == pytest.approx(nps.nps(c))


@given(answered, st.integers(2, 50))
def test_unclipped_interval_narrows_with_the_square_root_of_n(c, k):
    base, more = nps.interval(c), nps.interval(scaled(c, k))
    assume(base[0] > -100.0 and base[1] < 100.0)

    assert width(more) == pytest.approx(width(base) / math.sqrt(k))


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
