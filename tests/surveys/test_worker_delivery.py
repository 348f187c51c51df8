"""A real Celery worker on the Redis broker delivers the invitation a platform's report created."""

import pytest

from surveys.models import Invitation
from surveys.tasks import deliver_invitation
from tests.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_emails_the_invitation_for_a_reported_interaction(celery_worker_process, api):
    reply = api.post(
        "/api/v1/interactions/",
        {
            "external_id": "genesys-4711",
            "source": "genesys",
            "channel": "phone",
            "agent": "agent-42",
            "agent_name": "Putri Ayu",
            "customer": {"email": "andi@example.com", "name": "Andi", "language": "id"},
        },
        format="json",
    )
    assert reply.status_code == 201, reply.content
    link = reply.json()["invitation"]["url"]

    def sent_invitation():
        invitation = Invitation.objects.get(interaction__external_id="genesys-4711")
        return invitation if invitation.status == Invitation.Status.SENT else None

    invitation = wait_until(sent_invitation, timeout=30)
    assert invitation.attempts == 1
    assert invitation.last_error == ""
    assert invitation.sent_at is not None

    mails = wait_until(celery_worker_process.mails, timeout=10)
    assert len(mails) == 1
    (message,) = mails
    assert "To: andi@example.com" in message
    assert link in message
    assert "Putri" in message
    assert "succeeded" in celery_worker_process.log_text()


def test_worker_skips_an_invitation_already_sent(celery_worker_process, api):
    """A duplicate task (the sweep and the original both ran) sends nothing twice."""
    reply = api.post(
        "/api/v1/interactions/",
        {"external_id": "chat-9", "channel": "chat", "agent": "agent-42", "customer": {"email": "rudi@example.com"}},
        format="json",
    )
    assert reply.status_code == 201, reply.content
    invitation = wait_until(
        lambda: Invitation.objects.filter(interaction__external_id="chat-9", status=Invitation.Status.SENT).first(),
        timeout=30,
    )
    deliver_invitation.delay(invitation.pk)
    wait_until(lambda: "skipped (sent)" in celery_worker_process.log_text(), timeout=20)

    assert len(celery_worker_process.mails()) == 1
    invitation.refresh_from_db()
    assert invitation.attempts == 1


def test_worker_emails_the_invitations_of_a_bulk_report_in_chunks(celery_worker_process, api):
    """A bulk report queues one task per chunk of invitations; the worker sends each once."""
    batch = [
        {"external_id": f"bulk-{n}", "channel": "chat", "agent": "agent-42", "customer": {"email": f"c{n}@example.com"}}
        for n in range(3)
    ]
    reply = api.post("/api/v1/interactions/bulk/", batch, format="json")
    assert reply.status_code == 200, reply.content
    assert reply.json()["created"] == 3

    wait_until(lambda: Invitation.objects.filter(status=Invitation.Status.SENT).count() == 3 or None, timeout=30)
    mails = wait_until(lambda: len(celery_worker_process.mails()) == 3 and celery_worker_process.mails(), timeout=10)
    assert sorted(m.split("To: ", 1)[1].split("\n", 1)[0] for m in mails) == [f"c{n}@example.com" for n in range(3)]
    assert "deliver_invitations" in celery_worker_process.log_text()
    assert set(Invitation.objects.values_list("attempts", flat=True)) == {1}
