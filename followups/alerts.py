"""Emails about follow-up cases: the supervisors' alert when a case opens (at once or in an
hourly digest, each supervisor's choice) and the admins' escalation of overdue cases.

Unsent CaseAlert rows are the queue, so a mail server that is down loses nothing: every
try is counted on the row with its error, the case keeps a summary for admins
(alert_sent_at, alert_error), tasks retry with backoff, and the periodic sweep resends
what they gave up on. Rows stay locked while sending, so no alert goes out twice.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone

from followups.models import CaseAlert, CaseAlertMode, CaseEvent, FollowUpCase, NotificationPreference
from followups.signals import alert_fired
from nps_project.mail import MailFailed, send_email
from surveys.delivery.dispatch import RetryLater, max_attempts, retry_delay

logger = logging.getLogger(__name__)

# An alert whose task has not run this long after the case opened is taken as lost.
LOST_TASK_GRACE = timedelta(minutes=2)
ESCALATION_BATCH = 200


def case_url(case: FollowUpCase) -> str:
    return settings.PUBLIC_BASE_URL + reverse("dashboard-case", args=[case.pk])


def preference_for(user: AbstractBaseUser) -> str:
    preference = NotificationPreference.objects.filter(user=user).values_list("case_alerts", flat=True).first()
    return preference or CaseAlertMode.IMMEDIATE


def create_alerts(case: FollowUpCase, supervisors: list[AbstractBaseUser]) -> list[CaseAlert]:
    """Queue one alert per supervisor who has an email address and has not switched alerts off."""
    modes = dict(NotificationPreference.objects.filter(user__in=supervisors).values_list("user_id", "case_alerts"))
    rows = [
        CaseAlert(case=case, recipient=user, mode=modes.get(user.pk, CaseAlertMode.IMMEDIATE))
        for user in supervisors
        if user.email and modes.get(user.pk, CaseAlertMode.IMMEDIATE) != CaseAlertMode.OFF
    ]
    return CaseAlert.objects.bulk_create(rows)


def _case_context(case: FollowUpCase) -> dict:
    response = case.response
    return {
        "case": case,
        "response": response,
        "agent": response.agent,
        "interaction": response.interaction,
        "url": case_url(case),
        "company": settings.COMPANY_NAME,
    }


def _pending(**filters) -> list[CaseAlert]:
    """Unsent alerts, locked; rows another worker is sending are skipped."""
    return list(
        CaseAlert.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related(
            "recipient",
            "case__department",
            "case__assignee",
            "case__response__agent",
            "case__response__interaction",
        )
        .filter(sent_at__isnull=True, **filters)
        .order_by("pk")
    )


def _record(alerts: list[CaseAlert], *, now: datetime, error: str, event_text: str) -> None:
    for alert in alerts:
        alert.attempts += 1
        alert.last_error = error[:2000]
        if not error:
            alert.sent_at = now
            CaseEvent.record(alert.case, CaseEvent.Kind.ALERTED, text=event_text, at=now)
    CaseAlert.objects.bulk_update(alerts, ["attempts", "last_error", "sent_at"])


def _summarise(case_ids: set[int]) -> None:
    """Keep the case's alert_sent_at (first alert out) and alert_error (a failure still pending)."""
    for case_id in case_ids:
        rows = CaseAlert.objects.filter(case_id=case_id)
        first_sent = rows.aggregate(first=Min("sent_at"))["first"]
        failing = (
            rows.filter(sent_at__isnull=True)
            .exclude(last_error="")
            .order_by("-pk")
            .values_list("recipient__email", "last_error")
            .first()
        )
        error = f"{failing[0]}: {failing[1]}" if failing else ""
        FollowUpCase.objects.filter(pk=case_id).update(alert_sent_at=first_sent, alert_error=error)


def _retry_or_give_up(failed: list[CaseAlert], what: str) -> str:
    if not failed:
        return "sent"
    attempts = min(alert.attempts for alert in failed)
    if attempts < max_attempts():
        raise RetryLater(failed[0].last_error, retry_in=retry_delay(attempts))
    logger.warning("%s not sent after %s attempts: %s", what, attempts, failed[0].last_error)
    return "failed"


