"""The quick validation path of the interactions API accepts exactly what the serializer
accepts, with the same values, and leaves every error to the serializer.

surveys/ingest_input.py reads items with plain code for speed; a platform must never see a
different answer because of it. Compared here on a few thousand items: valid ones of every
shape and each field of them replaced by awkward values (wrong types, blanks, padding,
control characters, surrogates, over-long text, bad e-mails and phones, out-of-range and
string numbers, ...).
"""

import itertools
import random
from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from surveys.ingest_input import quick_input
from surveys.serializers import InteractionInSerializer, input_from, validated_inputs

SERIALIZER = InteractionInSerializer()


def serializer_result(payload):
    """What the serializer alone says: ("ok", input) or ("error", detail)."""
    if not isinstance(payload, dict):
        return ("error", {"non_field_errors": ["Expected a JSON object."]})
    try:
        return ("ok", input_from(SERIALIZER.run_validation(payload)))
    except serializers.ValidationError as exc:
        return ("error", exc.detail)


def valid_items():
    now = timezone.now()
    yield {"external_id": "c-1", "channel": "phone", "agent": "a-7"}
    yield {
        "external_id": "  c-2  ",
        "source": "zendesk",
        "channel": "email",
        "agent": "a-8",
        "agent_name": "Rina Putri",
        "department": "billing_team-2",
        "occurred_at": (now - timedelta(hours=3)).isoformat(),
        "customer": {"email": " Budi@Example.COM ", "phone": "+62 812-3456 (789)", "name": "Budi", "language": "id"},
        "delivery": {"method": "email", "delay_minutes": 30},
        "handle_seconds": 300,
        "wait_seconds": 0,
        "transfers": 2,
        "resolved": True,
        "tags": [" vip ", "refund"],
        "invite": False,
    }
    yield {
        "external_id": "c-3",
        "channel": "sms",
        "agent": "a-9",
        "occurred_at": "2026-11-20T14:05:00+07:00",
        "customer": {"phone": "0812 3456 7890", "language": "es-MX"},
        "delivery": {"method": "sms"},
        "handle_seconds": None,
        "resolved": None,
        "tags": [],
        "unknown_key": {"ignored": True},
    }
    yield {"external_id": "c-4", "channel": "chat", "agent": "a-1", "customer": {}, "delivery": {"method": "link"}}


AWKWARD = [
    None,
    "",
    " ",
    "\t",
    "x",
    "  padded  ",
    0,
    1,
    -1,
    5.0,
    5.5,
    True,
    False,
    "12",
    "true",
    [],
    ["a"],
    {},
    {"a": 1},
    "a" * 50,
    "a" * 51,
    "a" * 100,
    "a" * 101,
    "a" * 200,
    "a" * 201,
    "a" * 254,
    "a" * 255,
    "bad\x00nul",
    "bell\x07",
    "c1\x85x",
    "tab\tinside",
    "line\nbreak",
    "\ud800",
    "ünï-cödé",
    "UPPER",
    "has space",
    "a.b@c.io",
    "x@",
    "@x.io",
    "a@b",
    "Ab@Example.COM ",
    "+62 812 3456 7890",
    "12345",
    "1234567890123456",
    "+1 (555) 010-9999",
    "phone!",
    "en",
    "zh-Hant-TW",
    "e",
    "en_US",
    "toolonglang",
    "2026-11-20T14:05:00+07:00",
    "2026-11-20T14:05:00",
    "2026-11-20",
    "1999-12-31T23:00:00+00:00",
    "3026-01-01T00:00:00Z",
    " 2026-11-20T14:05:00Z ",
    "2026-13-40T99:00:00+00:00",
    "phone",
    "chat",
    "email",
    "sms",
    "link",
    "Phone",
    100,
    101,
    604800,
    604801,
    10080,
    10081,
    10**30,
    [" "],
    ["a" * 51],
    ["ok", 3],
    ["t"] * 20,
    ["t"] * 21,
    {"method": "email"},
    {"method": "sms"},
    {"delay_minutes": -1},
    {"email": "x@y.io"},
    {"phone": "12"},
    {"language": "e"},
    {"name": None},
]
FIELDS = [
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
]
NESTED = {"customer": ["email", "phone", "name", "language"], "delivery": ["method", "delay_minutes"]}


def awkward_items():
    for base, field, value in itertools.product(list(valid_items()), FIELDS, AWKWARD):
        yield {**base, field: value}
    for base in valid_items():
        for field in FIELDS:
            yield {k: v for k, v in base.items() if k != field}
        for outer, inner in NESTED.items():
            for field, value in itertools.product(inner, AWKWARD):
                yield {**base, outer: {**(base.get(outer) if isinstance(base.get(outer), dict) else {}), field: value}}
    yield from [None, [], "text", 3, ["a list"]]
    rng = random.Random(10)
    bases = list(valid_items())
    for _ in range(500):  # several awkward fields at once
        item = dict(rng.choice(bases))
        for field in rng.sample(FIELDS, 3):
            item[field] = rng.choice(AWKWARD)
        yield item


def test_the_quick_path_accepts_every_plain_valid_item_with_the_serializers_values():
    now = timezone.now()
    for payload in valid_items():
        quick = quick_input(payload, now)
        assert quick is not None, payload
        assert serializer_result(payload) == ("ok", quick)


def test_the_quick_path_never_accepts_what_the_serializer_refuses_nor_changes_a_value():
    now = timezone.now()
    items = list(awkward_items())
    verdicts = [serializer_result(payload) for payload in items]
    accepted = 0
    for payload, verdict in zip(items, verdicts, strict=True):
        quick = quick_input(payload, now)
        if quick is not None:
            accepted += 1
            assert verdict == ("ok", quick), payload
    refused = sum(kind == "error" for kind, _ in verdicts)
    assert accepted > 500 and refused > 500  # both kinds were really tried
    # And what validated_inputs answers is the serializer's verdict, item by item.
    for got, (kind, value) in zip(validated_inputs(items), verdicts, strict=True):
        assert got == ((value, None) if kind == "ok" else (None, value))
