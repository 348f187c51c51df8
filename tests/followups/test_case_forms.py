"""Working a case through its page: every form rejects bad input with a message next to
the field and stores nothing, and every change lands in the history with who and when."""

import pytest

from followups.models import CaseEvent, FollowUpCase, RecoverySurvey

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(answer, sam, client):
    client.force_login(sam)
    return FollowUpCase.objects.get(response=answer(3, 7))


def post(client, case, data, **kwargs):
    return client.post(f"/dashboard/cases/{case.pk}/", data, **kwargs)


def history(case) -> list[str]:
    return list(case.events.exclude(kind__in=["opened", "alerted"]).values_list("kind", flat=True))


def test_contacted_with_a_note_then_resolved_with_an_outcome(client, case, sam):
    reply = post(
        client, case, {"action": "status", "status-status": "contacted", "status-note": "Called, left a message"}
    )
    assert reply.status_code == 302
    reply = post(
        client, case, {"action": "status", "status-status": "resolved", "status-outcome": "Refund issued"}, follow=True
    )

    assert "The case is now resolved." in reply.content.decode()
    case.refresh_from_db()
    assert case.status == FollowUpCase.Status.RESOLVED
    assert case.outcome == "Refund issued"
    assert case.contacted_at is not None and case.closed_at is not None
    events = list(case.events.filter(kind=CaseEvent.Kind.STATUS))
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        ("open", "contacted", sam),
        ("contacted", "resolved", sam),
    ]
    assert events[0].text == "Called, left a message"
    page = reply.content.decode()
    assert "Open → Contacted" in page and "Called, left a message" in page and "Refund issued" in page


def test_resolving_without_an_outcome_is_refused_and_nothing_is_stored(client, case):
    reply = post(
        client,
        case,
        {"action": "status", "status-status": "resolved", "status-outcome": "  ", "status-note": "Spoke to her"},
    )

    assert reply.status_code == 400
    html = reply.content.decode()
    assert 'id="id_status-outcome-error"' in html and "Write the outcome" in html
    assert "Spoke to her" in html  # what was typed is kept
    case.refresh_from_db()
    assert case.status == FollowUpCase.Status.OPEN and case.outcome == ""
    assert history(case) == []


def test_won_t_fix_also_needs_an_outcome(client, case):
    reply = post(client, case, {"action": "status", "status-status": "wont_fix"})

    assert reply.status_code == 400 and "Write the outcome" in reply.content.decode()
    case.refresh_from_db()
    assert case.status == FollowUpCase.Status.OPEN


def test_a_status_that_cannot_follow_is_refused(client, case):
    post(client, case, {"action": "status", "status-status": "contacted"})

    for status in ("contacted", "open", "lost"):
        reply = post(client, case, {"action": "status", "status-status": status, "status-outcome": "x"})
        assert reply.status_code == 400, status
        assert 'id="id_status-status-error"' in reply.content.decode()
    case.refresh_from_db()
    assert case.status == FollowUpCase.Status.CONTACTED


def test_a_note_cannot_be_empty_or_longer_than_5000_characters(client, case, sam):
    empty = post(client, case, {"action": "note", "note-text": "   "})
    assert empty.status_code == 400 and "Write a note before saving." in empty.content.decode()

    long = post(client, case, {"action": "note", "note-text": "x" * 5001})
    assert long.status_code == 400 and "Keep it to 5000 characters or fewer (this has 5001)" in long.content.decode()

    status_note = post(client, case, {"action": "status", "status-status": "contacted", "status-note": "y" * 5001})
    assert status_note.status_code == 400
    case.refresh_from_db()
    assert case.status == FollowUpCase.Status.OPEN
    assert history(case) == []

    assert post(client, case, {"action": "note", "note-text": "x" * 5000}).status_code == 302
    note = case.events.get(kind=CaseEvent.Kind.NOTE)
    assert note.actor == sam and len(note.text) == 5000


def test_assigning_to_another_supervisor_or_an_admin(client, case, billing, boss, claire, django_user_model):
    ria = django_user_model.objects.create_user("ria", first_name="Ria", last_name="Putri")
    billing.supervisors.add(ria)

    assert post(client, case, {"action": "assign", "assign-assignee": str(ria.pk)}).status_code == 302
    case.refresh_from_db()
    assert case.assignee == ria
    assert case.events.get(kind=CaseEvent.Kind.ASSIGNED).text == "Assigned to Ria Putri."

    outsider = post(client, case, {"action": "assign", "assign-assignee": str(claire.pk)})
    assert outsider.status_code == 400
    assert "Choose a supervisor of this department or an admin." in outsider.content.decode()
    assert post(client, case, {"action": "assign", "assign-assignee": str(boss.pk)}).status_code == 302
    assert post(client, case, {"action": "assign", "assign-assignee": ""}).status_code == 302
    case.refresh_from_db()
    assert case.assignee is None


def test_the_recovery_survey_needs_a_resolved_case(client, case):
    reply = post(
        client,
        case,
        {"action": "status", "status-status": "contacted", "status-send_recovery": "on"},
    )

    assert reply.status_code == 400
    assert "Only a resolved case can send the customer a recovery survey." in reply.content.decode()
    assert not RecoverySurvey.objects.exists()
    assert post(client, case, {"action": "recovery"}).status_code == 400
    assert not RecoverySurvey.objects.exists()


def test_an_unknown_action_is_a_bad_request(client, case):
    assert post(client, case, {"action": "delete"}).status_code == 400


def test_only_admins_resend_alerts(client, case):
    assert post(client, case, {"action": "retry_alert"}).status_code == 403


def test_saving_without_choosing_a_status_asks_for_one(client, case):
    reply = post(client, case, {"action": "status", "status-status": "", "status-note": "hello"})

    assert reply.status_code == 400 and "Choose the new status." in reply.content.decode()
    assert history(case) == []
