"""One interface for every platform, like healthchecks' transports: a small class per
platform with `verify(received)` and `parse(received) -> InteractionInput`.

`Received` is the request as the platform sent it (raw body, the headers that matter, the
public URL it called), built from the live request or from a stored dead letter, so a
dead letter replays through exactly the same parser.
"""

import dataclasses
import hmac
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf.locale import LANG_INFO
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from surveys.models import Channel
from surveys.serializers import InteractionInSerializer
from surveys.services import InteractionInput

MAX_TAGS = 20
MAX_TAG_LENGTH = 50


class Ignored(Exception):
    """A genuine event the connector does not turn into an interaction (another topic, a ping)."""


class Unmappable(Exception):
    """A genuine event that cannot become an interaction; the message says why."""


@dataclass(frozen=True)
class Received:
    body: bytes
    headers: dict[str, str]  # lower-case names
    content_type: str
    url: str  # the public URL the platform called (PUBLIC_BASE_URL + path and query)
    received_at: datetime
    remote_addr: str = ""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass(frozen=True)
class Options:
    """What an admin set on the connector: defaults and where the platforms differ."""

    default_department: str = ""
    channel: str = ""  # empty: from the platform
    invite: bool = True
    department_field: str = ""
    fallback_agent: str = ""  # empty: an event without an agent is a dead letter
    language_field: str = ""
    department_map: dict[str, str] = field(default_factory=dict)


@dataclass
class Mapped:
    """The platform's fields, named as ours, before validation."""

    external_id: str = ""
    agent: str = ""
    agent_name: str = ""
    department: str = ""
    channel: str = ""
    occurred_at: datetime | None = None
    email: str = ""
    phone: str = ""
    name: str = ""
    language: str = ""
    tags: list[str] = field(default_factory=list)


class Platform(ABC):
    source: str
    label: str
    signature_headers: tuple[str, ...] = ()

    def __init__(self, *, secret: str, options: Options):
        self.secret = secret
        self.options = options

    @abstractmethod
    def verify(self, received: Received) -> bool:
        """True when the request carries a valid signature made with the connector's secret."""

    @abstractmethod
    def map(self, received: Received) -> Mapped:
        """The platform's fields in our names; raise Ignored or Unmappable."""

    def parse(self, received: Received) -> InteractionInput:
        """The interaction the event reports; raise Ignored or Unmappable."""
        return self.to_input(self.map(received), received)

    # --- Shared mapping rules ---------------------------------------------------------

    def to_input(self, mapped: Mapped, received: Received) -> InteractionInput:
        if not mapped.external_id:
            raise Unmappable(f"No {self.label} id in the event.")
        if not mapped.agent and self.options.fallback_agent:
            mapped.agent, mapped.agent_name = self.options.fallback_agent, ""
        if not mapped.agent:
            raise Unmappable(
                f"No agent in the event: the {self.label} has no assignee. "
                "Set “Agent when the event names none” to keep such events."
            )
        occurred_at = mapped.occurred_at or received.received_at
        payload: dict[str, Any] = {
            "external_id": mapped.external_id,
            "source": self.source,
            "channel": self.options.channel or mapped.channel or Channel.CHAT,
            "agent": mapped.agent,
            "agent_name": mapped.agent_name[:200],
            "department": self.department_code(mapped.department),
            "occurred_at": occurred_at.isoformat(),
            "customer": {
                "email": mapped.email.strip(),
                "phone": mapped.phone.strip(),
                "name": mapped.name.strip()[:200],
                "language": language_tag(mapped.language),
            },
            "tags": [t[:MAX_TAG_LENGTH] for t in mapped.tags if t][:MAX_TAGS],
        }
        serializer = InteractionInSerializer(data=payload)
        if not serializer.is_valid():
            # A malformed optional contact detail loses that detail, not the interaction.
            customer_errors = serializer.errors.get("customer", {})
            if set(serializer.errors) == {"customer"} and isinstance(customer_errors, dict):
                for name in customer_errors:
                    payload["customer"][name] = ""
                serializer = InteractionInSerializer(data=payload)
            if not serializer.is_valid():
                raise Unmappable("Invalid interaction: " + describe_errors(serializer.errors))
        return dataclasses.replace(serializer.to_input(), invite=self.options.invite)

    def department_code(self, value: str) -> str:
        """The admin's mapping first, then the platform's name as a code, then the default."""
        value = (value or "").strip()
        if value:
            mapping = {key.strip().lower(): code for key, code in self.options.department_map.items()}
            mapped = mapping.get(value.lower())
            if mapped:
                return mapped
            code = slugify(value)[:50].strip("-")
            if code:
                return code
        return self.options.default_department


def signatures_match(expected: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.strip().encode())


def describe_errors(errors: Any, prefix: str = "") -> str:
    """DRF's nested errors as one line: `customer.email: Enter a valid email address.`"""
    if isinstance(errors, dict):
        return "; ".join(describe_errors(value, f"{prefix}{key}.") for key, value in errors.items())
    if isinstance(errors, list):
        return " ".join(describe_errors(value, prefix) for value in errors)
    return f"{prefix.rstrip('.')}: {errors}" if prefix else str(errors)


def text(value: Any) -> str:
    """A scalar from a payload as a string ('' for missing, null or a nested object)."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def dig(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def when(value: Any) -> datetime | None:
    """An ISO 8601 string or Unix seconds as an aware datetime; None when it is neither."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and re.fullmatch(r"\d{9,11}(\.\d+)?", value)):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            return None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    return None


_LANGUAGE_NAMES = {
    name.lower(): code
    for code, info in LANG_INFO.items()
    if "name" in info
    for name in (info["name"], info.get("name_local", ""))
    if name
}
_LANGUAGE_NAMES.update({"bahasa indonesia": "id", "indonesian": "id", "español": "es"})
_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def language_tag(value: str) -> str:
    """'es', 'pt-BR', 'Spanish', 'Español' or 'English (United States)' as a language tag."""
    value = (value or "").strip()
    if not value:
        return ""
    if _TAG.match(value) and len(value) <= 10:
        return value.replace("_", "-")
    lowered = value.lower()
    if lowered in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[lowered]
    base = lowered.split("(")[0].strip()
    return _LANGUAGE_NAMES.get(base, "")
