"""The quick check of a reported interaction: plain functions instead of DRF's field objects.

DRF validates an item field by field through a dozen field objects (empty-value checks,
validator lists, lazy messages, nested serializers): about 0.3 ms an item, half the cost of a
1,000-item bulk request. Nearly every item a platform sends is valid, so `quick_input` reads
the common, valid shape with plain code and gives the same InteractionInput the serializer
would; anything it is not sure of (a wrong type, an empty or over-long value, a control
character, a bad e-mail, a string where a number belongs, ...) it hands back as None, and
surveys.serializers.validated_inputs then runs the serializer on that item. So the
serializer stays the one judge of bad input: every 400 and every field-level message is
the serializer's own, and the quick path only ever *accepts*, exactly what the serializer
would accept and nothing more (tests/surveys/test_quick_input.py compares the two on a few
thousand generated items, valid and not).
"""

import re
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.dateparse import parse_datetime

from surveys.models import Channel, DeliveryMethod
from surveys.serializers import MAX_FUTURE
from surveys.services import InteractionInput

# The serializer's rules (surveys/serializers.py), restated for the quick path.
FIELDS = {
    "external_id",
    "source",
    "channel",
    "agent",
    "agent_name",
    "department",
    "occurred_at",
    "customer",
    "delivery",
    "handle_seconds",
    "wait_seconds",
    "transfers",
    "resolved",
    "tags",
    "invite",
}
CHANNELS = frozenset(Channel.values)
METHODS = frozenset(DeliveryMethod.values)
# Control characters (surveys.validators) and the surrogates DRF's CharField refuses.
NOT_PLAIN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
PHONE = re.compile(r"\+?[0-9 ().-]{6,32}")
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
NOT_DIGIT = re.compile(r"\D")
MAX_SECONDS = 7 * 24 * 3600
MAX_DELAY = 7 * 24 * 60
_email = EmailValidator()


class Unsure(Exception):
    """The item is not the plain valid shape: let the serializer judge it."""


def _text(value: Any, max_length: int, *, blank: bool) -> str:
    """A CharField's value: a JSON string, trimmed, within max_length, no control characters."""
    if type(value) is not str:
        raise Unsure
    value = value.strip()
    if (not value and not blank) or len(value) > max_length or NOT_PLAIN.search(value):
        raise Unsure
    return value


def _count(value: Any, maximum: int) -> int | None:
    """An IntegerField with allow_null, 0..maximum: a JSON integer or null only."""
    if value is None or (type(value) is int and 0 <= value <= maximum):
        return value
    raise Unsure


def _moment(value: Any, now: datetime) -> datetime:
    """StrictDateTimeField's rule: ISO 8601 with an offset, from 2000 to a day ahead."""
    if type(value) is not str:
        raise Unsure
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        raise Unsure from None
    if parsed is None or parsed.tzinfo is None or parsed > now + MAX_FUTURE or parsed.year < 2000:
        raise Unsure
    return parsed


def quick_input(payload: Any, now: datetime) -> InteractionInput | None:
    """The InteractionInput the serializer would give for `payload`, or None if unsure."""
    try:
        return _quick(payload, now)
    except Unsure:
        return None


def _quick(item: Any, now: datetime) -> InteractionInput:
    if type(item) is not dict:
        raise Unsure
    get = item.get
    channel = get("channel")
    if type(channel) is not str or channel not in CHANNELS:
        raise Unsure
    source = _text(item["source"], 100, blank=False) if "source" in item else "api"
    occurred_at = _moment(item["occurred_at"], now) if "occurred_at" in item else None
    email = phone = name = language = ""
    if "customer" in item:
        customer = item["customer"]
        if type(customer) is not dict:
            raise Unsure
        if "email" in customer:
            email = _text(customer["email"], 254, blank=True)
            if email:
                try:
                    _email(email)
                except ValidationError:
                    raise Unsure from None
                email = email.lower()
        if "phone" in customer:
            phone = _text(customer["phone"], 32, blank=True)
            if phone:
                if not PHONE.fullmatch(phone):
                    raise Unsure
                digits = NOT_DIGIT.sub("", phone)
                if not 6 <= len(digits) <= 15:
                    raise Unsure
                phone = "+" + digits
        if "name" in customer:
            name = _text(customer["name"], 200, blank=True)
        if "language" in customer:
            language = _text(customer["language"], 10, blank=True)
            if language and not LANGUAGE.fullmatch(language):
                raise Unsure
    method, delay = "", None
    if "delivery" in item:
        delivery = item["delivery"]
        if type(delivery) is not dict:
            raise Unsure
        if "method" in delivery:
            method = delivery["method"]
            if type(method) is not str or method not in METHODS:
                raise Unsure
        if "delay_minutes" in delivery:
            delay = delivery["delay_minutes"]
            if type(delay) is not int or not 0 <= delay <= MAX_DELAY:
                raise Unsure
    if (method == DeliveryMethod.EMAIL and not email) or (method == DeliveryMethod.SMS and not phone):
        raise Unsure
    tags = []
    if "tags" in item:
        given = item["tags"]
        if type(given) is not list or len(given) > 20:
            raise Unsure
        tags = [_text(tag, 50, blank=False) for tag in given]
    department = ""
    if "department" in item:
        department = _text(item["department"], 50, blank=True)
        if department and not SLUG.fullmatch(department):
            raise Unsure
    resolved = get("resolved")
    invite = get("invite", True)
    if (resolved is not None and type(resolved) is not bool) or type(invite) is not bool:
        raise Unsure
    return InteractionInput(
        external_id=_text(get("external_id"), 200, blank=False),
        source=source,
        channel=channel,
        agent=_text(get("agent"), 200, blank=False),
        agent_name=_text(item["agent_name"], 200, blank=True) if "agent_name" in item else "",
        department=department,
        occurred_at=occurred_at,
        customer_email=email,
        customer_phone=phone,
        customer_name=name,
        language=language,
        delivery_method=method,
        delay_minutes=delay,
        handle_seconds=_count(get("handle_seconds"), MAX_SECONDS),
        wait_seconds=_count(get("wait_seconds"), MAX_SECONDS),
        transfers=_count(get("transfers"), 100),
        resolved=resolved,
        tags=tags,
        invite=invite,
    )
