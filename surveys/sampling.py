"""The sampling policy: should this interaction's customer be invited, and if not, why?

Survey after each interaction until a solid sample exists for the agent, and never wear a
customer out. Checks run in order; the first that applies is the recorded reason.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from agents.models import Agent
from surveys.models import Invitation, Response, SuppressedReason, Survey


def suppression_reason(
    *, survey: Survey, channel: str, agent: Agent, occurred_at: datetime, email: str, phone: str
) -> str | None:
    """Return a SuppressedReason value, or None when the customer should be invited."""
    if not survey.active:
        return SuppressedReason.SURVEY_INACTIVE
    if not survey.invites_on(channel):
        return SuppressedReason.CHANNEL_DISABLED
    if (
        survey.agent_monthly_target
        and agent_month_answers(agent=agent, moment=occurred_at) >= survey.agent_monthly_target
    ):
        return SuppressedReason.SAMPLE_REACHED
    if survey.fatigue_days and recently_invited(email=email, phone=phone, around=occurred_at, days=survey.fatigue_days):
        return SuppressedReason.FATIGUE
    return None


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


def recently_invited(*, email: str, phone: str, around: datetime, days: int) -> bool:
    """Was the same email or phone invited for an interaction within `days` of `around`?"""
    contact = Q()
    if email:
        contact |= Q(interaction__customer_email=email)
    if phone:
        contact |= Q(interaction__customer_phone=phone)
    if not contact:
        return False  # anonymous: the platform delivers the link, nothing to match on
    window = timedelta(days=days)
    return (
        Invitation.objects.exclude(status=Invitation.Status.SUPPRESSED)
        .filter(contact, interaction__occurred_at__gt=around - window, interaction__occurred_at__lt=around + window)
        .exists()
    )
