"""Use cases that write: record an interaction, open an invitation, store a response."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from surveys import prepared, tokens
from surveys.links import ANSWERABLE
from surveys.models import DeliveryMethod, Interaction, Invitation, Response, Survey, SurveyVersion
from surveys.signals import response_recorded, response_submitted
from surveys.versions import current_version, snapshot

logger = logging.getLogger(__name__)

REMINDER_MAX_ATTEMPTS = 3
# Left in `last_error` of a pending invitation whose delivery task the broker did not
# take: the sweep sends it as soon as it is due, without waiting for the grace period.
NOT_QUEUED = "Not queued: the broker was unreachable; the periodic sweep sends it."


@dataclass(frozen=True)
class InteractionInput:
    """A finished interaction as the platform reports it (already validated)."""

    external_id: str
    channel: str
    agent: str
    source: str = "api"
    agent_name: str = ""
    department: str = ""
    occurred_at: datetime | None = None
    customer_email: str = ""
    customer_phone: str = ""
    customer_name: str = ""
    language: str = ""
    delivery_method: str = ""
    delay_minutes: int | None = None
    handle_seconds: int | None = None
    wait_seconds: int | None = None
    transfers: int | None = None
    resolved: bool | None = None
    tags: list[str] = field(default_factory=list)
    # False records the interaction for coverage and drivers without inviting anyone.
    invite: bool = True


@dataclass(frozen=True)
class Recorded:
    interaction: Interaction
    created: bool


class SurveyClosed(Exception):
    """The invitation can no longer be answered; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "answered" | "expired" | "closed"


def default_survey() -> Survey:
    survey = Survey.objects.filter(is_default=True).first()
    if survey is None:
        try:
            with transaction.atomic():
                survey = Survey.objects.create(name="Default survey", is_default=True)
                snapshot(survey)
        except IntegrityError:  # another request created it first
            survey = Survey.objects.get(is_default=True)
    return survey


def survey_url(invitation: Invitation) -> str:
    return survey_url_of(invitation.token_nonce)


def survey_url_of(nonce: str) -> str:
    """The customer's link for an invitation's token nonce."""
    return settings.PUBLIC_BASE_URL + reverse("survey-page", args=[tokens.token_for(nonce)])


def record_interaction(data: InteractionInput) -> Recorded:
    """Store the interaction and the sampling decision; deliver the invitation after commit.

    Idempotent on (source, external_id): a replay, even a concurrent one, returns the
    interaction stored first and creates nothing. A batch of one for surveys.ingest.
    """
    from surveys.ingest import record_interactions  # ingest imports this module

    return record_interactions([data])[0]


def mark_not_queued(invitation_ids: list[int]) -> int:
    """Pending invitations whose task could not be queued: the next sweep takes them at once."""
    return Invitation.objects.filter(pk__in=invitation_ids, status=Invitation.Status.PENDING, attempts=0).update(
        last_error=NOT_QUEUED
    )


def mark_queued(invitation_ids: list[int]) -> int:
    """The sweep queued them after all: back to the normal grace period."""
    return Invitation.objects.filter(pk__in=invitation_ids, last_error=NOT_QUEUED).update(last_error="")


def delivery_method_for(data: InteractionInput) -> str:
    if data.delivery_method:
        return data.delivery_method
    if data.customer_email:
        return DeliveryMethod.EMAIL
    if data.customer_phone:
        return DeliveryMethod.SMS
    return DeliveryMethod.LINK


def invitation_for_token(token: str) -> Invitation | None:
    if not tokens.looks_like_token(token):
        return None
    return (
        Invitation.objects.select_related("interaction__agent", "interaction__survey", "survey_version")
        .filter(token_hash=tokens.hash_token(token))
        .first()
    )


def check_answerable(invitation: Invitation) -> None:
    """Raise SurveyClosed unless the customer may still answer; mark expiry as it is seen."""
    if invitation.status == Invitation.Status.ANSWERED:
        raise SurveyClosed("answered")
    if invitation.status == Invitation.Status.EXPIRED:
        raise SurveyClosed("expired")
    if not invitation.is_answerable:
        raise SurveyClosed("closed")
    if invitation.expires_at and invitation.expires_at <= timezone.now():
        Invitation.objects.filter(pk=invitation.pk).exclude(status=Invitation.Status.ANSWERED).update(
            status=Invitation.Status.EXPIRED
        )
        raise SurveyClosed("expired")


def mark_opened(invitation: Invitation) -> None:
    """Record the first time the customer opened the link."""
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=now)
    Invitation.objects.filter(
        pk=invitation.pk, status__in=[Invitation.Status.PENDING, Invitation.Status.SENT, Invitation.Status.FAILED]
    ).update(status=Invitation.Status.OPENED)


