"""A detractor answer on either question opens exactly one case, owned by the department
the interaction happened in and assigned to its supervisor; other answers open none."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from followups import services as case_services
from followups.models import CaseEvent, FollowUpCase
from followups.tasks import sweep_followups
from surveys import services
from surveys.signals import response_submitted
from tests.factories import InvitationFactory, ResponseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("company", "agent"), [(3, 9), (9, 3), (6, 10), (10, 6), (0, 0)])
def test_a_detractor_score_on_either_question_opens_a_case(answer, sam, company, agent):
    response = answer(company, agent)

    case = FollowUpCase.objects.get(response=response)
    assert case.status == FollowUpCase.Status.OPEN
    assert case.department.code == "billing"
    assert case.assignee == sam


@pytest.mark.parametrize(("company", "agent"), [(7, 7), (7, 10), (9, 9), (10, 10), (8, 7)])
def test_passives_and_promoters_open_no_case(answer, sam, company, agent):
    answer(company, agent)

    assert FollowUpCase.objects.count() == 0


def test_the_detractor_limit_is_configurable(answer, sam, settings):
    settings.FOLLOWUP_DETRACTOR_MAX = 7

    seven = answer(7, 9)
    eight = answer(8, 9)

    assert FollowUpCase.objects.filter(response=seven).exists()
    assert not FollowUpCase.objects.filter(response=eight).exists()


def test_the_case_is_due_in_48_hours_and_its_history_starts(answer, sam):
    before = timezone.now()
    case = FollowUpCase.objects.get(response=answer(2, 8))

    assert before + timedelta(hours=48) <= case.due_at <= timezone.now() + timedelta(hours=48)
    opened = case.events.get(kind=CaseEvent.Kind.OPENED)
    assert opened.kind == CaseEvent.Kind.OPENED
    assert opened.actor is None
    assert "company 2, agent 8" in opened.text and "sam" in opened.text.lower()


def test_the_due_time_is_configurable(answer, sam, settings):
    settings.FOLLOWUP_DUE_HOURS = 4
    case = FollowUpCase.objects.get(response=answer(2, 8))

    assert case.due_at - case.opened_at == timedelta(hours=4)


def test_a_signal_sent_twice_still_makes_one_case(answer, sam):
    response = answer(1, 1)

    response_submitted.send_robust(sender=type(response), response=response)
    again = case_services.open_case_for(response)

    assert FollowUpCase.objects.filter(response=response).count() == 1
    assert again == FollowUpCase.objects.get(response=response)
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.OPENED).count() == 1


def test_the_database_refuses_a_second_case_for_one_response(answer, sam):
    response = answer(1, 1)
    case = response.followup_case

    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUpCase.objects.create(
            response=response, department=case.department, opened_at=case.opened_at, due_at=case.due_at
        )


def test_the_case_stays_with_the_department_the_agent_worked_in_then(
    django_capture_on_commit_callbacks, budi, sam, claims, claire
):
    invitation = InvitationFactory(interaction__agent=budi)  # Budi still in Billing
    budi.department = claims  # moved before the customer answered
    budi.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = services.submit_response(
            invitation=invitation, company_score=2, agent_score=2, why="", language="en"
        )

    case = FollowUpCase.objects.get(response=response)
    assert case.department.code == "billing"
    assert case.assignee == sam


def test_the_first_supervisor_given_the_department_gets_the_case(answer, billing, sam, django_user_model):
    second = django_user_model.objects.create_user("zed", email="zed@example.com")
    billing.supervisors.add(second)

    case = FollowUpCase.objects.get(response=answer(4, 4))

    assert case.assignee == sam


def test_a_department_without_a_supervisor_leaves_the_case_unassigned(answer, billing):
    case = FollowUpCase.objects.get(response=answer(4, 4))

    assert case.assignee is None
    assert "admins see it" in case.events.get(kind=CaseEvent.Kind.OPENED).text


def test_the_sweep_opens_a_case_whose_signal_was_lost(sam, budi):
    lost = ResponseFactory(invitation__interaction__agent=budi, company_score=3, agent_score=9)
    happy = ResponseFactory(invitation__interaction__agent=budi, company_score=9, agent_score=9)

    result = sweep_followups.delay().get()

    assert result["opened"] == 1
    assert FollowUpCase.objects.get(response=lost).assignee == sam
    assert not FollowUpCase.objects.filter(response=happy).exists()
