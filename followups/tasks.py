"""Celery tasks of follow-ups: thin wrappers around followups services.

These tasks were born in analytics/tasks.py. Messages already queued and beat schedules of
running deployments name them "analytics.tasks.<name>", so each is also registered under
that old name (`legacy=`); new code and CELERY_BEAT_SCHEDULE use "followups.tasks.<name>".
"""

from collections.abc import Callable

from celery import shared_task

from followups import alerts, recovery, rules, services
from nps_project.enqueue import enqueue
from surveys.delivery.dispatch import RetryLater


def followups_task(*, legacy: str | None = None, **options) -> Callable:
    """shared_task under "followups.tasks.<name>", and also under its old name if given."""

    def register(function: Callable):
        if legacy:
            shared_task(name=legacy, **options)(function)
        return shared_task(name=f"followups.tasks.{function.__name__}", **options)(function)

    return register


# --- Follow-up cases ----------------------------------------------------------------------


@followups_task(legacy="analytics.tasks.send_case_alerts", bind=True, acks_late=True, max_retries=None)
def send_case_alerts(self, case_id: int) -> str:
    """Email the supervisors who want new cases at once; retry with backoff (the alert
    rows count the tries and give up after DELIVERY_MAX_RETRIES, then the sweep resends)."""
    try:
        return alerts.send_immediate_alerts(case_id)
    except RetryLater as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc


@followups_task(legacy="analytics.tasks.send_case_digest", bind=True, acks_late=True, max_retries=None)
def send_case_digest(self, user_id: int) -> str:
    try:
        return alerts.send_digest(user_id)
    except RetryLater as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc


@followups_task(legacy="analytics.tasks.send_case_digests")
def send_case_digests() -> int:
    """Hourly: one digest per supervisor who chose it and has new cases."""
    recipients = alerts.digest_recipient_ids()
    for user_id in recipients:
        enqueue(send_case_digest, user_id)
    return len(recipients)


@followups_task(legacy="analytics.tasks.send_recovery_email", bind=True, acks_late=True, max_retries=None)
def send_recovery_email(self, recovery_id: int) -> str:
    try:
        return recovery.deliver(recovery_id)
    except RetryLater as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc


@followups_task(legacy="analytics.tasks.sweep_followups")
def sweep_followups() -> dict:
    """Every 15 minutes: escalate overdue cases and resend what a lost task or an email
    outage left unsent."""
    result = services.sweep()
    for case_id in result.alert_case_ids:
        enqueue(send_case_alerts, case_id)
    for recovery_id in result.recovery_ids:
        enqueue(send_recovery_email, recovery_id)
    return {
        "opened": result.opened,
        "escalated": result.escalated,
        "alerts": len(result.alert_case_ids),
        "recovery": len(result.recovery_ids),
    }


# --- Alert rules -----------------------------------------------------------------------------

ALERT_RETRY_SECONDS = (10, 60, 300)


@followups_task(bind=True, acks_late=True, max_retries=len(ALERT_RETRY_SECONDS))
def deliver_alert(self, firing_id: int) -> str:
    """Send one alert to its channels; channels that may succeed later are retried with
    backoff (the others keep their result on the firing)."""
    if rules.deliver(firing_id) and self.request.retries < len(ALERT_RETRY_SECONDS):
        raise self.retry(countdown=ALERT_RETRY_SECONDS[self.request.retries])
    return "delivered"


@followups_task()
def evaluate_alert_rules() -> int:
    """Hourly: check agent and department rules on the buckets."""
    return rules.evaluate_periodic()
