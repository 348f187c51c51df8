"""What each event says: the `data` of {"type", "timestamp", "data"} (DESIGN.md, **contract**).

Built when the event happens, with one query, and stored on the delivery rows: retries and
replays send exactly what the receiver would have got the first time.
"""

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from analytics.nps import category
from followups.models import FollowUpCase
from integrations.models import TEST_EVENT, WebhookEvent
from surveys.models import Response

EVENT_TYPES = tuple(WebhookEvent.values)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def envelope(event_type: str, data: dict[str, Any], *, at: datetime | None = None) -> dict[str, Any]:
    """The JSON body a standard receiver gets."""
    return {"type": event_type, "timestamp": _iso(at or timezone.now()), "data": data}


def case_url(case_id: int) -> str:
    return settings.PUBLIC_BASE_URL + reverse("dashboard-case", args=[case_id])


def _answer(response: Response) -> dict[str, Any]:
    interaction = response.interaction
    return {
        "interaction": interaction.external_id,
        "source": interaction.source,
        "channel": response.channel,
        "agent": response.agent.external_id,
        "agent_name": response.agent.name or response.agent.external_id,
        "department": response.department.code,
        "company_score": response.company_score,
        "agent_score": response.agent_score,
        "company_category": category(response.company_score),
        "agent_category": category(response.agent_score),
        "why": response.why,
        "language": response.language,
        "occurred_at": _iso(response.occurred_at),
        "submitted_at": _iso(response.submitted_at),
    }


def response_created(response_id: int) -> dict[str, Any] | None:
    response = Response.objects.select_related("interaction", "agent", "department").filter(pk=response_id).first()
    if response is None:
        return None
    return {"id": response.pk, **_answer(response)}


def case_data(case_id: int) -> dict[str, Any] | None:
    """case.opened and case.resolved: the case, where to open it, and the answer behind it."""
    case = (
        FollowUpCase.objects.select_related(
            "department", "assignee", "response__interaction", "response__agent", "response__department"
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        return None
    return {
        "id": case.pk,
        "status": case.status,
        "department": case.department.code,
        "assignee": case.assignee.get_username() if case.assignee else None,
        "opened_at": _iso(case.opened_at),
        "due_at": _iso(case.due_at),
        "closed_at": _iso(case.closed_at),
        "outcome": case.outcome,
        "url": case_url(case.pk),
        "response": {"id": case.response_id, **_answer(case.response)},
    }


def alert_data(alert: dict[str, Any]) -> dict[str, Any]:
    """alert.fired: the alert as sent (rule, subject, text, url, case_id); JSON-safe."""
    return {key: alert.get(key) for key in ("rule", "subject", "text", "url", "case_id")}


def test_data(subscription_id: int) -> dict[str, Any]:
    return {
        "subscription": subscription_id,
        "text": "A test event from NPS Desk: this receiver is set up correctly.",
        "url": settings.PUBLIC_BASE_URL + reverse("manage-webhooks"),
    }


def is_known(event_type: str) -> bool:
    return event_type in EVENT_TYPES or event_type == TEST_EVENT
