"""Weekly digests by email: admins get the company summary, supervisors their departments,
agents with an account their own NPS against team and company (content in
analytics/digest_content.py). Each recipient can switch them off
(kept by followups with the case alert choice, see analytics/digest_hooks.py; on the email
settings page or by the link in the email).

Delivery works like the case alerts (followups/alerts.py): a WeeklyDigest row per
user and week is the queue and the record. The unique (user, week) key means a repeated
beat run or a retried task never sends twice; the row stays locked while sending; each try
is counted with its error; tasks retry with backoff up to DELIVERY_MAX_RETRIES, then the
hourly resend picks up what is still unsent that week. Admins see every row, its status
and last error in the Django admin.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from agents.models import Agent, Department
from analytics import digest_content, digest_hooks
from analytics.digest_content import Week
from analytics.models import DigestAudience, WeeklyDigest
from nps_project.mail import MailFailed, send_email
from surveys.delivery.dispatch import RetryLater, max_attempts, retry_delay

logger = logging.getLogger(__name__)

Status = WeeklyDigest.Status
UNSUBSCRIBE_SALT = "analytics.digests.unsubscribe"
# A digest whose task has not run this long after it was queued is taken as lost.
LOST_TASK_GRACE = timedelta(minutes=10)
RESEND_BATCH = 500


# --- Who gets which digest ---------------------------------------------------------------------


def recipients(audience: str) -> QuerySet:
    """Active users of the audience's role (as agents/roles.py derives it) with an email
    address who have not switched the digest off."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    users = digest_hooks.parts.subscribed(users)
    staff = Q(is_staff=True) | Q(is_superuser=True)
    if audience == DigestAudience.ADMIN:
        return users.filter(staff)
    users = users.exclude(staff)
    if audience == DigestAudience.SUPERVISOR:
        return users.filter(supervised_departments__isnull=False).distinct()
    if audience == DigestAudience.AGENT:
        return users.filter(agent__isnull=False, supervised_departments__isnull=True).distinct()
    raise ValueError(f"unknown audience {audience!r}")


def wants_digest(user: AbstractBaseUser) -> bool:
    return digest_hooks.parts.wants_digest(user)


def set_digest(user: AbstractBaseUser, *, on: bool) -> None:
    """Store the user's choice (followups keeps it with the case alert choice)."""
    digest_hooks.parts.set_digest(user, on=on)


def queue_week(audience: str, *, week: Week | None = None) -> list[int]:
    """Create the week's digest rows for the audience (existing ones are kept as they are)
    and return the ids of those not sent yet."""
    week = week or digest_content.last_complete_week()
    users = list(recipients(audience).values_list("pk", flat=True))
    WeeklyDigest.objects.bulk_create(
        [WeeklyDigest(recipient_id=pk, audience=audience, week=week.start) for pk in users], ignore_conflicts=True
    )
    pending = WeeklyDigest.objects.filter(
        audience=audience, week=week.start, recipient_id__in=users, status=Status.PENDING
    )
    return list(pending.order_by("pk").values_list("pk", flat=True))


def unsent_digests(*, now: datetime | None = None) -> list[int]:
    """This week's digests a lost task or a mail outage left unsent: the hourly resend."""
    now = now or timezone.now()
    week = digest_content.last_complete_week(timezone.localdate(now))
    rows = WeeklyDigest.objects.filter(week=week.start).filter(
        Q(status=Status.PENDING, attempts=0, created_at__lt=now - LOST_TASK_GRACE) | Q(status=Status.FAILED)
    )
    return list(rows.order_by("pk").values_list("pk", flat=True)[:RESEND_BATCH])


# --- Sending --------------------------------------------------------------------------------------


def unsubscribe_token(user: AbstractBaseUser) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def user_for_unsubscribe_token(token: str) -> AbstractBaseUser | None:
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=pk).first()


