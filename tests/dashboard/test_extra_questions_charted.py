"""CSAT, CES and yes/no extra questions are charted on the overview and the agent page:
per question the headline (CSAT % satisfied, CES average, % yes) with n, the answers'
distribution and the headline per week, counted from derived rows that rebuild_nps
rebuilds from the raw responses."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics import breakdowns
from analytics.dashboard import extra_questions
from analytics.dashboard.common import Filters
from analytics.models import ExtraAnswerBucket
from surveys.versions import snapshot
from tests.factories import AgentFactory, ResponseFactory, SurveyFactory, SurveyQuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey_with_extras(db):
    survey = SurveyFactory()
    SurveyQuestionFactory(survey=survey, key="csat", kind="csat", text={"en": "How satisfied are you?"})
    SurveyQuestionFactory(survey=survey, key="effort", kind="ces", text={"en": "How easy was it?"})
    SurveyQuestionFactory(survey=survey, key="solved", kind="yes_no", text={"en": "Was it solved?"})
    SurveyQuestionFactory(survey=survey, key="note", kind="text", text={"en": "Anything else?"})
    return survey, snapshot(survey)


def answer(version, agent, extra: dict, *, days_ago: int = 2):
    return ResponseFactory(
        invitation__interaction__agent=agent,
        invitation__interaction__survey=version.survey,
        invitation__interaction__occurred_at=timezone.now() - timedelta(days=days_ago),
        survey_version=version,
        extra_answers=extra,
    )


@pytest.fixture
def answers(survey_with_extras):
    _, version = survey_with_extras
    ana, budi = AgentFactory(name="Ana García"), AgentFactory(name="Budi Santoso")
    # Ana: CSAT 5, 4, 2 (2 of 3 satisfied), CES 7, 4 (average 5.5), solved yes, no; a text note.
    answer(version, ana, {"csat": 5, "effort": 7, "solved": True, "note": "thanks"})
    answer(version, ana, {"csat": 4, "effort": 4, "solved": False})
    answer(version, ana, {"csat": 2}, days_ago=9)
    # Budi: CSAT 1 only.
    answer(version, budi, {"csat": 1})
    breakdowns.rebuild()
    return ana, budi


def last_90_days(**overrides) -> Filters:
    today = timezone.localdate()
    values = {
        "since": today - timedelta(days=89),
        "until": today,
        "department": None,
        "channel": "",
        "question": "agent",
        "interval": "week",
        "department_ids": None,
    }
    return Filters(**{**values, **overrides})


def by_kind(summaries):
    return {s.kind: s for s in summaries}


def test_csat_is_the_share_satisfied_ces_the_average_yes_no_the_share_yes_with_n(answers):
    found = by_kind(extra_questions.summaries(last_90_days()))
    assert set(found) == {"csat", "ces", "yes_no"}  # the text question is not charted
    assert (found["csat"].n, found["csat"].good_share) == (4, 50.0)  # 5 and 4 of 5, 2 and 1
    assert found["csat"].headline == "50 %"
    assert found["csat"].counts == {"5": 1, "4": 1, "2": 1, "1": 1}
    assert (found["ces"].n, found["ces"].mean, found["ces"].headline) == (2, 5.5, "5.50 of 7")
    assert (found["yes_no"].n, found["yes_no"].headline) == (2, "50 %")
    assert found["csat"].text == "How satisfied are you?"


def test_one_agents_answers_only_on_their_page(answers):
    _ana, budi = answers
    mine = by_kind(extra_questions.summaries(last_90_days(), agent_key=budi.pk))
    assert set(mine) == {"csat"}
    assert (mine["csat"].n, mine["csat"].good_share) == (1, 0.0)


def test_answers_per_week_for_the_trend(answers):
    csat = by_kind(extra_questions.summaries(last_90_days()))["csat"]
    assert sum(sum(counts.values()) for _, counts, _ in csat.periods) == 4
    assert len(csat.periods) in (2, 3)  # 2 and 9 days ago: two or three Monday-weeks apart


def test_the_overview_and_the_agent_page_draw_them(client, admin_user, answers):
    client.force_login(admin_user)
    html = client.get("/dashboard/").content.decode()
    assert "CSAT: How satisfied are you?" in html
    assert "satisfied (4 or 5 of 5) · n = 4" in html
    assert 'id="extra-csat-csat-dist-data"' in html and 'id="extra-csat-csat-trend-data"' in html
    assert "CES: How easy was it?" in html and "5.50 of 7" in html
    agent_page = client.get(f"/dashboard/agents/{answers[1].pk}/").content.decode()
    assert "CSAT: How satisfied are you?" in agent_page
    assert "satisfied (4 or 5 of 5) · n = 1" in agent_page
    assert "CES:" not in agent_page  # Budi's customers answered no CES question


def test_a_supervisor_counts_only_their_departments(client, supervisor, answers):
    client.force_login(supervisor)
    html = client.get("/dashboard/").content.decode()
    assert "CSAT:" not in html  # the answers are all in departments outside their scope


def test_rebuild_nps_restores_the_counts_from_the_raw_answers(answers):
    before = sorted(ExtraAnswerBucket.objects.values_list("question_key", "kind", "value", "answers"))
    ExtraAnswerBucket.objects.all().delete()
    ExtraAnswerBucket.objects.create(
        day=timezone.localdate(), department_key=1, agent_key=1, channel="phone", question_key="x", kind="csat",
        value="3", answers=99,
    )  # fmt: skip
    call_command("rebuild_nps", stdout=StringIO())
    assert sorted(ExtraAnswerBucket.objects.values_list("question_key", "kind", "value", "answers")) == before
    assert ("csat", "csat", "1", 1) in before and ("solved", "yes_no", "true", 1) in before
