"""Which survey an interaction gets: the most specific rule of an active survey wins
(department + channel > department > channel), else the default survey; and that survey's
own settings decide the invitation (sampling, fatigue, expiry, delay)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from surveys.assignment import survey_for
from surveys.models import Invitation, Survey
from surveys.services import InteractionInput, default_survey, record_interaction
from tests.factories import DepartmentFactory, OtherSurveyFactory, SurveyAssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules():
    billing = DepartmentFactory(code="billing", name="Billing")
    claims = DepartmentFactory(code="claims", name="Claims")
    surveys = {
        "default": default_survey(),
        "billing": SurveyAssignmentFactory(survey__name="Billing", department=billing).survey,
        "sms": SurveyAssignmentFactory(survey__name="SMS", channel="sms").survey,
        "billing sms": SurveyAssignmentFactory(survey__name="Billing SMS", department=billing, channel="sms").survey,
    }
    return billing, claims, surveys


@pytest.mark.parametrize(
    ("department", "channel", "expected"),
    [
        ("billing", "sms", "billing sms"),  # department + channel beats both
        ("billing", "phone", "billing"),  # department beats the default
        ("claims", "sms", "sms"),  # channel beats the default
        ("claims", "phone", "default"),  # nothing matches
    ],
)
def test_the_most_specific_rule_wins(rules, department, channel, expected):
    billing, claims, surveys = rules
    chosen = survey_for(department={"billing": billing, "claims": claims}[department], channel=channel)
    assert chosen == surveys[expected]


def test_department_beats_channel_when_both_match_separately(rules):
    billing, _claims, surveys = rules
    Survey.objects.filter(pk=surveys["billing sms"].pk).update(active=False)

    assert survey_for(department=billing, channel="sms") == surveys["billing"]


def test_an_inactive_surveys_rules_fall_through_to_the_default(rules):
    _billing, claims, surveys = rules
    Survey.objects.filter(pk=surveys["sms"].pk).update(active=False)

    assert survey_for(department=claims, channel="sms") == surveys["default"]


def test_record_interaction_stores_the_chosen_survey_and_its_version(rules):
    _billing, _claims, surveys = rules

    recorded = record_interaction(
        InteractionInput(external_id="sms-1", channel="sms", agent="a-1", department="claims", delivery_method="link")
    )

    interaction = recorded.interaction
    assert interaction.survey == surveys["sms"]
    assert interaction.invitation.survey_version == surveys["sms"].versions.get()


def interaction(external_id: str, *, channel: str = "sms", email: str = "sari@example.com", **extra):
    return record_interaction(
        InteractionInput(
            external_id=external_id,
            channel=channel,
            agent="a-1",
            department="claims",
            customer_email=email,
            delivery_method="link",
            **extra,
        )
    ).interaction


def test_the_chosen_surveys_sampling_settings_decide(rules):
    _billing, _claims, surveys = rules
    Survey.objects.filter(pk=surveys["default"].pk).update(fatigue_days=30, link_expiry_days=7)
    Survey.objects.filter(pk=surveys["sms"].pk).update(fatigue_days=0, link_expiry_days=2, send_delay_minutes=30)

    first, second = interaction("sms-1"), interaction("sms-2")  # same customer twice on SMS: no fatigue window
    phone_1 = interaction("call-1", channel="phone", email="ana@example.com")
    phone_2 = interaction("call-2", channel="phone", email="ana@example.com")  # the default survey's 30 days

    assert first.invitation.status == second.invitation.status == Invitation.Status.SENT
    assert phone_1.invitation.status == Invitation.Status.SENT
    assert (phone_2.invitation.status, phone_2.invitation.suppressed_reason) == ("suppressed", "fatigue")
    sent = first.invitation
    assert sent.send_after - sent.created_at == pytest.approx(timedelta(minutes=30), abs=timedelta(seconds=5))
    assert sent.expires_at - sent.send_after == timedelta(days=2)
    assert phone_1.invitation.expires_at - phone_1.invitation.send_after == timedelta(days=7)


def test_the_chosen_surveys_channels_and_activity_decide(rules):
    _billing, _claims, surveys = rules
    Survey.objects.filter(pk=surveys["sms"].pk).update(invite_sms=False)
    Survey.objects.filter(pk=surveys["default"].pk).update(active=False)

    on_sms = interaction("sms-1")
    on_phone = interaction("call-1", channel="phone", email="ana@example.com")

    assert on_sms.survey == surveys["sms"] and on_sms.invitation.suppressed_reason == "channel_disabled"
    assert on_phone.survey == surveys["default"] and on_phone.invitation.suppressed_reason == "survey_inactive"


def test_the_monthly_sample_target_of_the_chosen_survey_applies(rules):
    from tests.factories import ResponseFactory

    _billing, _claims, surveys = rules
    Survey.objects.filter(pk=surveys["sms"].pk).update(agent_monthly_target=1)
    first = interaction("sms-1", occurred_at=timezone.now())
    ResponseFactory(invitation=first.invitation, interaction=first)

    second = interaction("sms-2", email="ana@example.com", occurred_at=timezone.now())
    third = interaction("call-3", channel="phone", email="ben@example.com", occurred_at=timezone.now())

    assert second.invitation.suppressed_reason == "sample_reached"
    assert third.invitation.status == Invitation.Status.SENT  # the default survey has no target


def test_a_department_rule_applies_to_a_department_the_platform_names_for_the_first_time(db):
    default_survey()
    survey = OtherSurveyFactory(name="New team")
    SurveyAssignmentFactory(survey=survey, department=DepartmentFactory(code="new-team"))

    recorded = record_interaction(
        InteractionInput(external_id="c-1", channel="chat", agent="a-9", department="new-team", delivery_method="link")
    )

    assert recorded.interaction.survey == survey