def _links(user: AbstractBaseUser, week: Week, audience: str) -> dict:
    base = settings.PUBLIC_BASE_URL
    page = reverse("dashboard-me") if audience == DigestAudience.AGENT else reverse("dashboard-overview")
    return {
        "dashboard_url": f"{base}{page}?{week.query}",
        "settings_url": base + reverse("dashboard-digest-settings"),
        "unsubscribe_url": base + reverse("dashboard-digest-unsubscribe", args=[unsubscribe_token(user)]),
        "cases_url": base + reverse("dashboard-cases"),
        "promoters_url": base + reverse("dashboard-promoters"),
        "themes_url": f"{base}{reverse('dashboard-themes')}?{week.query}",
        "week_url": f"{base}{reverse('dashboard-week')}?week={week.start.isoformat()}",
    }


class NothingToSend(Exception):
    """The user no longer has the role this digest was queued for."""


def compose(digest: WeeklyDigest) -> tuple[str, str, dict]:
    """(subject, template, context) of one digest; NothingToSend when the role is gone."""
    user, week = digest.recipient, Week(digest.week)
    context = {"recipient": user, "week": week, "company_name": settings.COMPANY_NAME}
    context |= _links(user, week, digest.audience)
    if digest.audience == DigestAudience.ADMIN:
        if not (user.is_staff or user.is_superuser):
            raise NothingToSend("The user is no longer an admin.")
        summary = digest_content.company_digest(week)
        subject = f"{settings.COMPANY_NAME} NPS, week of {week.label}: {digest_content.signed(summary.company.nps)}"
        return subject, "digest_admin", context | {"digest": summary}
    if digest.audience == DigestAudience.SUPERVISOR:
        departments = list(Department.objects.filter(supervisors=user).order_by("name"))
        if not departments:
            raise NothingToSend("The user no longer supervises a department.")
        summary = digest_content.supervisor_digest(week, departments)
        names = ", ".join(d.name for d in departments)
        return (
            f"Your departments' NPS, week of {week.label}: {names}",
            "digest_supervisor",
            context | {"digest": summary},
        )
    agent = Agent.objects.filter(user=user).select_related("department").first()
    if agent is None:
        raise NothingToSend("The user is no longer linked to an agent.")
    summary = digest_content.agent_digest(week, agent)
    return (
        f"Your NPS, week of {week.label}: {digest_content.signed(summary.own.nps)}",
        "digest_agent",
        context | {"digest": summary},
    )


def send_digest(digest_id: int) -> str:
    """Send one digest once; RetryLater (after recording the failure) to try again."""
    with transaction.atomic():
        digest = (
            WeeklyDigest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=digest_id, status__in=[Status.PENDING, Status.FAILED])
            .first()
        )
        if digest is None:
            return "nothing to send"  # sent, skipped, or another worker is sending it
        user = digest.recipient
        skip = _skip_reason(user)
        error = ""
        if not skip:
            try:
                subject, template, context = compose(digest)
                send_email(
                    to=[user.email],
                    subject=subject,
                    template=template,
                    context=context,
                    headers={"List-Unsubscribe": f"<{context['unsubscribe_url']}>"},
                )
            except NothingToSend as exc:
                skip = str(exc)
            except MailFailed as exc:
                error = str(exc)
            except Exception as exc:  # a bug composing it: record it like a failure, never loop silently
                logger.exception("Could not compose weekly digest %s", digest_id)
                error = f"Could not compose the digest: {exc!r}"
        if skip:
            digest.status, digest.last_error = Status.SKIPPED, skip
        else:
            digest.attempts += 1
            digest.last_error = error[:2000]
            if error:
                digest.status = Status.FAILED if digest.attempts >= max_attempts() else Status.PENDING
            else:
                digest.status, digest.sent_at = Status.SENT, timezone.now()
        digest.save(update_fields=["status", "attempts", "last_error", "sent_at"])
    if skip:
        return "skipped"
    if not error:
        return "sent"
    if digest.attempts < max_attempts():
        raise RetryLater(error, retry_in=retry_delay(digest.attempts))
    logger.warning("Weekly digest %s not sent after %s attempts: %s", digest_id, digest.attempts, error)
    return "failed"


def _skip_reason(user: AbstractBaseUser) -> str:
    if not user.is_active:
        return "The user is inactive."
    if not user.email:
        return "The user has no email address."
    if not wants_digest(user):
        return "The user switched the weekly digest off."
    return ""
