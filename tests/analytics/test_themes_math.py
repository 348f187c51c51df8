"""Theme shares, NPS with and without a theme, and the points it costs: properties."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.nps import Counts, nps
from analytics.themes.math import adjusted_variance, growth, impact, wilson

counts = st.builds(Counts, st.integers(0, 400), st.integers(0, 400), st.integers(0, 400))


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_interval_holds_the_share_and_stays_in_0_1(successes, total):
    successes = min(successes, total)
    low, high = wilson(successes, total)
    assert 0.0 <= low <= successes / total <= high <= 1.0


def test_wilson_interval_narrows_with_more_comments_and_is_none_without_any():
    assert wilson(0, 0) is None
    small, large = wilson(3, 10), wilson(300, 1000)
    assert small[1] - small[0] > large[1] - large[0]
    assert wilson(0, 5)[1] > 0  # never "0 % for sure" after five comments
    with pytest.raises(ValueError):
        wilson(6, 5)


@given(counts, counts)
def test_points_lost_is_the_gap_between_all_and_without(with_theme, without_theme):
    result = impact(with_theme, without_theme, commented=with_theme.responses + 5)
    everyone = with_theme + without_theme
    if with_theme.responses == 0 or without_theme.responses == 0:
        return
    assert math.isclose(result.points_lost, nps(without_theme) - nps(everyone), abs_tol=1e-9)
    low, high = result.points_lost_ci
    assert low <= result.points_lost <= high


@given(counts)
def test_a_theme_with_the_same_scores_as_the_rest_costs_nothing(group):
    if group.responses == 0:
        return
    result = impact(group, group, commented=group.responses)
    assert result.points_lost == pytest.approx(0.0)
    assert result.points_lost_ci[0] < 0 < result.points_lost_ci[1]


def test_a_complaint_theme_costs_points_and_a_praise_theme_adds_them():
    rest = Counts(promoters=60, passives=20, detractors=20)  # NPS 40
    complaints = Counts(promoters=2, passives=3, detractors=15)  # NPS -65
    praise = Counts(promoters=18, passives=2, detractors=0)  # NPS 90
    lost = impact(complaints, rest, commented=80)
    assert lost.nps_with == -65 and lost.nps_without == 40
    assert lost.points_lost == pytest.approx(20 / 120 * 105)
    assert lost.points_lost_ci[0] > 0  # clearly costs points
    assert impact(praise, rest, commented=80).points_lost < 0
    assert lost.share == 20 / 80


def test_no_mentions_costs_zero_and_no_answers_is_unknown():
    none = impact(Counts(), Counts(5, 3, 2), commented=6)
    assert (none.mentions, none.share, none.points_lost, none.nps_with) == (0, 0.0, 0.0, None)
    assert impact(Counts(), Counts(), commented=0).points_lost is None
    with pytest.raises(ValueError):
        impact(Counts(5, 0, 0), Counts(), commented=2)


def test_adjusted_variance_is_positive_even_for_unanimous_tiny_samples():
    assert adjusted_variance(Counts(promoters=3)) > 0
    assert adjusted_variance(Counts()) > 0


def test_growth_in_percentage_points():
    assert growth(30, 10, 100, 100) == pytest.approx(20.0)
    assert growth(1, 1, 0, 10) is None