def send_immediate_alerts(case_id: int) -> str:
    """Email each supervisor who wants it at once about a new case; RetryLater on failure."""
    now = timezone.now()
    failed = []
    with transaction.atomic():
        alerts = _pending(case_id=case_id, mode=CaseAlertMode.IMMEDIATE)
        if not alerts:
            return "nothing to send"
        for alert in alerts:
            user = alert.recipient
            error = ""
            try:
                if not user.email:
                    raise MailFailed("The user has no email address.")
                send_email(
                    to=[user.email],
                    subject=f"New follow-up case in {alert.case.department.name}: "
                    f"{alert.case.response.company_score}/{alert.case.response.agent_score}",
                    template="case_alert",
                    context={**_case_context(alert.case), "recipient": user},
                )
            except MailFailed as exc:
                error = str(exc)
                failed.append(alert)
            _record([alert], now=now, error=error, event_text=f"Emailed {_name(user)} ({user.email}).")
        if len(failed) < len(alerts):  # an alert went out: tell listeners (webhooks, chat tools)
            case, response = alerts[0].case, alerts[0].case.response
            fired = {
                "rule": "detractor",
                "subject": f"Detractor answer in {case.department.name}",
                "text": f"Company {response.company_score}/10, agent {response.agent_score}/10. {response.why}",
                "url": case_url(case),
                "case_id": case_id,
            }
            transaction.on_commit(partial(alert_fired.send_robust, sender=FollowUpCase, alert=fired))
    _summarise({case_id})
    return _retry_or_give_up(failed, f"Alert for case {case_id}")


def digest_recipient_ids() -> list[int]:
    """Users with cases waiting for their hourly digest."""
    pending = CaseAlert.objects.filter(mode=CaseAlertMode.HOURLY, sent_at__isnull=True)
    return sorted(set(pending.values_list("recipient_id", flat=True)))


def send_digest(user_id: int) -> str:
    """One email listing every case waiting for this user's digest; RetryLater on failure."""
    now = timezone.now()
    with transaction.atomic():
        alerts = _pending(recipient_id=user_id, mode=CaseAlertMode.HOURLY)
        if not alerts:
            return "nothing to send"
        user = alerts[0].recipient
        error = ""
        try:
            if not user.email:
                raise MailFailed("The user has no email address.")
            send_email(
                to=[user.email],
                subject=f"{len(alerts)} new follow-up case{'s' if len(alerts) != 1 else ''} in the last hour",
                template="case_digest",
                context={
                    "recipient": user,
                    "cases": [_case_context(alert.case) for alert in alerts],
                    "url": settings.PUBLIC_BASE_URL + reverse("dashboard-cases-mine"),
                },
            )
        except MailFailed as exc:
            error = str(exc)
        _record(alerts, now=now, error=error, event_text=f"In {_name(user)}'s hourly digest ({user.email}).")
    _summarise({alert.case_id for alert in alerts})
    return _retry_or_give_up(alerts if error else [], f"Digest for user {user_id}")


def cases_with_unsent_alerts(*, now: datetime | None = None) -> list[int]:
    """Open cases whose immediate alert a task lost or gave up on: the sweep resends them."""
    now = now or timezone.now()
    rows = CaseAlert.objects.filter(
        Q(attempts=0, created_at__lt=now - LOST_TASK_GRACE) | Q(attempts__gte=max_attempts()),
        mode=CaseAlertMode.IMMEDIATE,
        sent_at__isnull=True,
        case__status__in=FollowUpCase.ACTIVE,
    )
    return sorted(set(rows.values_list("case_id", flat=True)[:500]))


def admin_emails() -> list[str]:
    users = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def escalate_overdue(*, now: datetime | None = None) -> int:
    """Tell the admins, once, about cases past their due time and still not resolved.

    One email lists every newly overdue case; escalated_at is set only once it is sent,
    so a mail outage means a later run tries again (the error stays on the case).
    """
    now = now or timezone.now()
    with transaction.atomic():
        cases = list(
            FollowUpCase.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("department", "assignee", "response__agent", "response__interaction")
            .filter(status__in=FollowUpCase.ACTIVE, due_at__lt=now, escalated_at__isnull=True)
            .order_by("due_at")[:ESCALATION_BATCH]
        )
        if not cases:
            return 0
        recipients = admin_emails()
        try:
            if recipients:
                send_email(
                    to=recipients,
                    subject=f"{len(cases)} follow-up case{'s' if len(cases) != 1 else ''} overdue",
                    template="case_escalation",
                    context={
                        "cases": [_case_context(case) for case in cases],
                        "url": settings.PUBLIC_BASE_URL + reverse("dashboard-cases") + "?overdue=on",
                    },
                )
        except MailFailed as exc:
            FollowUpCase.objects.filter(pk__in=[c.pk for c in cases]).update(escalation_error=str(exc)[:2000])
            logger.warning("Overdue cases not escalated: %s", exc)
            return 0
        note = f"Emailed {len(recipients)} admin(s)." if recipients else "No admin has an email address."
        FollowUpCase.objects.filter(pk__in=[c.pk for c in cases]).update(
            escalated_at=now, escalation_error="" if recipients else note
        )
        for case in cases:
            CaseEvent.record(case, CaseEvent.Kind.ESCALATED, text=f"Overdue. {note}", at=now)
    return len(cases)


def _name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()