def version_of(invitation: Invitation) -> SurveyVersion:
    """The survey version the invitation's customer is shown: the one current when the
    invitation was made (older invitations without one: the survey's current version)."""
    if invitation.survey_version_id is not None:
        return invitation.survey_version
    version = current_version(invitation.interaction.survey)
    # Pinned from now on: the customer answers what they were first shown.
    Invitation.objects.filter(pk=invitation.pk, survey_version__isnull=True).update(survey_version=version)
    invitation.survey_version = version
    return version


# One statement claims the invitation and reads what the answer copies from its
# interaction. The row lock it takes makes a concurrent claim wait, then find the status
# changed and claim nothing: one answer per link without a read-then-write.
CLAIM_SQL = (
    f"UPDATE {Invitation._meta.db_table} AS inv SET status = %s, answered_at = %s, "
    "opened_at = COALESCE(inv.opened_at, %s) "
    f"FROM {Interaction._meta.db_table} AS i "
    "WHERE inv.id = %s AND i.id = inv.interaction_id AND inv.status IN (%s, %s, %s, %s) "
    "AND (inv.expires_at IS NULL OR inv.expires_at > %s) "
    "RETURNING i.id AS interaction_id, i.agent_id, i.department_id, i.channel, i.occurred_at, inv.survey_version_id"
)
# On PostgreSQL the claim and the answer's INSERT are one statement (one round trip): the
# INSERT takes its copied columns from the claimed row, so a claim that matched nothing
# inserts nothing and returns no row.
COPIED = ("interaction_id", "agent_id", "department_id", "channel", "occurred_at")
_RESPONSE_FIELDS = [f for f in Response._meta.concrete_fields if not f.primary_key]
CLAIM_AND_INSERT_SQL = (
    f"WITH claimed AS ({CLAIM_SQL}) "
    f"INSERT INTO {Response._meta.db_table} ({', '.join(f.column for f in _RESPONSE_FIELDS)}) "
    "SELECT "
    + ", ".join(
        f"claimed.{f.attname}"
        if f.attname in COPIED
        else "COALESCE(%s, claimed.survey_version_id)"
        if f.attname == "survey_version_id"
        else "%s"
        for f in _RESPONSE_FIELDS
    )
    + f" FROM claimed RETURNING id, {', '.join(COPIED)}, survey_version_id"
)
# SQLite (the embedded mode) cannot return the joined table's columns: claim, then read.
SQLITE_CLAIM_SQL = (
    f"UPDATE {Invitation._meta.db_table} SET status = %s, answered_at = %s, opened_at = COALESCE(opened_at, %s) "
    "WHERE id = %s AND status IN (%s, %s, %s, %s) AND (expires_at IS NULL OR expires_at > %s) "
    "RETURNING interaction_id, survey_version_id"
)


def _claim_params(invitation_id: int, now: datetime) -> list:
    return [Invitation.Status.ANSWERED, now, now, invitation_id, *ANSWERABLE, now]


def _claim_and_insert(response: Response, now: datetime) -> bool:
    """Claim the invitation and store `response` (its copied columns filled in); False if
    the invitation could not be claimed (nothing stored)."""
    values = [
        f.get_db_prep_save(f.pre_save(response, add=True), connection)
        for f in _RESPONSE_FIELDS
        if f.attname not in COPIED
    ]
    with connection.cursor() as cursor:
        prepared.execute(
            cursor, "survey_claim", CLAIM_AND_INSERT_SQL, _claim_params(response.invitation_id, now) + values
        )
        row = cursor.fetchone()
    if row is None:
        return False
    response.pk, *copied, response.survey_version_id = row
    for name, value in zip(COPIED, copied, strict=True):
        setattr(response, name, value)
    response._state.adding = False
    response._state.db = connection.alias
    return True


def _claim_then_insert(response: Response, now: datetime) -> bool:
    """The same in two statements, for SQLite."""
    with connection.cursor() as cursor:
        cursor.execute(SQLITE_CLAIM_SQL, _claim_params(response.invitation_id, now))
        row = cursor.fetchone()
    if row is None:
        return False
    copied = Interaction.objects.values_list("id", "agent_id", "department_id", "channel", "occurred_at").get(pk=row[0])
    for name, value in zip(COPIED, copied, strict=True):
        setattr(response, name, value)
    if response.survey_version_id is None:
        response.survey_version_id = row[1]
    response.save(force_insert=True)
    return True


