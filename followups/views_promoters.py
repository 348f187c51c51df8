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
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agents.roles import AGENT, Viewer, viewer_for
from analytics.buckets import day_start
from analytics.csv_export import csv_response
from analytics.dashboard.exports import ScopedPeriodForm, with_default_period
from followups.models import FollowUpCase, PromoterContact
from privacy import audit
from surveys.models import Interaction, Response, Survey

PER_PAGE = 50
CSV_LIMIT = 50_000
DEFAULT_DAYS = 30
NOTE_MAX = 1000


class AlreadyContacted(Exception):
    """The answer, or the same customer within the fatigue window, was already contacted."""


def fatigue_days() -> int:
    survey = Survey.objects.filter(is_default=True).only("fatigue_days").first()
    return survey.fatigue_days if survey else Survey._meta.get_field("fatigue_days").default


def _same_customer_as(rows: QuerySet, prefix: str):
    """A boolean expression: the outer answer's customer (its interaction's email or phone,
    when not blank) is among the customers of `rows` (reached through `prefix`).

    Two small queries first: the emails and phones of `rows` (the contacts of the window,
    the open cases: few), then the interactions with those emails or phones (by their
    indexes); the answers are then tested against that list of interaction ids, which
    PostgreSQL probes as a hash. A correlated EXISTS with an OR inside re-ran a join for
    every promoter answer of the period; a test on the interaction's own columns, or an
    uncorrelated subquery (whose size the planner overestimated by 300 times, and then
    JIT-compiled), made it scan every interaction: 2.5 s and more for a month at
    1,000,000 answers."""
    email, phone = f"{prefix}interaction__customer_email", f"{prefix}interaction__customer_phone"
    emails, phones = set(), set()
    for customer_email, customer_phone in rows.order_by().values_list(email, phone):
        if customer_email:
            emails.add(customer_email)
        if customer_phone:
            phones.add(customer_phone)
    if not emails and not phones:
        return Value(False)
    # The emails and phones as two array parameters (`= ANY(%s)`): as `IN (%s, %s, …)` each
    # costs Django and psycopg a placeholder, tens of milliseconds for a few thousand.
    table = Interaction._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE customer_email = ANY(%s) OR customer_phone = ANY(%s)",  # noqa: S608
            [sorted(emails), sorted(phones)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return Value(False)
    return ExpressionWrapper(Q(interaction_id__in=ids), output_field=BooleanField())


def promoters(*, department_ids: frozenset[int] | None, since, until, channel: str = "") -> QuerySet[Response]:
    """Promoter answers in the period with their contact state annotated:
    has_contact, thanked_recently (this customer, any answer, within the window), open_case."""
    minimum = settings.PROMOTER_MIN_SCORE
    window_start = timezone.now() - timedelta(days=fatigue_days())
    qs = Response.objects.filter(
        company_score__gte=minimum,
        agent_score__gte=minimum,
        occurred_at__gte=day_start(since),
        occurred_at__lt=day_start(until + timedelta(days=1)),
    )
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.annotate(
        has_contact=ExpressionWrapper(
            Q(interaction__customer_email__gt="") | Q(interaction__customer_phone__gt=""), output_field=BooleanField()
        ),
        thanked_recently=_same_customer_as(PromoterContact.objects.filter(at__gte=window_start), "response__"),
        open_case=_same_customer_as(FollowUpCase.objects.filter(status__in=FollowUpCase.ACTIVE), "response__"),
    ).select_related("agent", "department", "interaction", "promoter_contact__by")


def to_contact(qs: QuerySet[Response]) -> QuerySet[Response]:
    return qs.filter(has_contact=True, thanked_recently=False, open_case=False, promoter_contact__isnull=True)


def _day(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}"


def why_not(response: Response) -> str:
    """Why an answer is not on the list to contact ('' when it is)."""
    contact = getattr(response, "promoter_contact", None)
    if contact is not None:
        return f"{contact.get_kind_display()} {_day(contact.at)}"
    if not response.has_contact:
        return "No email or phone"
    if response.open_case:
        return "Follow-up case open"
    if response.thanked_recently:
        return "Contacted recently (another answer)"
    return ""


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
            raise AlreadyContacted(f"Already done by {who} on {_day(existing.at)}.")
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

    def rows(self) -> QuerySet[Response]:
        data = self.cleaned_data
        department = self.departments.get(data.get("department") or "")
        if department is not None:
            department_ids = frozenset({department.pk})
        else:
            department_ids = None if self.viewer.is_admin else self.viewer.department_ids
        qs = promoters(
            department_ids=department_ids, since=data["since"], until=data["until"], channel=data.get("channel") or ""
        )
        show = data.get("show") or ""
        if show == "contacted":
            qs = qs.filter(promoter_contact__isnull=False)
        elif show == "":
            qs = to_contact(qs)
        return qs.order_by("department__name", "-occurred_at", "-pk")


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
    if not form.is_valid():
        context = {"viewer": viewer, "filter_form": form, "page_obj": None}
        return render(request, "dashboard/promoters.html", context, status=400)
    rows = form.rows()
    if request.GET.get("format") == "csv":
        audit.record_export(request, name="nps-promoters")
        return csv_response("nps-promoters", CSV_HEADER, (_csv_row(r) for r in rows[:CSV_LIMIT]))
    # Page through the ids (the sort needs only the department joined), then load the page's
    # 50 answers with their agent, department, interaction and contact.
    page_obj = Paginator(rows.values_list("pk", flat=True), PER_PAGE).get_page(request.GET.get("page"))
    loaded = {response.pk: response for response in rows.filter(pk__in=list(page_obj.object_list))}
    page_obj.object_list = [loaded[pk] for pk in page_obj.object_list if pk in loaded]
    for response in page_obj:
        response.reason = why_not(response)
    query = form.data.copy()
    query.pop("page", None)
    csv_query = query.copy()
    csv_query["format"] = "csv"
    context = {
        "viewer": viewer,
        "filter_form": form,
        "page_obj": page_obj,
        "query": query.urlencode(),
        "csv_url": f"{request.path}?{csv_query.urlencode()}",
        "since": form.cleaned_data["since"],
        "until": form.cleaned_data["until"],
        "minimum": settings.PROMOTER_MIN_SCORE,
        "fatigue_days": fatigue_days(),
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
