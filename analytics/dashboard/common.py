"""What every dashboard page shares: who is looking, the filters in the query string, and
rendering as HTML or as the CSV of what the page shows."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from agents.models import Department
from agents.roles import AGENT, Viewer, viewer_for
from analytics.csv_export import csv_response
from privacy import audit
from surveys.models import Channel

DEFAULT_DAYS = 90
QUESTION_CHOICES = [("agent", "Agent question"), ("company", "Company question")]
INTERVAL_CHOICES = [("week", "Weekly"), ("month", "Monthly")]


@dataclass(frozen=True)
class Filters:
    """The page's filters; every figure on a page is computed for exactly these."""

    since: date
    until: date
    department: Department | None
    channel: str
    question: str
    interval: str
    department_ids: frozenset[int] | None  # None = every department (admin, no filter)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def previous(self) -> "Filters":
        """The period of the same length just before this one."""
        return replace(self, since=self.since - timedelta(days=self.days), until=self.since - timedelta(days=1))

    def query(self, **overrides: str) -> str:
        """The query string for these filters (for links and CSV downloads)."""
        params = {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "department": self.department.code if self.department else "",
            "channel": self.channel,
            "question": self.question,
            "interval": self.interval,
            **overrides,
        }
        return urlencode({k: v for k, v in params.items() if v})


class FilterForm(forms.Form):
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")
    department = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(required=False, choices=[("", "All channels"), *Channel.choices])
    question = forms.ChoiceField(required=False, choices=QUESTION_CHOICES)
    interval = forms.ChoiceField(required=False, choices=INTERVAL_CHOICES, label="Trend by")

    def __init__(self, *args, departments: Iterable[Department], **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {d.code: d for d in departments}
        self.fields["department"].choices = [
            ("", "All my departments"),
            *((c, d.name) for c, d in self.departments.items()),
        ]

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("since", "The start date must be on or before the end date.")
        return data

    def filters(self, viewer: Viewer) -> Filters:
        data = self.cleaned_data
        until = data.get("until") or timezone.localdate()
        since = data.get("since") or until - timedelta(days=DEFAULT_DAYS - 1)
        department = self.departments.get(data.get("department") or "")
        if department is not None:
            department_ids = frozenset({department.pk})
        else:
            department_ids = None if viewer.is_admin else viewer.department_ids
        return Filters(
            since=since,
            until=until,
            department=department,
            channel=data.get("channel") or "",
            question=data.get("question") or "agent",
            interval=data.get("interval") or "week",
            department_ids=department_ids,
        )


@dataclass
class PageRequest:
    viewer: Viewer
    form: FilterForm
    filters: Filters | None  # None when the filters are invalid


def dashboard_page(*, allow_agents: bool = False) -> Callable:
    """Login required; supervisors and admins only (agents too when allowed); the
    filters parsed and scoped to what the viewer may see. A department outside the
    viewer's scope is a 403, never silently widened."""

    def decorate(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            viewer = viewer_for(request.user)
            if not viewer.sees_dashboards and not (allow_agents and viewer.role == AGENT):
                if viewer.role == AGENT:
                    return redirect("dashboard-me")
                raise PermissionDenied("Your account has no dashboard access. Ask an admin for a role.")
            departments = list(viewer.visible_departments())
            code = request.GET.get("department", "")
            if code and code not in {d.code for d in departments}:
                if viewer.is_admin:
                    form = FilterForm(request.GET, departments=departments)
                    form.is_valid()
                    return page_response(
                        request, "dashboard/bad_filters.html", PageRequest(viewer, form, None), {}, status=400
                    )
                raise PermissionDenied("That department is outside your scope.")
            form = FilterForm(request.GET, departments=departments)
            page = PageRequest(viewer, form, form.filters(viewer) if form.is_valid() else None)
            if page.filters is None:
                return page_response(request, "dashboard/bad_filters.html", page, {}, status=400)
            return view(request, page, *args, **kwargs)

        return wrapper

    return decorate


def page_response(
    request: HttpRequest,
    template: str,
    page: PageRequest,
    context: dict,
    *,
    csv_name: str = "",
    csv_header: Sequence[str] = (),
    csv_rows: Iterable[Sequence] = (),
    csv_query: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the page, or with ?format=csv the table it shows. `csv_query`: parameters of
    the page beyond the filters that the CSV link must keep."""
    if csv_name and request.GET.get("format") == "csv":
        audit.record_export(request, name=csv_name)
        return csv_response(csv_name, csv_header, csv_rows)
    context = {"page": page, "filters": page.filters, "viewer": page.viewer, "form": page.form, **context}
    if csv_name and page.filters is not None:
        context["csv_url"] = f"{request.path}?{page.filters.query(format='csv', **(csv_query or {}))}"
    return render(request, template, context, status=status)