def submit_response(
    *,
    invitation: Invitation,
    company_score: int,
    agent_score: int,
    why: str,
    language: str,
    extra_answers: dict | None = None,
    survey_version: SurveyVersion | None = None,
    survey_version_id: int | None = None,
) -> Response:
    """Store the customer's answer exactly once; raise SurveyClosed if it cannot be taken.

    `invitation` needs only its `pk`; `survey_version` (or its id) is the version the customer
    answered (default: the invitation's). On PostgreSQL the whole answer is one transaction of four
    statements: the claim with the insert, the listeners' marks (`response_recorded`), commit.
    """
    now = timezone.now()
    response = Response(
        invitation_id=invitation.pk,
        company_score=company_score,
        agent_score=agent_score,
        why=why,
        extra_answers=extra_answers or {},
        survey_version_id=survey_version.pk if survey_version else survey_version_id,
        language=language,
    )
    store = _claim_and_insert if connection.vendor == "postgresql" else _claim_then_insert
    try:
        with transaction.atomic():
            if not store(response, now):
                raise _NotClaimed
            response_recorded.send(sender=Response, response=response)
            transaction.on_commit(lambda: _announce(response), robust=True)
    except _NotClaimed:
        raise SurveyClosed(_why_not_answerable(invitation.pk, now)) from None
    except IntegrityError as exc:  # the database's one-response-per-invitation rule
        raise SurveyClosed("answered") from exc
    return response


class _NotClaimed(Exception):
    """The claim matched no row: rolled back, then the reason is read."""


def _why_not_answerable(invitation_id: int, now: datetime) -> str:
    """Why a claim found nothing to claim; an expiry seen here is recorded."""
    current = Invitation.objects.filter(pk=invitation_id).values("status", "expires_at").first()
    if current is None:
        return "closed"
    if current["status"] == Invitation.Status.ANSWERED:
        return "answered"
    if current["status"] == Invitation.Status.EXPIRED:
        return "expired"
    if current["status"] in ANSWERABLE and current["expires_at"] and current["expires_at"] <= now:
        Invitation.objects.filter(pk=invitation_id, status__in=ANSWERABLE).update(status=Invitation.Status.EXPIRED)
        return "expired"
    return "closed"


def due_invitations(*, now: datetime | None = None, grace: timedelta = timedelta(minutes=2)) -> list[int]:
    """Pending invitations whose (next) send time passed `grace` ago: their task was lost;
    and those due now whose task could not be queued at all (marked NOT_QUEUED).

    `send_after` is the first send time, moved on to the next retry after each failed try.
    The grace keeps the sweep from queueing a second task for an invitation whose first one
    is merely waiting behind others.
    """
    now = now or timezone.now()
    lost = Q(send_after__lte=now - grace) | Q(send_after__lte=now, last_error=NOT_QUEUED)
    return list(
        Invitation.objects.filter(lost, status=Invitation.Status.PENDING)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("send_after")
        .values_list("pk", flat=True)[:500]
    )


def expire_unsent_invitations(*, now: datetime | None = None) -> int:
    """Pending invitations whose link expired before they could be sent are not sent at all."""
    now = now or timezone.now()
    return Invitation.objects.filter(status=Invitation.Status.PENDING, expires_at__lte=now).update(
        status=Invitation.Status.EXPIRED
    )


def due_reminders(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Invitations to remind now: sent by email or SMS, still unanswered and open, sent at
    least the survey's reminder delay ago, not reminded yet (a failing one is tried 3 times)."""
    now = now or timezone.now()
    due: list[int] = []
    for survey in Survey.objects.filter(reminder_enabled=True):
        due += Invitation.objects.filter(
            interaction__survey=survey,
            status__in=[Invitation.Status.SENT, Invitation.Status.OPENED],
            method__in=[DeliveryMethod.EMAIL, DeliveryMethod.SMS],
            reminder_sent_at__isnull=True,
            reminder_attempts__lt=REMINDER_MAX_ATTEMPTS,
            sent_at__lte=now - timedelta(hours=survey.reminder_after_hours),
            expires_at__gt=now,
        ).values_list("pk", flat=True)[: limit - len(due)]
        if len(due) >= limit:
            break
    return due


def refreshed(interaction: Interaction) -> Interaction:
    """The interaction with its invitation as stored now (delivery may have moved it on)."""
    return Interaction.objects.select_related("invitation").get(pk=interaction.pk)


def _announce(response: Response) -> None:
    """Tell listeners (analytics, follow-ups) about a stored answer; one failing listener
    neither stops the others nor reaches the customer (the answer is already stored)."""
    for receiver, result in response_submitted.send_robust(sender=Response, response=response):
        if isinstance(result, Exception):
            logger.error("response_submitted listener %r failed", receiver, exc_info=result)
