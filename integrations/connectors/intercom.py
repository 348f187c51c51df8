"""Intercom: a webhook subscription to the `conversation.admin.closed` topic, in Intercom's
own notification format (`data.item` is the conversation). Other topics and Intercom's
`ping` are acknowledged and ignored.

Signature (developers.intercom.com, "Signed notifications"):
X-Hub-Signature = "sha1=" + hex(HMAC-SHA1(the app's client secret, raw body)).
"""

import hashlib
import hmac
import json

from integrations.connectors.base import Ignored, Mapped, Platform, Received, Unmappable, dig, signatures_match, text
from integrations.connectors.base import when as parse_when
from surveys.models import Channel

SIGNATURE = "x-hub-signature"
TOPIC = "conversation.admin.closed"


def channel_of(source_type: str) -> str:
    source_type = source_type.lower()
    if source_type == "email":
        return Channel.EMAIL
    if "phone" in source_type or "call" in source_type:
        return Channel.PHONE
    if source_type in ("sms", "whatsapp"):
        return Channel.SMS
    return Channel.CHAT


class Intercom(Platform):
    source = "intercom"
    label = "Intercom conversation"
    signature_headers = (SIGNATURE,)

    def verify(self, received: Received) -> bool:
        if not self.secret:
            return False
        digest = hmac.new(self.secret.encode(), received.body, hashlib.sha1).hexdigest()
        return signatures_match("sha1=" + digest, received.header(SIGNATURE))

    def map(self, received: Received) -> Mapped:
        try:
            data = json.loads(received.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise Unmappable(f"The body is not JSON ({error}).") from None
        if not isinstance(data, dict):
            raise Unmappable("The body is not an Intercom notification.")
        topic = text(data.get("topic"))
        if topic != TOPIC:
            raise Ignored(f"Topic {topic or 'none'!r} is not {TOPIC}.")
        conversation = dig(data, "data", "item")
        if not isinstance(conversation, dict):
            raise Unmappable("The notification has no conversation in data.item.")
        closer = self._closing_admin(conversation)
        agent = text(conversation.get("admin_assignee_id")) or text(closer.get("id"))
        agent_name = text(closer.get("name")) if text(closer.get("id")) in ("", agent) else ""
        contact = self._customer(conversation)
        attributes = conversation.get("custom_attributes")
        attributes = attributes if isinstance(attributes, dict) else {}
        if self.options.department_field:
            department = text(attributes.get(self.options.department_field))
        else:
            department = text(conversation.get("team_assignee_id"))
        language = text(attributes.get(self.options.language_field or "language")) or text(contact.get("language"))
        tags = dig(conversation, "tags", "tags")
        return Mapped(
            external_id=text(conversation.get("id")),
            agent=agent,
            agent_name=agent_name,
            department=department,
            channel=channel_of(text(dig(conversation, "source", "type"))),
            occurred_at=parse_when(closer.get("created_at")) or parse_when(conversation.get("updated_at")),
            email=text(contact.get("email")),
            phone=text(contact.get("phone")),
            name=text(contact.get("name")),
            language=language,
            tags=[text(t.get("name")) for t in tags if isinstance(t, dict)] if isinstance(tags, list) else [],
        )

    @staticmethod
    def _closing_admin(conversation: dict) -> dict:
        """The author (and time) of the last `close` part: who closed it, when."""
        parts = dig(conversation, "conversation_parts", "conversation_parts")
        for part in reversed(parts if isinstance(parts, list) else []):
            if isinstance(part, dict) and part.get("part_type") == "close" and isinstance(part.get("author"), dict):
                author = part["author"]
                if author.get("type") in (None, "admin", "bot"):
                    return {**author, "created_at": part.get("created_at")}
        return {}

    @staticmethod
    def _customer(conversation: dict) -> dict:
        """The customer as the conversation carries it: the source's user author, else the first contact."""
        author = dig(conversation, "source", "author")
        if isinstance(author, dict) and author.get("type") in ("user", "lead", "contact"):
            return author
        contacts = dig(conversation, "contacts", "contacts")
        if isinstance(contacts, list) and contacts and isinstance(contacts[0], dict):
            return contacts[0]
        return {}
