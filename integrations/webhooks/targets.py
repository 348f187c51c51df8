"""The body each kind of receiver gets for an event.

standard: the Standard Webhooks JSON {"type", "timestamp", "data"} as stored.
slack: a Slack incoming-webhook message (mrkdwn text and blocks, a link to the case).
teams: a Microsoft Teams message with an Adaptive Card in the `attachments` envelope
(what Teams' Workflows "post to a channel when a webhook request is received" expects).
Detractor events (case.opened, alert.fired) become an alert with the scores, the why and
a link; the other events a one-line summary.
"""

from typing import Any

from django.conf import settings

from integrations.models import WebhookSubscription

Target = WebhookSubscription.Target
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
WHY_MAX = 500


def body_for(target: str, payload: dict[str, Any]) -> dict[str, Any]:
    if target == Target.SLACK:
        return slack_message(payload)
    if target == Target.TEAMS:
        return teams_message(payload)
    return payload


# --- What to say, whatever the tool ------------------------------------------------------------


def _clip(text: str, limit: int = WHY_MAX) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _alert(payload: dict[str, Any]) -> dict[str, Any] | None:
    """Title, facts, quote and link of a detractor alert; None for other events."""
    data = payload.get("data") or {}
    if payload.get("type") == "case.opened":
        answer = data.get("response") or {}
        return {
            "title": f"Detractor answer: follow-up case {data.get('id')} opened",
            "facts": [
                ("Company score", f"{answer.get('company_score')}/10"),
                ("Agent score", f"{answer.get('agent_score')}/10"),
                ("Agent", answer.get("agent_name") or answer.get("agent") or ""),
                ("Department", data.get("department") or ""),
                ("Due", data.get("due_at") or ""),
            ],
            "quote": _clip(answer.get("why") or ""),
            "url": data.get("url") or "",
            "link_text": f"Open case {data.get('id')}",
        }
    if payload.get("type") == "alert.fired":
        return {
            "title": data.get("subject") or "Detractor alert",
            "facts": [],
            "quote": _clip(data.get("text") or ""),
            "url": data.get("url") or "",
            "link_text": f"Open case {data['case_id']}" if data.get("case_id") else "Open",
        }
    return None


def summary(payload: dict[str, Any]) -> tuple[str, str]:
    """(one line, link) for the events that are not alerts."""
    data = payload.get("data") or {}
    kind = payload.get("type")
    if kind == "response.created":
        return (
            f"New answer from a {data.get('channel')} customer of {data.get('agent_name') or data.get('agent')} "
            f"({data.get('department')}): company {data.get('company_score')}/10, agent {data.get('agent_score')}/10.",
            "",
        )
    if kind == "case.resolved":
        return (
            f"Follow-up case {data.get('id')} ({data.get('department')}) closed as {data.get('status')}: "
            f"{_clip(data.get('outcome') or '', 200)}",
            data.get("url") or "",
        )
    return (data.get("text") or f"{settings.COMPANY_NAME}: {kind}", data.get("url") or "")


# --- Slack -------------------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack's three control characters in mrkdwn text."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(url: str, text: str) -> str:
    return f"<{url.replace('|', '%7C').replace('>', '%3E')}|{slack_escape(text)}>"


def slack_message(payload: dict[str, Any]) -> dict[str, Any]:
    alert = _alert(payload)
    if alert is None:
        line, url = summary(payload)
        text = slack_escape(line) + (f" {_slack_link(url, 'Open')}" if url else "")
        return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    heading = f":rotating_light: *{slack_escape(alert['title'])}*"
    facts = [f"*{slack_escape(name)}:* {slack_escape(value)}" for name, value in alert["facts"] if value]
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": heading}}]
    if facts:
        blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": fact} for fact in facts[:10]]})
    if alert["quote"]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "> " + slack_escape(alert["quote"])}})
    if alert["url"]:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _slack_link(alert["url"], alert["link_text"])}}
        )
    fallback = f"{alert['title']}: {alert['url']}" if alert["url"] else alert["title"]
    return {"text": slack_escape(fallback), "blocks": blocks}


# --- Microsoft Teams ------------------------------------------------------------------------------------


def _card(body: list[dict[str, Any]], url: str, link_text: str) -> dict[str, Any]:
    content: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if url:
        content["actions"] = [{"type": "Action.OpenUrl", "title": link_text, "url": url}]
    return {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": content}]}


def teams_message(payload: dict[str, Any]) -> dict[str, Any]:
    alert = _alert(payload)
    if alert is None:
        line, url = summary(payload)
        return _card([{"type": "TextBlock", "text": line, "wrap": True}], url, "Open")
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": alert["title"], "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    facts = [{"title": name, "value": value} for name, value in alert["facts"] if value]
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    if alert["quote"]:
        body.append({"type": "TextBlock", "text": alert["quote"], "wrap": True, "isSubtle": True})
    return _card(body, alert["url"], alert["link_text"])
