"""Follow-up cases: my open cases, every case in scope with filters, one case with its
status, notes, outcome, recovery score and history, and each supervisor's alert choice.

Supervisors see and change only their departments' cases (another department's case is a
404, as if it did not exist); admins see every case; agents never see cases.
"""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agents.roles import AGENT, Viewer, viewer_for
from followups import alerts, recovery, rules, services
from followups.case_forms import AlertPreferenceForm, AssignForm, CaseFilterForm, NoteForm, StatusForm
from followups.models import FollowUpCase, NotificationPreference
from followups.tasks import send_case_alerts
from nps_project.enqueue import enqueue_on_commit

PER_PAGE = 50


def case_page(view: Callable) -> Callable:
    """Signed-in supervisors and admins only; an agent goes to their own page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        viewer = viewer_for(request.user)
        if not viewer.sees_dashboards:
            if viewer.role == AGENT:
                return redirect("dashboard-me")
            raise PermissionDenied("Your account has no access to follow-up cases. Ask an admin for a role.")
        return view(request, viewer, *args, **kwargs)

    return wrapper


def _listed(cases: QuerySet[FollowUpCase]) -> QuerySet[FollowUpCase]:
    return cases.select_related("department", "assignee", "response__agent").order_by("due_at", "pk")


def _paged(request: HttpRequest, cases: QuerySet[FollowUpCase]):
    return Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))


@case_page
@require_http_methods(["GET"])
def my_cases(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    cases = services.visible_cases(viewer).filter(assignee=request.user, status__in=FollowUpCase.ACTIVE)
    context = {"viewer": viewer, "page_obj": _paged(request, _listed(cases)), "tab": "mine", "query": ""}
    return render(request, "dashboard/cases.html", context)


@case_page
@require_http_methods(["GET"])
def case_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    visible = services.visible_cases(viewer)
    departments = list(viewer.visible_departments())
    assignees = (
        get_user_model()
        .objects.filter(assigned_cases__in=visible)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    form = CaseFilterForm(request.GET or None, departments=departments, assignees=assignees)
    status = 200
    if request.GET and not form.is_valid():
        cases, status = visible.none(), 400
    else:
        cases = _filtered(visible, form.cleaned_data if request.GET else {}, form, request)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "viewer": viewer,
        "filter_form": form,
        "page_obj": _paged(request, _listed(cases)),
        "tab": "all",
        "query": query.urlencode(),
        "rule_alerts": rules.inapp_alerts(None if viewer.is_admin else frozenset(viewer.department_ids)),
    }
    return render(request, "dashboard/cases.html", context, status=status)


def _filtered(cases: QuerySet, data: dict, form: CaseFilterForm, request: HttpRequest) -> QuerySet:
    status = data.get("status") or ""
    if status == "":
        cases = cases.filter(status__in=FollowUpCase.ACTIVE)
    elif status != "all":
        cases = cases.filter(status=status)
    if data.get("department"):
        cases = cases.filter(department=form.departments[data["department"]])
    assignee = data.get("assignee") or ""
    if assignee == "me":
        cases = cases.filter(assignee=request.user)
    elif assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    elif assignee:
        cases = cases.filter(assignee_id=int(assignee))
    if data.get("overdue"):
        cases = cases.filter(status__in=FollowUpCase.ACTIVE, due_at__lt=timezone.now())
    return cases


# --- One case -------------------------------------------------------------------------------


def _applied(form: forms.Form, change: Callable[[], object]) -> bool:
    """Run the change for a valid form; a rule the case enforces lands on the form's fields."""
    if not form.is_valid():
        return False
    try:
        change()
    except services.CaseInvalid as invalid:
        for name, message in invalid.errors.items():
            form.add_error(name if name in form.fields else None, message)
        return False
    return True


def _status(request: HttpRequest, case: FollowUpCase, viewer: Viewer) -> StatusForm:
    form = StatusForm(request.POST, case=case)

    def change() -> None:
        data = form.cleaned_data
        services.change_status(
            case,
            status=data["status"],
            by=request.user,
            outcome=data["outcome"],
            note=data["note"],
            send_recovery=data.get("send_recovery", False),
        )

    if _applied(form, change):
        messages.success(request, f"The case is now {FollowUpCase.Status(form.cleaned_data['status']).label.lower()}.")
    return form


def _note(request: HttpRequest, case: FollowUpCase, viewer: Viewer) -> NoteForm:
    form = NoteForm(request.POST)
    if _applied(form, lambda: services.add_note(case, form.cleaned_data["text"], by=request.user)):
        messages.success(request, "Note added.")
    return form


def _assign(request: HttpRequest, case: FollowUpCase, viewer: Viewer) -> AssignForm:
    form = AssignForm(request.POST, case=case)
    if _applied(form, lambda: services.assign(case, form.cleaned_data["assignee"], by=request.user)):
        messages.success(request, "Assignment saved.")
    return form


def _recovery(request: HttpRequest, case: FollowUpCase, viewer: Viewer) -> None:
    recovery.send_recovery_survey(case, by=request.user)
    messages.success(request, "Recovery survey created.")


def _retry_alert(request: HttpRequest, case: FollowUpCase, viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise PermissionDenied("Only admins can resend alerts.")
    enqueue_on_commit(send_case_alerts, case.pk)
    messages.success(request, "Sending the alert again.")


ACTIONS = {"status": _status, "note": _note, "assign": _assign, "recovery": _recovery, "retry_alert": _retry_alert}


@case_page
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, viewer: Viewer, pk: int) -> HttpResponse:
    case = get_object_or_404(
        services.visible_cases(viewer).select_related(
            "department", "assignee", "response__agent", "response__interaction", "recovery"
        ),
        pk=pk,
    )
    page_forms = {"status": StatusForm(case=case), "note": NoteForm(), "assign": AssignForm(case=case)}
    errors = []
    status = 200
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            return HttpResponseBadRequest("Unknown action.")
        try:
            form = action(request, case, viewer)
        except services.CaseInvalid as invalid:
            form, errors = None, list(invalid.errors.values())
        if form is not None and not form.is_valid():
            page_forms[request.POST["action"]] = form
        elif not errors:
            return redirect("dashboard-case", pk=case.pk)
        status = 400
    recovery_survey = getattr(case, "recovery", None)
    context = {
        "viewer": viewer,
        "case": case,
        "response": case.response,
        "interaction": case.response.interaction,
        "events": case.events.select_related("actor"),
        "alerts": case.alerts.select_related("recipient") if viewer.is_admin else (),
        "recovery": recovery_survey,
        "recovery_url": recovery.recovery_url(recovery_survey) if recovery_survey else "",
        "forms": page_forms,
        "errors": errors,
    }
    return render(request, "dashboard/cases_detail.html", context, status=status)


# --- Alert settings --------------------------------------------------------------------------


@case_page
@require_http_methods(["GET", "POST"])
def alert_settings(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    preference = NotificationPreference.objects.filter(user=request.user).first() or NotificationPreference(
        user=request.user, case_alerts=alerts.preference_for(request.user)
    )
    form = AlertPreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Saved: {preference.get_case_alerts_display().lower()}.")
        return redirect("dashboard-case-alerts")
    context = {"viewer": viewer, "form_alerts": form, "tab": "alerts", "has_email": bool(request.user.email)}
    return render(request, "dashboard/cases_alerts.html", context, status=400 if form.errors else 200)
