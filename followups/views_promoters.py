"""Promoters: recent answers with both scores at PROMOTER_MIN_SCORE or more (9: NPS
promoters), per department, for a thank-you or a review request; "mark as thanked"
records who contacted them, so nobody is thanked twice.

Who may be contacted. Answers carry no consent field, so the rule is: the interaction has
contact details (email or phone); the same customer (same email or phone) was not thanked
or asked for a review, for any answer, within the fatigue window (the default survey's
fatigue_days, the same window that keeps surveys from wearing customers out); and no
follow-up case is open for them (someone is still dealing with a complaint). The default
list shows only those; the others are listed, with the reason, under "All".

Supervisors see and mark only their departments' promoters (another department's answer is
a 404); admins see every department; agents never see this page.

The reads (the page, its counts, the CSV) are in followups/promoter_selectors.py; pages are
keyset pages ("after"/"before" carry the row a page ends or starts at), see there why.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agents.roles import AGENT, Viewer, viewer_for
from analytics.csv_export import csv_response
from analytics.dashboard.exports import ScopedPeriodForm, with_default_period
from followups import promoter_selectors as selectors
from followups.models import PromoterContact
from followups.promoter_selectors import day_label, fatigue_days, why_not
from privacy import audit
from surveys.models import Response

PER_PAGE = 50
CSV_LIMIT = 50_000
DEFAULT_DAYS = 30
NOTE_MAX = 1000


class AlreadyContacted(Exception):
    """The answer, or the same customer within the fatigue window, was already contacted."""


def mark_contacted(response: Response, *, kind: str, by: AbstractBaseUser, note: str = "") -> PromoterContact:
    """Record that someone thanked the customer (or asked for a review) for this answer."""
    now = timezone.now()
    window_start = now - timedelta(days=fatigue_days())
    interaction = response.interaction
    same_customer = Q()
    if interaction.customer_email:
        same_customer |= Q(response__interaction__customer_email=interaction.customer_email)
    if interaction.customer_phone:
        same_customer |= Q(response__interaction__customer_phone=interaction.customer_phone)
    with transaction.atomic():
        existing = PromoterContact.objects.filter(response=response).select_related("by").first()
        if existing is not None:
            who = (existing.by.get_full_name() or existing.by.get_username()) if existing.by else "someone"
            raise AlreadyContacted(f"Already done by {who} on {day_label(existing.at)}.")
        if same_customer and PromoterContact.objects.filter(same_customer, at__gte=window_start).exists():
            raise AlreadyContacted("This customer was contacted recently for another answer; give them a rest.")
        try:
            with transaction.atomic():
                return PromoterContact.objects.create(response=response, kind=kind, by=by, at=now, note=note)
        except IntegrityError as exc:  # someone else marked it a moment ago
            raise AlreadyContacted("Someone marked this answer a moment ago.") from exc


# --- Views --------------------------------------------------------------------------------------


class PromoterFilterForm(ScopedPeriodForm):
    default_days = DEFAULT_DAYS
    show = forms.ChoiceField(
        required=False,
        choices=[("", "To contact"), ("contacted", "Already contacted"), ("all", "All promoters")],
    )

    def filters(self) -> selectors.Filters:
        data = self.cleaned_data
        department = self.departments.get(data.get("department") or "")
        in_scope = [department] if department is not None else self.departments.values()
        return selectors.Filters(
            departments=selectors.in_list_order(in_scope),
            since=data["since"],
            until=data["until"],
            channel=data.get("channel") or "",
            show=data.get("show") or selectors.SHOW_TO_CONTACT,
        )


class ContactForm(forms.Form):
    kind = forms.ChoiceField(choices=PromoterContact.Kind.choices, initial=PromoterContact.Kind.THANKS)
    note = forms.CharField(required=False, max_length=NOTE_MAX, strip=True)


def _viewer_or_refuse(request: HttpRequest) -> Viewer | HttpResponse:
    viewer = viewer_for(request.user)
    if viewer.sees_dashboards:
        return viewer
    if viewer.role == AGENT:
        return redirect("dashboard-me")
    raise PermissionDenied("Your account has no dashboard access. Ask an admin for a role.")


CSV_HEADER = (
    "date",
    "department",
    "agent_id",
    "agent",
    "channel",
    "company_score",
    "agent_score",
    "why",
    "language",
    "customer_name",
    "customer_email",
    "customer_phone",
    "contacted",
    "not_on_list_because",
)


def _csv_row(r: Response) -> tuple:
    reason = why_not(r)
    contactable = not reason
    interaction = r.interaction
    return (
        timezone.localtime(r.occurred_at).date(),
        r.department.name,
        r.agent.external_id,
        str(r.agent),
        r.channel,
        r.company_score,
        r.agent_score,
        r.why,
        r.language,
        interaction.customer_name if contactable else "",
        interaction.customer_email if contactable else "",
        interaction.customer_phone if contactable else "",
        hasattr(r, "promoter_contact"),
        reason,
    )


class KeysetPage:
    """One page of the list for the template: its rows, links to the pages around it, and
    "page N of M" when the count is exact (the number is carried in the links)."""

    def __init__(self, rows: list[Response], *, number: int, has_previous: bool, has_next: bool, count: int | None):
        self.object_list = rows
        self.number = number
        self.has_previous, self.has_next = has_previous, has_next
        self.num_pages = max(1, -(-count // PER_PAGE)) if count is not None else None
        self.first_cursor = selectors.Cursor.of(rows[0]).encode() if rows else ""
        self.last_cursor = selectors.Cursor.of(rows[-1]).encode() if rows else ""

    def __iter__(self):
        return iter(self.object_list)


def _page_number(raw: str, default: int) -> int:
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10**6 else default


@login_required
@require_http_methods(["GET"])
def promoter_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer_or_refuse(request)
    if isinstance(viewer, HttpResponse):
        return viewer
    form = PromoterFilterForm(with_default_period(request.GET, DEFAULT_DAYS), viewer=viewer)
    code = request.GET.get("department", "")
    if code and code not in form.departments and not viewer.is_admin:
        raise PermissionDenied("That department is outside your scope.")
    after = selectors.Cursor.decode(request.GET["after"]) if request.GET.get("after") else None
    before = selectors.Cursor.decode(request.GET["before"]) if request.GET.get("before") else None
    bad_cursor = (request.GET.get("after") and after is None) or (request.GET.get("before") and before is None)
    query = form.data.copy()
    for key in ("page", "after", "before", "format"):
        query.pop(key, None)
    refused = {"viewer": viewer, "filter_form": form, "page_obj": None, "query": query.urlencode()}
    if not form.is_valid() or bad_cursor or (after and before):
        return render(request, "dashboard/promoters.html", {**refused, "bad_link": form.is_valid()}, status=400)
    filters = form.filters()
    window_days = fatigue_days()
    blocked = selectors.blocked_customers(window_days)
    if request.GET.get("format") == "csv":
        audit.record_export(request, name="nps-promoters")
        rows = selectors.promoters(filters, blocked)[:CSV_LIMIT]
        return csv_response("nps-promoters", CSV_HEADER, (_csv_row(r) for r in rows))
    try:
        found = selectors.page_ids(filters, blocked, after=after, before=before, size=PER_PAGE)
    except ValueError:  # a link from another scope or filter: the row is not in this list
        return render(request, "dashboard/promoters.html", {**refused, "bad_link": True}, status=400)
    counts = selectors.counts(filters, blocked)
    rows = selectors.load(found.ids, blocked)
    for response in rows:
        response.reason = why_not(response)
    if (after is None and before is None) or (before is not None and not found.has_more):
        number = 1
    else:
        number = _page_number(request.GET.get("page", ""), 2 if after else 1)
    page_obj = KeysetPage(
        rows,
        number=number,
        has_previous=bool(after) or (before is not None and found.has_more),
        has_next=found.has_more if before is None else True,
        count=counts.shown if counts.shown_is_exact else None,
    )
    csv_query = query.copy()
    csv_query["format"] = "csv"
    context = {
        "viewer": viewer,
        "filter_form": form,
        "page_obj": page_obj,
        "counts": counts,
        "count_cap": selectors.COUNT_CAP,
        "show": filters.show,
        "query": query.urlencode(),
        "csv_url": f"{request.path}?{csv_query.urlencode()}",
        "since": filters.since,
        "until": filters.until,
        "minimum": settings.PROMOTER_MIN_SCORE,
        "fatigue_days": window_days,
        "contact_form": ContactForm(),
        "next_url": request.get_full_path(),
    }
    return render(request, "dashboard/promoters.html", context)


@login_required
@require_http_methods(["POST"])
def mark_thanked(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer_or_refuse(request)
    if isinstance(viewer, HttpResponse):
        return viewer
    visible = Response.objects.select_related("interaction")
    if not viewer.is_admin:
        visible = visible.filter(department_id__in=viewer.department_ids)
    response = get_object_or_404(
        visible, pk=pk, company_score__gte=settings.PROMOTER_MIN_SCORE, agent_score__gte=settings.PROMOTER_MIN_SCORE
    )
    form = ContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose thanked or review request; keep the note short.")
    else:
        try:
            contact = mark_contacted(
                response, kind=form.cleaned_data["kind"], by=request.user, note=form.cleaned_data["note"]
            )
        except AlreadyContacted as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{contact.get_kind_display()}: recorded for the answer of {response.agent}.")
    next_url = request.POST.get("next", "")
    if not next_url.startswith(reverse("dashboard-promoters")):
        next_url = reverse("dashboard-promoters")
    return redirect(next_url)
