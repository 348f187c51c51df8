"""Which column holds which interaction field, and how a row becomes an API payload.

A row is turned into exactly the JSON object `POST /api/v1/interactions/` takes, then
validated by the API's own serializer (integrations.imports.validation): an import accepts
what the API accepts and rejects what it rejects. Three things are added for files:
- `occurred_at` is required (history without its time would all land on today), and a time
  without a UTC offset (what spreadsheets hold) is read in the time zone the admin chose;
- a cell that holds a spreadsheet formula rejects its row (see `is_formula`);
- empty cells are fields not given, so optional columns may be blank.
"""

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    required: bool = False
    synonyms: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field(
        "external_id",
        "External id",
        True,
        ("id", "ticket id", "ticket", "conversation id", "call id", "interaction id", "case id", "reference"),
    ),
    Field("source", "Source", False, ("platform", "system")),
    Field("channel", "Channel", True, ("type", "medium", "via", "interaction type")),
    Field("agent", "Agent (external id)", True, ("agent id", "agent external id", "agent code", "assignee id")),
    Field("agent_name", "Agent name", False, ("assignee", "assignee name", "agent full name")),
    Field("department", "Department code", False, ("department", "team", "group", "queue", "department id")),
    Field(
        "occurred_at",
        "Occurred at",
        True,
        ("date", "datetime", "timestamp", "time", "created at", "ended at", "solved at", "closed at", "end time"),
    ),
    Field("customer_email", "Customer email", False, ("email", "e mail", "requester email", "customer e mail")),
    Field("customer_phone", "Customer phone", False, ("phone", "phone number", "mobile", "msisdn", "caller")),
    Field("customer_name", "Customer name", False, ("customer", "name", "requester", "requester name")),
    Field("language", "Customer language", False, ("customer language", "locale", "lang")),
    Field("handle_seconds", "Handle seconds", False, ("handle time", "aht", "duration", "talk time")),
    Field("wait_seconds", "Wait seconds", False, ("wait time", "queue time", "hold time")),
    Field("transfers", "Transfers", False, ("transfer count", "number of transfers")),
    Field("resolved", "Resolved", False, ("solved", "fcr", "first contact resolution")),
    Field("tags", "Tags", False, ("labels", "tag")),
)
FIELD_KEYS = tuple(field.key for field in FIELDS)
REQUIRED = tuple(field.key for field in FIELDS if field.required)
LABELS = {field.key: field.label for field in FIELDS}
CUSTOMER_FIELDS = {
    "customer_email": "email",
    "customer_phone": "phone",
    "customer_name": "name",
    "language": "language",
}
TAG_SPLIT = re.compile(r"[,;|]")
# "+62 812 3456 7890" and "-5" are values; "+SUM(A1)" and "-2+cmd|' /C calc'!A0" are formulas.
PLAIN_SIGNED = re.compile(r"^[+-][0-9 ().\-/]*$")

Mapping = dict[str, int]


def normalise_header(header: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.lower()).split())


def guess_mapping(columns: list[str]) -> Mapping:
    """Map each field to the column whose header names it: its key or label first, then synonyms."""
    normalised = [normalise_header(column) for column in columns]
    mapping: Mapping = {}
    used: set[int] = set()
    for pass_names in (
        lambda f: {normalise_header(f.key), normalise_header(f.label)},
        lambda f: {normalise_header(s) for s in f.synonyms},
    ):
        for field in FIELDS:
            if field.key in mapping:
                continue
            names = pass_names(field)
            for index, header in enumerate(normalised):
                if index not in used and header in names:
                    mapping[field.key] = index
                    used.add(index)
                    break
    return mapping


def missing_required(mapping: Mapping) -> list[str]:
    return [key for key in REQUIRED if key not in mapping]


def is_formula(value) -> bool:
    """A spreadsheet formula (or a cell a spreadsheet would run as one: CSV injection)."""
    if not isinstance(value, str) or not value:
        return False
    first = value[:1]
    if first in ("=", "@"):
        return True
    if first in ("+", "-"):
        return not PLAIN_SIGNED.match(value.strip())
    return False


class RowError(Exception):
    """A row that cannot become a payload; the message names the column."""


def row_payload(cells: list, mapping: Mapping, *, columns: list[str], default_source: str, time_zone: str) -> dict:
    """The API payload for one row; raise RowError for a formula cell."""
    payload: dict = {}
    customer: dict = {}
    for key, index in mapping.items():
        value = cells[index] if index < len(cells) else ""
        if isinstance(value, str):
            value = value.strip()
        if value == "":
            continue
        if is_formula(value):
            shown = value if len(value) <= 40 else value[:39] + "…"
            raise RowError(
                f"column “{columns[index]}” holds a formula ({shown}); formulas are not imported: "
                "export the values, or remove the leading = + - @."
            )
        if key in CUSTOMER_FIELDS:
            customer[CUSTOMER_FIELDS[key]] = str(value) if key == "customer_phone" else value
        elif key == "tags":
            payload["tags"] = [tag.strip() for tag in TAG_SPLIT.split(str(value)) if tag.strip()]
        elif key == "channel":
            payload["channel"] = str(value).lower()
        elif key == "occurred_at":
            payload["occurred_at"] = with_offset(str(value), time_zone)
        else:
            payload[key] = value
    if customer:
        payload["customer"] = customer
    payload.setdefault("source", default_source)
    return payload


def with_offset(value: str, time_zone: str) -> str:
    """An ISO 8601 time without an offset is read in `time_zone`; anything else is left as it is."""
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return value
    if parsed is None or parsed.tzinfo is not None:
        return value
    return parsed.replace(tzinfo=ZoneInfo(time_zone)).isoformat()
