"""Where an alert rule's firing goes: one small class per channel behind one interface,
like healthchecks' transports: `notify(firing) -> ChannelResult`.

Slack and Microsoft Teams are called directly on their incoming-webhook URL (Slack: JSON
`text` + `blocks`; Teams: a MessageCard). Short timeouts; a failure that may pass
(timeout, 5xx, 429) says `retry=True` and the delivery task tries again with backoff.
Receivers on loopback, private or link-local addresses are refused (SSRF) unless the
environment sets WEBHOOK_ALLOW_PRIVATE=true.
"""

import ipaddress
import json
import logging
import socket
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from followups.models import AlertFiring, AlertRule
from nps_project.mail import MailFailed, send_email

logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_SECONDS = 5


@dataclass
class ChannelResult:
    ok: bool
    detail: str
    retry: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


class UnsafeURL(ValueError):
    """A webhook URL we refuse to call; the message says why."""


def check_webhook_url(url: str) -> None:
    """Raise UnsafeURL unless `url` is http(s) to a public address (or private ones are allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("Use an http:// or https:// URL.")
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"The host {parts.hostname} cannot be resolved.") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise UnsafeURL(f"{parts.hostname} is a private or local address ({address}); refused.")


class Channel:
    name = ""

    def notify(self, firing: AlertFiring) -> ChannelResult:
        raise NotImplementedError


class InAppChannel(Channel):
    """The firing row itself is the in-app alert: the cases page lists it."""

    name = AlertRule.Channel.INAPP

    def notify(self, firing: AlertFiring) -> ChannelResult:
        return ChannelResult(ok=True, detail="Listed on the cases page.")


class EmailChannel(Channel):
    name = AlertRule.Channel.EMAIL

    def recipients(self, firing: AlertFiring) -> list[AbstractBaseUser]:
        chosen = list(firing.rule.email_to.filter(is_active=True).exclude(email=""))
        if chosen:
            return chosen
        department_id = firing.department_id or firing.rule.department_id
        if department_id is None:
            return []
        from followups.services import department_supervisors  # services imports rules → channels

        return [user for user in department_supervisors(department_id) if user.email]

    def notify(self, firing: AlertFiring) -> ChannelResult:
        to = [user.email for user in self.recipients(firing)]
        if not to:
            return ChannelResult(ok=False, detail="Nobody to email: choose users or give the department a supervisor.")
        try:
            send_email(to=to, subject=firing.subject, template="alert_rule", context={"firing": firing})
        except MailFailed as exc:
            return ChannelResult(ok=False, detail=str(exc), retry=True)
        return ChannelResult(ok=True, detail=f"Emailed {', '.join(to)}.")


class WebhookChannel(Channel):
    """POST a JSON body to the rule's incoming-webhook URL."""

    url_field = ""

    def payload(self, firing: AlertFiring) -> dict:
        raise NotImplementedError

    def notify(self, firing: AlertFiring) -> ChannelResult:
        url = getattr(firing.rule, self.url_field)
        if not url:
            return ChannelResult(ok=False, detail="No webhook URL on the rule.")
        try:
            check_webhook_url(url)
        except UnsafeURL as exc:
            return ChannelResult(ok=False, detail=str(exc))
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url,
            data=json.dumps(self.payload(firing)).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "NPS-Desk-alerts"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as reply:  # noqa: S310
                return ChannelResult(ok=True, detail=f"HTTP {reply.status}")
        except urllib.error.HTTPError as exc:
            retry = exc.code >= 500 or exc.code == 429
            return ChannelResult(ok=False, detail=f"HTTP {exc.code}", retry=retry)
        except (urllib.error.URLError, OSError) as exc:
            return ChannelResult(ok=False, detail=f"Could not reach the webhook: {exc}", retry=True)


class SlackChannel(WebhookChannel):
    name = AlertRule.Channel.SLACK
    url_field = "slack_url"

    def payload(self, firing: AlertFiring) -> dict:
        link = f"<{firing.url}|Open in NPS Desk>" if firing.url else ""
        return {
            "text": f"{firing.subject}\n{firing.text}",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": firing.subject[:150]}},
                {"type": "section", "text": {"type": "mrkdwn", "text": firing.text[:2900]}},
                *([{"type": "context", "elements": [{"type": "mrkdwn", "text": link}]}] if link else []),
            ],
        }


class TeamsChannel(WebhookChannel):
    name = AlertRule.Channel.TEAMS
    url_field = "teams_url"

    def payload(self, firing: AlertFiring) -> dict:
        card = {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": firing.subject,
            "themeColor": "B42318",
            "title": firing.subject,
            "text": firing.text,
        }
        if firing.url:
            card["potentialAction"] = [
                {"@type": "OpenUri", "name": "Open in NPS Desk", "targets": [{"os": "default", "uri": firing.url}]}
            ]
        return card


CHANNELS: dict[str, Channel] = {
    channel.name: channel for channel in (EmailChannel(), InAppChannel(), SlackChannel(), TeamsChannel())
}
