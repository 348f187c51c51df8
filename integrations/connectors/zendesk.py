"""Zendesk: a trigger on "ticket is solved" calls a webhook whose JSON body is the template
below (README: "Connecting your contact-center platform").

Signature (developer.zendesk.com, "Verifying webhook authenticity"):
X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(signing secret, timestamp + raw body)),
timestamp = X-Zendesk-Webhook-Signature-Timestamp (ISO 8601, e.g. 2021-03-25T05:09:27Z).
"""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

from django.utils import timezone

from integrations.connectors.base import Ignored, Mapped, Platform, Received, Unmappable, dig, signatures_match, text
from integrations.connectors.base import when as parse_when
from surveys.models import Channel

SIGNATURE = "x-zendesk-webhook-signature"
TIMESTAMP = "x-zendesk-webhook-signature-timestamp"
MAX_SIGNATURE_AGE = timedelta(minutes=5)
# Not yet finished; anything else (solved, closed, or the status in the account's language) counts.
UNFINISHED = {"new", "open", "pending", "hold", "on-hold"}

TEMPLATE = {
    "ticket": {
        "id": "{{ticket.id}}",
        "status": "{{ticket.status}}",
        "via": "{{ticket.via}}",
        "updated_at": "{{ticket.updated_at_with_timestamp}}",
        "tags": "{{ticket.tags}}",
        "group": {"name": "{{ticket.group.name}}"},
        "assignee": {"email": "{{ticket.assignee.email}}", "name": "{{ticket.assignee.name}}"},
        "requester": {
            "name": "{{ticket.requester.name}}",
            "email": "{{ticket.requester.email}}",
            "phone": "{{ticket.requester.phone}}",
            "language": "{{ticket.requester.language}}",
        },
    }
}


def body_template(department_field: str = "") -> str:
    """The JSON body to paste into the trigger; with the custom field holding the department."""
    template = json.loads(json.dumps(TEMPLATE))
    if department_field:
        placeholder = "{{ticket.ticket_field_option_title_%s}}" % department_field  # noqa: UP031 - braces galore
        template["ticket"]["custom_fields"] = {department_field: placeholder}
    return json.dumps(template, indent=2)


def channel_of(via: str) -> str:
    via = via.lower()
    if "phone" in via or "voicemail" in via or "call" in via:
        return Channel.PHONE
    if "sms" in via or "text" in via:
        return Channel.SMS
    if any(word in via for word in ("chat", "messaging", "widget", "whatsapp", "messenger")):
        return Channel.CHAT
    return Channel.EMAIL


class Zendesk(Platform):
    source = "zendesk"
    label = "Zendesk ticket"
    signature_headers = (SIGNATURE, TIMESTAMP)

    def verify(self, received: Received) -> bool:
        stamp = received.header(TIMESTAMP)
        signed_at = parse_when(stamp)
        if not self.secret or signed_at is None or abs(timezone.now() - signed_at) > MAX_SIGNATURE_AGE:
            return False
        digest = hmac.new(self.secret.encode(), stamp.encode() + received.body, hashlib.sha256).digest()
        return signatures_match(base64.b64encode(digest).decode(), received.header(SIGNATURE))

    def map(self, received: Received) -> Mapped:
        try:
            data = json.loads(received.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise Unmappable(f"The body is not JSON ({error}); paste the JSON body template in the trigger.") from None
        ticket = dig(data, "ticket")
        if not isinstance(ticket, dict):
            raise Unmappable('The body has no "ticket" object; paste the JSON body template into the trigger.')
        status = text(ticket.get("status")).lower()
        if status in UNFINISHED:
            raise Ignored(f"Ticket status is {status!r}, not solved.")
        assignee = ticket.get("assignee") if isinstance(ticket.get("assignee"), dict) else {}
        requester = ticket.get("requester") if isinstance(ticket.get("requester"), dict) else {}
        if self.options.department_field:
            department = text(dig(ticket, "custom_fields", self.options.department_field))
        else:
            department = text(dig(ticket, "group", "name"))
        tags = ticket.get("tags")
        tags = tags.split() if isinstance(tags, str) else [text(t) for t in tags] if isinstance(tags, list) else []
        return Mapped(
            external_id=text(ticket.get("id")),
            agent=(text(assignee.get("email")) or text(assignee.get("id"))).lower(),
            agent_name=text(assignee.get("name")),
            department=department,
            channel=channel_of(text(ticket.get("via"))),
            occurred_at=parse_when(text(ticket.get("updated_at"))),
            email=text(requester.get("email")),
            phone=text(requester.get("phone")),
            name=text(requester.get("name")),
            language=text(requester.get(self.options.language_field or "language")),
            tags=[tag for tag in tags if tag],
        )
