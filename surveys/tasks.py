"""Celery tasks of the survey loop: thin wrappers around services."""

from collections import Counter

from celery import shared_task

from nps_project.enqueue import enqueue
from surveys import services
from surveys.delivery import dispatch


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_invitation(self, invitation_id: int) -> str:
    """Send one invitation; on a transient failure retry with exponential backoff.

    The invitation counts its own attempts and gives up after DELIVERY_MAX_RETRIES
    retries, so Celery's retry limit is not used (a task re-sent by the sweep continues
    the count instead of starting over).
    """
    try:
        return dispatch.deliver_invitation(invitation_id)
    except dispatch.RetryLater as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc


@shared_task(acks_late=True)
def deliver_invitations(invitation_ids: list[int]) -> dict[str, int]:
    """Send a chunk of invitations queued by one ingest (one task per chunk, not per send).

    Each invitation is tried once here, exactly as deliver_invitation would; one that fails
    transiently continues on its own deliver_invitation task with the usual backoff.
    """
    outcomes: Counter[str] = Counter()
    for invitation_id in invitation_ids:
        try:
            outcomes[dispatch.deliver_invitation(invitation_id)] += 1
        except dispatch.RetryLater as exc:
            enqueue(deliver_invitation, invitation_id, countdown=exc.retry_in)
            outcomes["retrying"] += 1
    return dict(outcomes)


@shared_task
def send_due_invitations() -> int:
    """Periodic sweep: expire what can no longer be sent, enqueue what is overdue."""
    services.expire_unsent_invitations()
    due = services.due_invitations()
    queued = [invitation_id for invitation_id in due if enqueue(deliver_invitation, invitation_id)]
    services.mark_queued(queued)
    return len(due)


@shared_task(acks_late=True)
def send_invitation_reminder(invitation_id: int) -> str:
    """Remind one customer who has not answered (at most once; see dispatch.send_reminder)."""
    return dispatch.send_reminder(invitation_id)


@shared_task
def send_due_reminders() -> int:
    """Periodic sweep: enqueue a reminder for each invitation whose reminder is due."""
    due = services.due_reminders()
    for invitation_id in due:
        enqueue(send_invitation_reminder, invitation_id)
    return len(due)
