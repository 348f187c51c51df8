"""The admins' pages for people and structure: /manage/departments/, /manage/agents/,
/manage/users/. Thin: forms check, services write."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.forms import BaseFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts import lockout
from agents import services
from agents.forms import AgentForm, DepartmentForm, MoveForm, NewUserForm, UserRoleForm
from agents.models import Agent, AgentMove, Department
from agents.roles import staff_required, viewer_for
from privacy import audit

PAGE_SIZE = 100


def manage_render(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """Render an admin-area page (it extends the dashboards' layout, which needs the viewer).

    Fields with errors point at their message (aria-describedby) for screen readers."""
    for value in context.values():
        for form in _forms_in(value):
            link_errors(form)
    return render(request, template, {"viewer": viewer_for(request.user), **context}, status=status)


def _forms_in(value) -> list[forms.BaseForm]:
    if isinstance(value, forms.BaseForm):
        return [value]
    if isinstance(value, BaseFormSet):
        return list(value.forms)
    if hasattr(value, "all_forms"):
        return value.all_forms()
    return []


def link_errors(form: forms.BaseForm) -> None:
    if not form.is_bound:
        return
    for name in form.errors:
        if name not in form.fields:
            continue
        field, auto_id = form.fields[name], form[name].auto_id
        ids = ([f"{auto_id}_helptext"] if field.help_text else []) + [f"{auto_id}-error"]
        field.widget.attrs["aria-describedby"] = " ".join(ids)


# --- Departments ---------------------------------------------------------------------------------


@staff_required
def department_list(request: HttpRequest) -> HttpResponse:
    departments = Department.objects.annotate(
        agent_count=Count("agents", filter=Q(agents__active=True), distinct=True)
    ).prefetch_related("supervisors")
    return manage_render(request, "editor/departments.html", {"departments": departments})


@staff_required
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    department = get_object_or_404(Department, pk=pk) if pk else None
    form = DepartmentForm(request.POST or None, instance=department)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                saved = form.save()
                audit.record(
                    "department.updated" if department else "department.created",
                    target=saved,
                    request=request,
                    details=changed_fields(form),
                )
            messages.success(request, f"Department “{saved.name}” saved.")
            return redirect("manage-departments")
        status = 400
    else:
        status = 200
    return manage_render(
        request, "editor/department_form.html", {"form": form, "department": department}, status=status
    )


# --- Agents --------------------------------------------------------------------------------------


@staff_required
def agent_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    department = request.GET.get("department", "")
    agents = Agent.objects.select_related("department", "user").order_by("name", "external_id")
    if query:
        agents = agents.filter(Q(name__icontains=query) | Q(external_id__icontains=query))
    if department.isdigit():
        agents = agents.filter(department_id=int(department))
    today = services.local_day(timezone.now())
    pending = {
        move.agent_id: move
        for move in AgentMove.objects.filter(effective_from__gt=today).select_related("to_department")
    }
    total = agents.count()
    rows = [(agent, pending.get(agent.pk)) for agent in agents[:PAGE_SIZE]]
    context = {
        "rows": rows,
        "total": total,
        "shown": len(rows),
        "query": query,
        "department": department,
        "departments": Department.objects.order_by("name"),
    }
    return manage_render(request, "editor/agents.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def agent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agent = get_object_or_404(Agent.objects.select_related("department", "user"), pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    move_form = MoveForm(request.POST if action == "move" else None)
    agent_form = AgentForm(request.POST if action == "details" else None, instance=agent)
    status = 200
    if action == "move":
        if move_form.is_valid():
            data = move_form.cleaned_data
            try:
                with transaction.atomic():
                    move = services.move_agent(
                        agent=agent,
                        to_department=data["to_department"],
                        effective_from=data["effective_from"],
                        by=request.user,
                        note=data["note"],
                    )
                    audit.record(
                        "agent.moved",
                        target=agent,
                        request=request,
                        details={"to": move.to_department.code, "from_day": move.effective_from.isoformat()},
                    )
            except services.MoveInvalid as error:
                move_form.add_error("effective_from" if "day" in str(error) else "to_department", str(error))
            else:
                when = "from today" if move.applied else f"from {move.effective_from:%-d %B %Y}"
                messages.success(request, f"{agent} moves to {move.to_department} {when}.")
                return redirect("manage-agent", pk=agent.pk)
        status = 400
    elif action == "details":
        if agent_form.is_valid():
            with transaction.atomic():
                agent_form.save()
                audit.record("agent.updated", target=agent, request=request, details=changed_fields(agent_form))
            messages.success(request, f"{agent} saved.")
            return redirect("manage-agent", pk=agent.pk)
        status = 400
    elif action == "cancel":
        move = get_object_or_404(AgentMove, pk=request.POST.get("move"), agent=agent)
        try:
            with transaction.atomic():
                services.cancel_move(move)
                audit.record(
                    "agent.move_cancelled",
                    target=agent,
                    request=request,
                    details={"to": move.to_department.code, "from_day": move.effective_from.isoformat()},
                )
        except services.MoveInvalid as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"The move to {move.to_department} is cancelled.")
        return redirect("manage-agent", pk=agent.pk)
    today = services.local_day(timezone.now())
    moves = agent.moves.select_related("from_department", "to_department", "created_by").order_by("-effective_from")
    context = {
        "agent": agent,
        "moves": moves,
        "today": today,
        "move_form": move_form,
        "agent_form": agent_form,
        "interactions": agent.interactions.count(),
    }
    return manage_render(request, "editor/agent_detail.html", context, status=status)


# --- Users and roles -----------------------------------------------------------------------------


def _role_rows(users):
    departments: dict[int, list[str]] = {}
    for user_id, name in Department.supervisors.through.objects.values_list("user_id", "department__name"):
        departments.setdefault(user_id, []).append(name)
    agents = dict(Agent.objects.exclude(user=None).values_list("user_id", "name"))
    rows = []
    for user in users:
        roles = []
        if user.is_staff or user.is_superuser:
            roles.append("Admin")
        if user.pk in departments:
            roles.append("Supervisor of " + ", ".join(sorted(departments[user.pk])))
        if user.pk in agents:
            roles.append(f"Agent: {agents[user.pk]}")
        rows.append((user, roles))
    return rows


@staff_required
def user_list(request: HttpRequest) -> HttpResponse:
    users = get_user_model().objects.order_by("-is_active", "username")
    context = {"rows": _role_rows(users), "locked": lockout.locked_usernames()}
    return manage_render(request, "editor/users.html", context)


@staff_required
@require_POST
def user_unlock(request: HttpRequest) -> HttpResponse:
    """Lift a sign-in lockout at once (the failed attempts are forgotten; audited)."""
    username = request.POST.get("username", "").strip()
    if not username or lockout.locked_until(username) is None:
        messages.error(request, f"“{username}” is not locked.")
        return redirect("manage-users")
    with transaction.atomic():
        lockout.unlock(username=username, by=request.user, request=request)
    messages.success(request, f"“{username}” is unlocked and can sign in now.")
    return redirect("manage-users")


def roles_snapshot(user) -> dict:
    """A user's roles as the audit log records them."""
    return {
        "admin": bool(user.is_staff or user.is_superuser),
        "departments": sorted(user.supervised_departments.values_list("code", flat=True)),
        "agent": Agent.objects.filter(user=user).values_list("external_id", flat=True).first(),
        "active": user.is_active,
    }


def changed_fields(form: forms.BaseForm, *, exclude: set[str] = frozenset()) -> dict:
    """What the form changed, for the audit log: field names and new values (never passwords)."""
    changed = {}
    for name in form.changed_data:
        if name in exclude or "password" in name:
            continue
        value = form.cleaned_data.get(name)
        if isinstance(value, QuerySet | list | tuple | set):
            value = sorted(str(item) for item in value)
        elif value is not None and not isinstance(value, bool | int | float | str):
            value = str(value)
        changed[name] = value
    return {"changed": changed} if changed else {}


@staff_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=pk) if pk else None
    if user is None:
        form = NewUserForm(request.POST or None)
    else:
        form = UserRoleForm(request.POST or None, instance=user, editor=request.user)
    status = 200
    if request.method == "POST":
        before = roles_snapshot(user) if user else None  # validating the form already changes `user`
        if form.is_valid():
            with transaction.atomic():
                saved = form.save()
                services.set_roles(
                    user=saved, departments=form.cleaned_data["departments"], agent=form.cleaned_data["agent"]
                )
                details = changed_fields(form, exclude={"password1", "password2", "departments", "agent", "is_staff"})
                after = roles_snapshot(saved)
                if after != before:
                    details |= {"roles_before": before, "roles": after}
                audit.record("user.updated" if user else "user.created", target=saved, request=request, details=details)
            messages.success(request, f"{saved.get_username()} saved.")
            return redirect("manage-users")
        status = 400
    return manage_render(request, "editor/user_form.html", {"form": form, "account": user}, status=status)
