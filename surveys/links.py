"""A survey link as the public page sees it: one SELECT, no ORM models on the hot path.

Every customer request (the page, the answer, the thank-you page) starts here, so the
lookup is one hand-written statement over the invitation, its interaction, agent, survey
and pinned version, returning plain values.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from agents.models import Agent
from surveys import prepared, tokens
from surveys.models import Interaction, Invitation, Survey, SurveyVersion

ANSWERABLE = (
    Invitation.Status.PENDING,
    Invitation.Status.SENT,
    Invitation.Status.OPENED,
    Invitation.Status.FAILED,
)
NOT_YET_OPENED = (Invitation.Status.PENDING, Invitation.Status.SENT, Invitation.Status.FAILED)

LINK_SQL = (
    "SELECT inv.id, inv.status, inv.expires_at, inv.opened_at, inv.language, inv.survey_version_id, v.content, "
    "s.default_language, s.display_name, s.logo_url, s.accent_colour, s.privacy_url, a.name, a.external_id "
    f"FROM {Invitation._meta.db_table} inv "
    f"JOIN {Interaction._meta.db_table} i ON i.id = inv.interaction_id "
    f"JOIN {Agent._meta.db_table} a ON a.id = i.agent_id "
    f"JOIN {Survey._meta.db_table} s ON s.id = i.survey_id "
    f"LEFT JOIN {SurveyVersion._meta.db_table} v ON v.id = inv.survey_version_id "
    "WHERE inv.token_hash = %s"
)
OPEN_SQL = (
    f"UPDATE {Invitation._meta.db_table} SET opened_at = COALESCE(opened_at, %s), "
    "status = CASE WHEN status IN (%s, %s, %s) THEN %s ELSE status END WHERE id = %s"
)


@dataclass(frozen=True)
class SurveyLink:
    """What the page needs of one invitation; `pk` is the invitation's id."""

    pk: int
    token_hash: str
    status: str
    expires_at: datetime | None
    opened_at: datetime | None
    language: str
    survey_version_id: int | None
    content: dict | None  # the pinned version's content; None for old unpinned invitations
    default_language: str
    brand_name: str
    logo_url: str
    accent_colour: str
    privacy_url: str
    agent_first_name: str

    def closed_reason(self, now: datetime | None = None) -> str | None:
        """Why it cannot be answered ("answered", "expired", "closed"), or None if it can."""
        if self.status == Invitation.Status.ANSWERED:
            return "answered"
        if self.status == Invitation.Status.EXPIRED:
            return "expired"
        if self.status not in ANSWERABLE:
            return "closed"
        if self.expires_at and self.expires_at <= (now or timezone.now()):
            return "expired"
        return None


def find(token: str) -> SurveyLink | None:
    """The link of this token, or None for a token that is malformed or unknown."""
    if not tokens.looks_like_token(token):
        return None
    token_hash = tokens.hash_token(token)
    with connection.cursor() as cursor:
        prepared.execute(cursor, "survey_link", LINK_SQL, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, status, expires_at, opened_at, language, version_id, content, default_language, *rest = row
    display_name, logo_url, accent_colour, privacy_url, agent_name, agent_external_id = rest
    if isinstance(content, str):  # SQLite hands JSON back as text
        content = json.loads(content)
    if connection.vendor == "sqlite":
        expires_at, opened_at = (_aware(v) for v in (expires_at, opened_at))
    return SurveyLink(
        pk=pk,
        token_hash=token_hash,
        status=status,
        expires_at=expires_at,
        opened_at=opened_at,
        language=language,
        survey_version_id=version_id,
        content=content,
        default_language=default_language,
        brand_name=display_name or settings.COMPANY_NAME,
        logo_url=logo_url,
        accent_colour=accent_colour,
        privacy_url=privacy_url,
        agent_first_name=Agent(name=agent_name, external_id=agent_external_id).first_name,
    )


def _aware(value) -> datetime | None:
    """SQLite returns raw text or naive UTC datetimes from a raw cursor."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def mark_opened(link: SurveyLink) -> None:
    """Record the first opening (one UPDATE, and none at all once it is recorded)."""
    if link.opened_at is not None and link.status not in NOT_YET_OPENED:
        return
    with connection.cursor() as cursor:
        params = [timezone.now(), *NOT_YET_OPENED, Invitation.Status.OPENED, link.pk]
        prepared.execute(cursor, "survey_link_opened", OPEN_SQL, params)


def mark_expired(link: SurveyLink) -> None:
    """An expiry seen on the page is recorded (an answer that won the race stays answered)."""
    Invitation.objects.filter(pk=link.pk, status__in=ANSWERABLE).update(status=Invitation.Status.EXPIRED)
