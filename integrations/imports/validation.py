"""One row of a file → a validated InteractionInput, by the API's own rules, or the reason why not."""

from dataclasses import dataclass, replace
from types import SimpleNamespace

from rest_framework.exceptions import ValidationError

from integrations.imports import mapping as fields
from surveys.serializers import InteractionInSerializer
from surveys.services import InteractionInput

# Payload paths → the mapped field they came from, to name the column in messages.
PATH_TO_FIELD = {("customer", sub): key for key, sub in fields.CUSTOMER_FIELDS.items()}


@dataclass(frozen=True)
class Settings:
    """How the rows of one import job are read."""

    mapping: fields.Mapping
    columns: list[str]
    default_source: str
    time_zone: str
    invite: bool = False


@dataclass(frozen=True)
class Good:
    line: int
    item: InteractionInput


@dataclass(frozen=True)
class Bad:
    line: int
    external_id: str
    reason: str

    def __post_init__(self):
        # PostgreSQL text cannot hold NUL; a reason may quote a cell.
        object.__setattr__(self, "reason", self.reason.replace("\x00", "\\0"))


class RowChecker:
    """Validate rows exactly as POST /api/v1/interactions/ validates its body.

    One serializer serves every row: DRF deep-copies a serializer's fields each time one is
    made, which cost more than the validation itself (the bulk API's ListSerializer does the
    same: one child for all items)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.serializer = InteractionInSerializer()

    def check(self, line: int, cells: list) -> "Good | Bad":
        settings = self.settings
        external_id = _external_id(cells, settings.mapping)
        try:
            payload = fields.row_payload(
                cells,
                settings.mapping,
                columns=settings.columns,
                default_source=settings.default_source,
                time_zone=settings.time_zone,
            )
        except fields.RowError as exc:
            return Bad(line, external_id, str(exc))
        if "occurred_at" not in payload:
            column = settings.columns[settings.mapping["occurred_at"]]
            return Bad(line, external_id, f"column “{column}” is empty: an import needs the time of each interaction.")
        try:
            validated = self.serializer.run_validation(payload)
        except ValidationError as exc:
            return Bad(line, external_id, describe_errors(exc.detail, settings))
        # to_input reads only .validated_data: the API's own conversion to an InteractionInput.
        item = InteractionInSerializer.to_input(SimpleNamespace(validated_data=validated))
        return Good(line, replace(item, invite=settings.invite))


def check_row(line: int, cells: list, settings: Settings) -> "Good | Bad":
    """One row on its own (the import itself uses a RowChecker per pass)."""
    return RowChecker(settings).check(line, cells)


def _external_id(cells: list, mapping: fields.Mapping) -> str:
    index = mapping.get("external_id")
    if index is None or index >= len(cells):
        return ""
    return str(cells[index]).replace("\x00", "").strip()[:200]


def describe_errors(errors: dict, settings: Settings) -> str:
    """The serializer's field errors as one sentence naming the file's columns."""
    parts = []
    for path, messages in _flatten(errors):
        key = PATH_TO_FIELD.get(tuple(path[:2]), path[0])
        index = settings.mapping.get(key)
        if path == ["non_field_errors"] or key == "delivery":
            name = ""
        elif index is not None:
            name = f"column “{settings.columns[index]}” ({fields.LABELS.get(key, key)}): "
        else:
            name = f"{fields.LABELS.get(key, key)} (no column chosen): "
        parts.append(name + " ".join(str(message) for message in messages))
    return "; ".join(parts)


def _flatten(errors, path: list | None = None) -> list[tuple[list, list]]:
    path = path or []
    if isinstance(errors, dict):
        found = []
        for key, value in errors.items():
            found.extend(_flatten(value, [*path, str(key)]))
        return found
    if isinstance(errors, list) and errors and all(isinstance(e, dict | list) for e in errors):
        found = []
        for index, value in enumerate(errors):
            found.extend(_flatten(value, [*path, str(index)]))
        return found
    return [(path, list(errors) if isinstance(errors, list) else [errors])]
