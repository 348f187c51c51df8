"""Export: the customers' answers as CSV with filters (period, department, channel,
category), for admins and, limited to their departments, supervisors. Streamed in chunks,
so a year of answers downloads without filling memory; formula-like text is neutralised
(analytics/csv_export.py). The rows are the API's (surveys/api_responses.py): no customer
contact details."""

import json
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agents.roles import AGENT, Viewer, viewer_for
from analytics.csv_export import safe_cell
from privacy import audit
from surveys import api_responses
from surveys.models import Channel

DEFAULT_DAYS = 90


class ScopedPeriodForm(forms.Form):
    """A period and the departments and channel the viewer may filter by; the period
    defaults to the last `default_days` days."""

    default_days = DEFAULT_DAYS
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")
    department = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(required=False, choices=[("", "All channels"), *Channel.choices])

    def __init__(self, *args, viewer: Viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.departments = {d.code: d for d in viewer.visible_departments()}
        everything = "All departments" if viewer.is_admin else "All my departments"
        self.fields["department"].choices = [("", everything), *((c, d.name) for c, d in self.departments.items())]

    def clean(self) -> dict:
        data = super().clean()
        until = data.get("until") or timezone.localdate()
        since = data.get("since") or until - timedelta(days=self.default_days - 1)
        if since > until:
            self.add_error("since", "The start date must be on or before the end date.")
        data["since"], data["until"] = since, until
        return data


class ExportForm(ScopedPeriodForm):
    question = forms.ChoiceField(
        required=False,
        choices=[("agent", "Agent question"), ("company", "Company question")],
        label="Category by",
    )
    category = forms.ChoiceField(
        required=False,
        choices=[
            ("", "All answers"),
            ("detractor", "Detractors (0–6)"),
            ("passive", "Passives (7–8)"),
            ("promoter", "Promoters (9–10)"),
        ],
    )

    def responses(self):
        data = self.cleaned_data
        department = self.departments.get(data.get("department") or "")
        if department is not None:
            department_ids = frozenset({department.pk})
        else:
            department_ids = None if self.viewer.is_admin else self.viewer.department_ids
        return api_responses.matching_responses(
            since=data["since"],
            until=data["until"],
            department_ids=department_ids,
            channel=data.get("channel") or "",
            category=data.get("category") or "",
            question=data.get("question") or "agent",
        )


def with_default_period(query: QueryDict, days: int) -> QueryDict:
    """The query with the default period filled in, so the form shows the dates it uses."""
    data = query.copy()
    if not data.get("until"):
        data["until"] = timezone.localdate().isoformat()
    if not data.get("since"):
        try:
            until = date.fromisoformat(data["until"])
        except ValueError:
            return data  # the form reports the bad date
        data["since"] = (until - timedelta(days=days - 1)).isoformat()
    return data


def export_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    return safe_cell(value)


@login_required
@require_http_methods(["GET"])
def export(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for(request.user)
    if not viewer.sees_dashboards:
        if viewer.role == AGENT:
            return redirect("dashboard-me")
        raise PermissionDenied("Your account has no dashboard access. Ask an admin for a role.")
    form = ExportForm(with_default_period(request.GET, DEFAULT_DAYS), viewer=viewer)
    code = request.GET.get("department", "")
    if code and code not in form.departments and not viewer.is_admin:
        raise PermissionDenied("That department is outside your scope.")
    if not form.is_valid():
        context = {"viewer": viewer, "export_form": form, "count": None}
        return render(request, "dashboard/export.html", context, status=400)
    responses = form.responses()
    if request.GET.get("download"):
        data = form.cleaned_data
        name = f"nps-answers-{data['since']:%Y%m%d}-{data['until']:%Y%m%d}"
        audit.record_export(request, name=name)
        return api_responses.streaming_csv(
            name, api_responses.csv_lines(api_responses.export_rows(responses), cell=export_cell)
        )
    context = {
        "viewer": viewer,
        "export_form": form,
        "count": responses.count(),
        "since": form.cleaned_data["since"],
        "until": form.cleaned_data["until"],
        "columns": api_responses.EXPORT_FIELDS,
    }
    return render(request, "dashboard/export.html", context)
