"""The sampling policy: should this interaction's customer be invited, and if not, why?

Survey after each interaction until a solid sample exists for the agent, and never wear a
customer out. Checks run in order; the first that applies is the recorded reason:
the platform asked for no invitation (`invite: false`), the interaction is too old to ask
about (a backfill of history), the survey is inactive or off for the channel, the agent's
monthly sample is reached, the customer was surveyed recently.

`reason_for` holds the order; the one-interaction checks below read the database, the
bulk ingest (surveys/ingest.py) answers the same two questions from sets read once per batch.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from agents.models import Agent
from surveys.models import Invitation, Response, SuppressedReason, Survey


def reason_for(
    *,
    survey: Survey,
    channel: str,
    occurred_at: datetime,
    invite: bool = True,
    now: datetime,
    sample_reached: Callable[[], bool],
    fatigued: Callable[[], bool],
) -> str | None:
    """The first reason not to invite, or None. The two callables are asked only when
    their rule is on and every earlier rule passed (they may read the database)."""
    if not invite:
        return SuppressedReason.NOT_REQUESTED
    if too_old(survey=survey, occurred_at=occurred_at, now=now):
        return SuppressedReason.TOO_OLD
    if not survey.active:
        return SuppressedReason.SURVEY_INACTIVE
    if not survey.invites_on(channel):
        return SuppressedReason.CHANNEL_DISABLED
    if survey.agent_monthly_target and sample_reached():
        return SuppressedReason.SAMPLE_REACHED
    if survey.fatigue_days and fatigued():
        return SuppressedReason.FATIGUE
    return None


def too_old(*, survey: Survey, occurred_at: datetime, now: datetime) -> bool:
    """Older than the survey's max_invite_age_hours (0: no limit) at the time it is reported."""
    hours = survey.max_invite_age_hours
    return bool(hours) and occurred_at < now - timedelta(hours=hours)


def suppression_reason(
    *,
    survey: Survey,
    channel: str,
    agent: Agent,
    occurred_at: datetime,
    email: str,
    phone: str,
    invite: bool = True,
    now: datetime | None = None,
) -> str | None:
    """Return a SuppressedReason value, or None when the customer should be invited."""
    return reason_for(
        survey=survey,
        channel=channel,
        occurred_at=occurred_at,
        invite=invite,
        now=now or timezone.now(),
        sample_reached=lambda: agent_month_answers(agent=agent, moment=occurred_at) >= survey.agent_monthly_target,
        fatigued=lambda: recently_invited(email=email, phone=phone, around=occurred_at, days=survey.fatigue_days),
    )


def month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The calendar month containing `moment`, in the deployment's time zone."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def agent_month_answers(*, agent: Agent, moment: datetime) -> int:
    """Answers already collected for the agent's interactions in moment's calendar month."""
    start, end = month_bounds(moment)
    return Response.objects.filter(agent=agent, occurred_at__gte=start, occurred_at__lt=end).count()


def contact_q(*, emails, phones, prefix: str = "interaction__") -> Q:
    """Interactions (or, with the prefix, their invitations) reaching one of these contacts."""
    contact = Q()
    if emails:
        contact |= Q(**{f"{prefix}customer_email__in": list(emails)})
    if phones:
        contact |= Q(**{f"{prefix}customer_phone__in": list(phones)})
    return contact


def recently_invited(*, email: str, phone: str, around: datetime, days: int) -> bool:
    """Was the same email or phone invited for an interaction within `days` of `around`?"""
    contact = contact_q(emails=[email] if email else [], phones=[phone] if phone else [])
    if not contact:
        return False  # anonymous: the platform delivers the link, nothing to match on
    window = timedelta(days=days)
    return (
        Invitation.objects.exclude(status=Invitation.Status.SUPPRESSED)
        .filter(contact, interaction__occurred_at__gt=around - window, interaction__occurred_at__lt=around + window)
        .exists()
    )
