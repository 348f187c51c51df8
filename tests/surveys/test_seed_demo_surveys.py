"""`manage.py seed_demo` with surveys as an admin would set them up: the default survey and an
SMS survey with a CSAT question assigned to SMS conversations, every answer recording the
version it answered, and the demo agents' moves in their department history."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from agents.models import AgentMove
from agents.services import department_on
from surveys.models import Invitation, Response, Survey, SurveyVersion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--interactions", "2500", stdout=out)
    return out.getvalue()


def test_the_demo_has_a_default_survey_with_ces_and_an_sms_survey_with_a_csat_question():
    output = seed()

    default = Survey.objects.get(is_default=True)
    sms = Survey.objects.get(name="SMS quick survey")
    assert list(sms.rules.values_list("department", "channel")) == [(None, "sms")]
    assert sms.versions.get().content["questions"][0] | {"text": None} == {
        "key": "csat",
        "kind": "csat",
        "required": False,
        "text": None,
    }
    assert set(sms.versions.get().content["questions"][0]["text"]) == {"en", "id", "es"}
    assert default.versions.exists()
    assert "Survey “SMS quick survey”, version 1, 1 extra question: gets SMS interactions." in output
    assert "/manage/surveys/" in output

    assert not Invitation.objects.filter(survey_version=None).exists()
    assert not Response.objects.filter(survey_version=None).exists()
    by_channel = dict(
        Response.objects.values_list("channel").annotate(surveys=Count("survey_version__survey", distinct=True))
    )
    assert set(by_channel.values()) == {1}
    assert set(Response.objects.filter(channel="sms").values_list("survey_version__survey", flat=True)) == {sms.pk}
    assert set(Response.objects.exclude(channel="sms").values_list("survey_version__survey", flat=True)) == {default.pk}
    sms_answers = Response.objects.filter(channel="sms")
    with_csat = [r.extra_answers["csat"] for r in sms_answers if "csat" in r.extra_answers]
    assert len(with_csat) > 0.7 * sms_answers.count() > 0
    assert set(with_csat) <= {1, 2, 3, 4, 5} and len(set(with_csat)) >= 3
    # The default survey asks an optional effort question (CES, 1–7), charted on every page;
    # its answers carry only that, never the SMS survey's CSAT.
    assert [q["key"] for q in default.versions.order_by("-number").first().content["questions"]] == ["ces"]
    other_extras = [r.extra_answers for r in Response.objects.exclude(channel="sms").exclude(extra_answers={})]
    assert other_extras and all(set(extra) == {"ces"} for extra in other_extras)
    assert {extra["ces"] for extra in other_extras} <= set(range(1, 8))


def test_the_demo_agents_moves_are_in_their_history_and_match_their_interactions():
    seed()

    moves = AgentMove.objects.select_related("agent", "from_department", "to_department")
    assert moves.count() == 3
    for move in moves:
        assert move.applied and move.agent.department == move.to_department
        for interaction in move.agent.interactions.all():
            assert department_on(move.agent, interaction.occurred_at) == interaction.department


def test_seeding_again_keeps_one_sms_survey_and_its_versions():
    seed()
    versions = list(SurveyVersion.objects.values_list("pk", flat=True))

    seed()

    assert Survey.objects.filter(name="SMS quick survey").count() == 1
    assert list(SurveyVersion.objects.values_list("pk", flat=True)) == versions
    assert AgentMove.objects.count() == 3
