"""Digest content on small, hand-made data: the right week (by the interaction's local day),
agents named only with enough answers, and clear words when there is nothing to report."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics import buckets
from analytics.digest_content import (
    Week,
    agent_digest,
    company_digest,
    last_complete_week,
    representative_comments,
    supervisor_digest,
    top_and_bottom,
)
from surveys.models import Invitation
from tests.digests.conftest import days_in
from tests.factories import AgentFactory, InteractionFactory, InvitationFactory, ResponseFactory

pytestmark = pytest.mark.django_db


def test_the_digest_reports_the_last_complete_monday_to_sunday_week():
    assert last_complete_week(date(2025, 3, 12)) == Week(date(2025, 3, 3))  # a Wednesday
    assert last_complete_week(date(2025, 3, 10)) == Week(date(2025, 3, 3))  # the Monday it goes out
    assert last_complete_week(date(2025, 3, 9)) == Week(date(2025, 2, 24))  # a Sunday: that week is not over
    assert Week(date(2025, 3, 3)).label == "3–9 Mar 2025"
    assert Week(date(2025, 3, 31)).label == "31 Mar – 6 Apr 2025"
    assert Week(date(2025, 12, 29)).label == "29 Dec 2025 – 4 Jan 2026"


def test_top_and_bottom_never_name_anyone_twice():
    assert top_and_bottom(list("abcdefgh")) == (list("abc"), list("hgf"))
    assert top_and_bottom(list("abcd")) == (list("ab"), list("dc"))
    assert top_and_bottom(list("abc")) == (list("ab"), list("c"))
    assert top_and_bottom(["a"]) == (["a"], [])
    assert top_and_bottom([]) == ([], [])


def test_answers_count_in_the_week_of_their_interaction_in_local_time(settings, billing, week):
    settings.TIME_ZONE = "Asia/Jakarta"
    jakarta = ZoneInfo("Asia/Jakarta")
    agent = AgentFactory(department=billing)
    sunday_night = datetime.combine(week.end, datetime.min.time(), tzinfo=jakarta) + timedelta(hours=23, minutes=30)
    for moment, score in ((sunday_night, 10), (sunday_night + timedelta(hours=1), 0)):  # the second: next Monday
        interaction = InteractionFactory(agent=agent, occurred_at=moment)
        ResponseFactory(
            invitation=InvitationFactory(interaction=interaction, status=Invitation.Status.ANSWERED),
            company_score=score,
            agent_score=score,
        )
    buckets.rebuild()

    digest = company_digest(week)

    assert digest.company.n == 1 and digest.company.nps == 100.0
    assert digest.company.change is None
    assert "no answers the week before" in digest.company.text


def test_a_supervisor_sees_only_agents_with_enough_answers_ranked(settings, billing, sam, answers, week):
    settings.DIGEST_AGENT_MIN_RESPONSES = 3
    strong, steady, thin = (AgentFactory(name=n, department=billing) for n in ("Strong", "Steady", "Thin"))
    day = days_in(week)
    answers(strong, day, [(9, 10, "")] * 4)
    answers(steady, day - timedelta(days=14), [(8, 8, "")] * 2 + [(9, 9, "")])  # two weeks earlier: still counts
    answers(thin, day, [(10, 10, "")] * 2)

    (line,) = supervisor_digest(week, [billing]).departments

    assert [a.name for a in line.top] == ["Strong"]
    assert [a.name for a in line.bottom] == ["Steady"]
    assert line.unranked == 1  # Thin: 2 answers, not named
    assert line.agent.n == 6  # the week's department figure counts everyone
    assert line.cases == {"open": 0, "overdue": 0}


def test_comments_prefer_a_substantial_recent_one_of_each_kind(billing, budi, answers, week):
    day = days_in(week)
    answers(budi, day - timedelta(days=1), [(10, 10, "Budi solved my billing problem in minutes")])
    answers(budi, day, [(10, 9, "ok"), (8, 7, "Fine but the hold music is loud"), (2, 8, "Fees!")])
    answers(budi, week.previous.start, [(1, 1, "Last week's complaint, long enough to be picked")])

    comments = {c.category: c.why for c in representative_comments(week)}

    assert comments == {
        "promoter": "Budi solved my billing problem in minutes",  # longer beats newer "ok"
        "passive": "Fine but the hold music is loud",
        "detractor": "Fees!",  # the only detractor of the week
    }


def test_an_agent_with_no_answers_is_told_so_plainly(budi, week):
    digest = agent_digest(week, budi)

    assert digest.own.text == "no answers"
    assert digest.comments == []
