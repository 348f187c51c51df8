"""Reading the change audit log (ChangeRecord): the filters of /manage/audit/ and its CSV."""

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import QuerySet

from analytics.csv_export import safe_cell
from privacy.models import ChangeRecord

CSV_HEADER = ["at", "actor", "ip_address", "action", "target_type", "target_id", "target", "details"]


class AuditFilterForm(forms.Form):
    """Filters in the query string, so a filtered view is a link to share."""

    action = forms.CharField(required=False, max_length=60, help_text='An action, or its start ("user.", "export").')
    actor = forms.CharField(required=False, max_length=150, label="Who", help_text="Username.")
    target_type = forms.ChoiceField(required=False, label="What")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = ChangeRecord.objects.exclude(target_type="").order_by("target_type")
        choices = types.values_list("target_type", flat=True).distinct()
        self.fields["target_type"].choices = [("", "Everything"), *((t, t) for t in choices)]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("since", "The start date must be on or before the end date.")
        return data


def _start(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def matching(*, action: str = "", actor: str = "", target_type: str = "", since=None, until=None) -> QuerySet:
    """Entries newest first; `action` ending in "." (or a bare prefix) matches every verb under it."""
    records = ChangeRecord.objects.all()
    if action:
        exact = "." in action.rstrip(".")  # "user.created" exactly; "user." or "export" as a prefix
        records = records.filter(action=action) if exact else records.filter(action__startswith=action)
    if actor:
        records = records.filter(actor_name__iexact=actor)
    if target_type:
        records = records.filter(target_type=target_type)
    if since:
        records = records.filter(at__gte=_start(since))
    if until:
        records = records.filter(at__lt=_start(until + timedelta(days=1)))
    return records.order_by("-at", "-pk")


def action_names() -> list[str]:
    return list(ChangeRecord.objects.order_by("action").values_list("action", flat=True).distinct())


def csv_rows(records: QuerySet) -> Iterator[list]:
    fields = ["at", "actor_name", "ip_address", "action", "target_type", "target_id", "target_repr", "details"]
    for row in records.values_list(*fields).iterator(chunk_size=2000):
        at, *rest, details = row
        yield [at.isoformat(), *rest, json.dumps(details, ensure_ascii=False, sort_keys=True) if details else ""]


def safe_row(row: list) -> list:
    return [safe_cell(value) for value in row]
