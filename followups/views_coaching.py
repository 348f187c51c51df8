"""Coaching pages: "who to coach this week" for supervisors, and one agent's coaching page
(private notes, goals with their progress, kudos). Supervisors see the agents of their
departments, admins everyone; agents never open these pages (they see their goals and
kudos on their own page, through followups/templatetags/coaching.py)."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from agents.models import Agent
from agents.roles import Viewer, viewer_for
from analytics.dashboard.common import PageRequest, dashboard_page, page_response
from followups import coaching_selectors as selectors
from followups import coaching_services as services
from followups.coaching_forms import CloseGoalForm, GoalForm, KudosForm, NoteForm
from followups.coaching_models import CoachingGoal


@dashboard_page()
@require_http_methods(["GET"])
def coaching_queue(request: HttpRequest, page: PageRequest) -> HttpResponse:
    queue = selectors.coaching_queue(department_ids=page.filters.department_ids)
    days = (queue.week.end - queue.period_since).days + 1
    return page_response(request, "dashboard/coaching.html", page, {"queue": queue, "settings_days": days})


def coach_page(view: Callable) -> Callable:
    """Signed-in supervisors of the agent's department and admins; anyone else gets 403
    (agents included, even for themselves: notes are never theirs to read)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, **kwargs) -> HttpResponse:
        viewer = viewer_for(request.user)
        if not viewer.sees_dashboards:
            raise PermissionDenied("Coaching is for supervisors and admins.")
        agent = get_object_or_404(Agent.objects.select_related("department"), pk=pk)
        if not services.can_coach(viewer, agent):
            raise PermissionDenied("This agent is outside your departments.")
        return view(request, viewer, agent, **kwargs)

    return wrapper


def _render(request: HttpRequest, viewer: Viewer, agent: Agent, *, status: int = 200, **forms) -> HttpResponse:
    candidates = list(
        selectors.kudos_candidates(agent, department_ids=None if viewer.is_admin else viewer.department_ids)
    )
    context = {
        "viewer": viewer,
        "agent": agent,
        "notes": selectors.notes_of(agent),
        "goals": selectors.goals_of(agent),
        "kudos": selectors.kudos_of(agent)[:20],
        "candidates": candidates,
        "note_form": forms.get("note_form") or NoteForm(),
        "goal_form": forms.get("goal_form") or GoalForm(),
        "kudos_form": forms.get("kudos_form") or KudosForm(candidates=candidates),
        "error": forms.get("error", ""),
    }
    return render(request, "dashboard/coaching_agent.html", context, status=status)


@coach_page
@require_http_methods(["GET"])
def coaching_agent(request: HttpRequest, viewer: Viewer, agent: Agent) -> HttpResponse:
    return _render(request, viewer, agent)


def _done(request: HttpRequest, agent: Agent, message: str, anchor: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse("dashboard-coaching-agent", args=[agent.pk]) + f"#{anchor}")


@coach_page
@require_POST
def add_note(request: HttpRequest, viewer: Viewer, agent: Agent) -> HttpResponse:
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(
                viewer=viewer, agent=agent, author=request.user, text=form.cleaned_data["text"], request=request
            )
        except services.CoachingRefused as exc:
            form.add_error("text", str(exc))
        else:
            return _done(request, agent, "Note saved.", "notes-h")
    return _render(request, viewer, agent, status=400, note_form=form)


@coach_page
@require_POST
def set_goal(request: HttpRequest, viewer: Viewer, agent: Agent) -> HttpResponse:
    form = GoalForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.set_goal(
                viewer=viewer,
                agent=agent,
                author=request.user,
                kind=data["kind"],
                due_on=data["due_on"],
                target_nps=data.get("target_nps"),
                theme_key=data.get("theme_key") or "",
                target_share=data.get("target_share"),
                note=data.get("note") or "",
                request=request,
            )
        except services.CoachingRefused as exc:
            form.add_error(None, str(exc))
        else:
            return _done(request, agent, "Goal set: the agent sees it on their page.", "goals-h")
    return _render(request, viewer, agent, status=400, goal_form=form)


@login_required
@require_POST
def close_goal(request: HttpRequest, goal_pk: int) -> HttpResponse:
    goal = get_object_or_404(CoachingGoal.objects.select_related("agent"), pk=goal_pk)
    viewer = viewer_for(request.user)
    if not services.can_coach(viewer, goal.agent):
        raise PermissionDenied("Coaching is for the supervisors of the agent's department and admins.")
    form = CloseGoalForm(request.POST)
    if form.is_valid():
        try:
            services.close_goal(
                viewer=viewer, goal=goal, author=request.user, status=form.cleaned_data["status"], request=request
            )
        except services.CoachingRefused as exc:
            return _render(request, viewer, goal.agent, status=400, error=str(exc))
        return _done(request, goal.agent, "Goal closed.", "goals-h")
    return _render(request, viewer, goal.agent, status=400, error="Close a goal as met or dropped.")


@coach_page
@require_POST
def send_kudos(request: HttpRequest, viewer: Viewer, agent: Agent) -> HttpResponse:
    candidates = list(
        selectors.kudos_candidates(agent, department_ids=None if viewer.is_admin else viewer.department_ids)
    )
    form = KudosForm(request.POST, candidates=candidates)
    if form.is_valid():
        response = form.candidates[form.cleaned_data["response"]]
        try:
            services.send_kudos(
                viewer=viewer,
                agent=agent,
                response=response,
                author=request.user,
                message=form.cleaned_data["message"],
                request=request,
            )
        except services.CoachingRefused as exc:
            form.add_error("response", str(exc))
        else:
            return _done(request, agent, f"Kudos sent to {agent.first_name}.", "kudos-h")
    return _render(request, viewer, agent, status=400, kudos_form=form)
