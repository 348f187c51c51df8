"""Twilio TaskRouter: the workspace's Event Callback URL receives every event, form-encoded;
`task.completed` becomes an interaction, every other EventType is acknowledged and ignored.

Signature (twilio.com/docs/usage/security): X-Twilio-Signature =
base64(HMAC-SHA1(auth token, URL + each POST parameter, sorted by name, as name + value)).
The URL is the one Twilio called: behind a proxy that is PUBLIC_BASE_URL + path, not the
address the proxy forwards to.
"""

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qsl

from integrations.connectors.base import Ignored, Mapped, Platform, Received, Unmappable, signatures_match, text
from integrations.connectors.base import when as parse_when
from surveys.models import Channel

SIGNATURE = "x-twilio-signature"
EVENT = "task.completed"
CHANNELS = {"voice": Channel.PHONE, "sms": Channel.SMS, "chat": Channel.CHAT, "email": Channel.EMAIL}


def form(received: Received) -> list[tuple[str, str]]:
    try:
        return parse_qsl(received.body.decode("utf-8", errors="replace"), keep_blank_values=True)
    except ValueError:
        return []


def signature(token: str, url: str, params: list[tuple[str, str]]) -> str:
    """Twilio's request signature of `url` and the POST parameters."""
    payload = url + "".join(name + value for name, value in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def channel_of(task_channel: str, attributes: dict) -> str:
    task_channel = task_channel.lower()
    if task_channel in CHANNELS:
        return CHANNELS[task_channel]
    kind = text(attributes.get("channelType")).lower()
    if kind in ("sms", "whatsapp"):
        return Channel.SMS
    if kind in ("voice", "phone"):
        return Channel.PHONE
    return Channel.CHAT


class Twilio(Platform):
    source = "twilio"
    label = "Twilio task"
    signature_headers = (SIGNATURE,)

    def verify(self, received: Received) -> bool:
        if not self.secret:
            return False
        return signatures_match(signature(self.secret, received.url, form(received)), received.header(SIGNATURE))

    def map(self, received: Received) -> Mapped:
        params = dict(form(received))
        if not params:
            raise Unmappable("The body is not a form-encoded TaskRouter event.")
        event = params.get("EventType", "")
        if event != EVENT:
            raise Ignored(f"EventType {event or 'none'!r} is not {EVENT}.")
        attributes = self._json(params.get("TaskAttributes", ""), "TaskAttributes")
        worker = self._json(params.get("WorkerAttributes", ""), "WorkerAttributes")
        customer = attributes.get("customers") if isinstance(attributes.get("customers"), dict) else {}
        if self.options.department_field:
            department = text(attributes.get(self.options.department_field))
        else:
            department = params.get("TaskQueueName", "")
        phone = text(customer.get("phone"))
        if not phone and text(attributes.get("direction")).lower() != "outbound":
            phone = text(attributes.get("from"))
        elif not phone:
            phone = text(attributes.get("to"))
        if phone and not phone.lstrip("+").replace(" ", "").isdigit():
            phone = ""  # client:alice, a chat identity, a WhatsApp handle: not a number to text
        return Mapped(
            external_id=params.get("TaskSid", ""),
            agent=params.get("WorkerSid", "") or text(attributes.get("worker_sid")),
            agent_name=params.get("WorkerName", "")
            or text(worker.get("full_name"))
            or text(attributes.get("worker_name")),
            department=department,
            channel=channel_of(params.get("TaskChannelUniqueName", ""), attributes),
            occurred_at=parse_when(params.get("Timestamp")),
            email=text(customer.get("email")) or text(attributes.get("email")),
            phone=phone,
            name=text(customer.get("name")) or text(attributes.get("name")),
            language=text(attributes.get(self.options.language_field or "language")) or text(customer.get("language")),
        )

    @staticmethod
    def _json(value: str, name: str) -> dict:
        if not value:
            return {}
        try:
            parsed = json.loads(value)
        except ValueError:
            raise Unmappable(f"{name} is not JSON.") from None
        if not isinstance(parsed, dict):
            raise Unmappable(f"{name} is not a JSON object.")
        return parsed
