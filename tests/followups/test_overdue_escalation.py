"""A case not resolved by its due time is flagged on the pages and escalated to the admins
by email, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from followups.models import CaseEvent, FollowUpCase
from followups.tasks import sweep_followups

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_case(answer, sam, boss, outbox):
    case = FollowUpCase.objects.get(response=answer(2, 5, why="Still no refund"))
    FollowUpCase.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(hours=1))
    outbox.clear()  # the supervisor's alert
    return case


def test_an_overdue_case_is_escalated_to_the_admins_once(overdue_case, boss, django_user_model, outbox):
    django_user_model.objects.create_user("ops", email="ops@example.com", is_staff=True)
    django_user_model.objects.create_user("ex", email="ex@example.com", is_staff=True, is_active=False)

    sweep_followups.delay()
    sweep_followups.delay()

    assert len(outbox) == 1
    email = outbox[0]
    assert sorted(email.to) == ["boss@example.com", "ops@example.com"]
    assert "1 follow-up case overdue" in email.subject
    assert f"/dashboard/cases/{overdue_case.pk}/" in email.body and "Billing" in email.body
    overdue_case.refresh_from_db()
    assert overdue_case.escalated_at is not None
    assert overdue_case.events.filter(kind=CaseEvent.Kind.ESCALATED).count() == 1


def test_cases_not_yet_due_or_already_resolved_are_not_escalated(answer, sam, boss, outbox):
    upcoming = FollowUpCase.objects.get(response=answer(2, 5))
    resolved = FollowUpCase.objects.get(response=answer(1, 1))
    FollowUpCase.objects.filter(pk=resolved.pk).update(
        status=FollowUpCase.Status.RESOLVED, outcome="Refunded", due_at=timezone.now() - timedelta(days=1)
    )
    outbox.clear()

    sweep_followups.delay()

    assert outbox == []
    assert not FollowUpCase.objects.filter(escalated_at__isnull=False).exists()
    assert not upcoming.is_overdue


def test_mail_server_down_the_escalation_waits_for_the_next_run(
    overdue_case, mail_server_down, mail_server_back, outbox
):
    sweep_followups.delay()

    overdue_case.refresh_from_db()
    assert overdue_case.escalated_at is None
    assert "Email server error" in overdue_case.escalation_error

    mail_server_back()
    sweep_followups.delay()

    overdue_case.refresh_from_db()
    assert overdue_case.escalated_at is not None and overdue_case.escalation_error == ""
    assert [email.to for email in outbox] == [["boss@example.com"]]


def test_overdue_cases_are_flagged_in_the_list_and_on_the_case(client, overdue_case, answer, sam):
    answer(3, 3)  # a second case, not overdue
    client.force_login(sam)

    listing = client.get("/dashboard/cases/").content.decode()
    assert listing.count('class="badge overdue"') == 1
    only_overdue = client.get("/dashboard/cases/?overdue=on").content.decode()
    assert "1 case" in only_overdue and f"Case {overdue_case.pk}<" in only_overdue
    detail = client.get(f"/dashboard/cases/{overdue_case.pk}/").content.decode()
    assert "Overdue" in detail
