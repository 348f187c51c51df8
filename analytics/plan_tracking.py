"""The champion plan, tracked: accepting a plan item (a move or a pairing) records it with
a start date, and from then on the champions page measures whether it worked.

Writes (accept, stop, undo) happen in one transaction each, with their audit record: a
refused request stores nothing. An accepted move is recorded as the agent's department move
by agents.services.move_agent, as the admin's move form does: the agent's current
department changes on the start date and earlier answers keep the department snapshot of
their interaction (DESIGN.md, "Attribution uses the department snapshot").

Measurement. After = the days from the start date to today (both included); before = the
same number of days just before the start date. For each agent involved (the champion, the
low scorers paired with them) the agent question, summed over whatever department they
answered in; for each department involved (where the champion came from, where they went or
were paired) both questions, by the snapshot on the answers. Each figure has its n and its
adjusted-Wald interval, the change its own interval (analytics/nps.py: change_interval); a
change counts only outside the noise (change_is_real). The item's result is read on the
figure the plan promised to lift: the paired agents together for a pairing, the receiving
department's agent question for a move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from agents import services as agent_services
from agents.models import Agent, Department
from agents.roles import Viewer
from analytics import nps, selectors
from analytics.champion_plan import round1
from analytics.models import PlanAction, Scope
from privacy import audit

EARLIEST_START_DAYS = 30  # a pairing that began up to a month ago can still be recorded
LATEST_START_DAYS = 90

WORKED, WORSE, NOISE, NO_ANSWERS, NOT_STARTED = "worked", "worse", "within_noise", "no_answers", "not_started"
VERDICT_LABELS = {
    WORKED: "worked",
    WORSE: "made it worse",
    NOISE: "too early / within noise",
    NO_ANSWERS: "no answers yet",
    NOT_STARTED: "not started yet",
}


class PlanActionRefused(Exception):
    """The request cannot be done; `status` is the HTTP status that says why (400 or 409)."""

    def __init__(self, message: str, *, status: int = 409):
        super().__init__(message)
        self.status = status


# --- Plan items --------------------------------------------------------------------------------


def item_key(item: dict) -> str:
    """A plan item's identity: kind, champion, target department and the paired agents."""
    paired = "+".join(sorted(p["key"] or "" for p in item["paired"]))
    return f"{item['action']}:{item['champion']['key']}:{item['target_department']}:{paired}"


def item_departments(item: dict) -> set[str | None]:
    """The codes of every department a plan item touches."""
    codes = {item["from_department"], item["target_department"], item["champion"]["department"]}
    return codes | {p["department"] for p in item["paired"]}


def may_act(viewer: Viewer, codes: set[str | None]) -> bool:
    """Admins act on any item; a supervisor only on items wholly inside their departments."""
    if viewer.is_admin:
        return True
    if not viewer.sees_dashboards or None in codes:
        return False
    mine = set(Department.objects.filter(pk__in=viewer.department_ids).values_list("code", flat=True))
    return codes <= mine


def start_bounds(today: date) -> tuple[date, date]:
    return today - timedelta(days=EARLIEST_START_DAYS), today + timedelta(days=LATEST_START_DAYS)


# --- Writes ------------------------------------------------------------------------------------


@transaction.atomic
def accept(
    *, plan: list[dict], key: str, start: date, viewer: Viewer, by: AbstractBaseUser, request: HttpRequest | None
) -> PlanAction:
    """Record the plan item `key` of `plan` (the analysis' full plan) as accepted from `start`."""
    item = next((i for i in plan if item_key(i) == key), None)
    if item is None:
        raise PlanActionRefused("This plan item is not in the current plan any more (the figures changed). Reload.")
    if not may_act(viewer, item_departments(item)):
        raise PermissionDenied("This plan item involves departments outside yours; an admin can accept it.")
    first, last = start_bounds(timezone.localdate())
    if not first <= start <= last:
        raise PlanActionRefused(f"Choose a start date from {first} to {last}.", status=400)
    keys = [item["champion"]["key"], *(p["key"] for p in item["paired"])]
    agents = Agent.objects.select_related("department").in_bulk(keys, field_name="external_id")
    champion = agents.get(item["champion"]["key"])
    paired = [agents.get(p["key"]) for p in item["paired"]]
    target = Department.objects.filter(code=item["target_department"]).first()
    if champion is None or target is None or None in paired:
        raise PlanActionRefused("An agent or department of this plan item no longer exists. Reload.")
    current = champion.department.code if champion.department else None
    if current != item["from_department"]:
        raise PlanActionRefused(f"{champion} no longer works in the department this plan item moves them from.")
    existing = PlanAction.objects.filter(champion=champion, status=PlanAction.Status.TRACKING).first()
    if existing is not None:
        raise PlanActionRefused(f"{champion} is already in an accepted plan item (from {existing.start_date}).")

    move = None
    if item["action"] == PlanAction.Kind.MOVE:
        try:
            move = agent_services.move_agent(
                agent=champion, to_department=target, effective_from=start, by=by, note="Champion plan"
            )
        except agent_services.MoveInvalid as error:
            raise PlanActionRefused(str(error)) from error
    try:
        with transaction.atomic():
            action = PlanAction.objects.create(
                kind=item["action"],
                item_key=key,
                champion=champion,
                from_department=champion.department,
                to_department=target,
                start_date=start,
                move=move,
                expected={**item["expected_effect"], "text": item["text"]},
                accepted_by=by,
            )
    except IntegrityError as error:  # a parallel accept of the same champion won the race
        raise PlanActionRefused(f"{champion} is already in an accepted plan item.") from error
    action.paired.set(paired)
    audit.record(
        "champion_plan.accepted",
        target=action,
        actor=by,
        request=request,
        details={
            "kind": action.kind,
            "champion": champion.external_id,
            "paired": [a.external_id for a in paired],
            "from": item["from_department"],
            "to": target.code,
            "start": start.isoformat(),
        },
    )
    return action


@transaction.atomic
def stop(*, action: PlanAction, undo: bool, viewer: Viewer, by: AbstractBaseUser, request: HttpRequest | None) -> None:
    """Stop tracking an accepted item; `undo` also takes it back, which only a not yet started
    item allows (a move not yet in effect is cancelled). A move in effect stays: moving the
    agent back is a new move on their admin page."""
    action = PlanAction.objects.select_for_update(of=("self",)).select_related("champion__department").get(pk=action.pk)
    if not may_act(viewer, action_departments(action)):
        raise PermissionDenied("This plan item involves departments outside yours.")
    if action.status != PlanAction.Status.TRACKING:
        raise PlanActionRefused(f"This item is already {action.get_status_display().lower()}.")
    if undo:
        if action.start_date <= timezone.localdate():
            raise PlanActionRefused("Only an item that has not started can be undone; stop tracking it instead.")
        if action.move is not None:
            try:
                agent_services.cancel_move(action.move)
            except agent_services.MoveInvalid as error:
                raise PlanActionRefused(str(error)) from error
            action.move = None  # the move is gone: it never happened
    action.status = PlanAction.Status.UNDONE if undo else PlanAction.Status.STOPPED
    action.stopped_by, action.stopped_at = by, timezone.now()
    action.save(update_fields=["status", "stopped_by", "stopped_at", "move"])
    audit.record(
        "champion_plan.undone" if undo else "champion_plan.stopped",
        target=action,
        actor=by,
        request=request,
        details={"kind": action.kind, "champion": action.champion.external_id, "start": action.start_date.isoformat()},
    )


def action_departments(action: PlanAction) -> set[str | None]:
    departments = [action.from_department, action.to_department, action.champion.department]
    departments += [a.department for a in action.paired.select_related("department")]
    return {d.code if d else None for d in departments}


# --- Measurement -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    since: date
    until: date

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def as_dict(self) -> dict:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(), "days": self.days}


def windows(start: date, today: date) -> tuple[Window, Window] | None:
    """(before, after) for an item started on `start`; None before it starts."""
    if start > today:
        return None
    after = Window(start, today)
    return Window(start - timedelta(days=after.days), start - timedelta(days=1)), after


def verdict(before: nps.Counts, after: nps.Counts) -> str:
    """worked / worse when the change lies outside the noise, else within_noise."""
    if before.responses == 0 or after.responses == 0:
        return NO_ANSWERS
    if not nps.change_is_real(after, before):
        return NOISE
    return WORKED if (nps.nps(after) or 0.0) > (nps.nps(before) or 0.0) else WORSE


def figure(counts: nps.Counts) -> dict:
    ci = nps.interval(counts)
    return {
        "n": counts.responses,
        "promoters": counts.promoters,
        "passives": counts.passives,
        "detractors": counts.detractors,
        "nps": round1(nps.nps(counts)),
        "ci_low": round1(ci[0]) if ci else None,
        "ci_high": round1(ci[1]) if ci else None,
    }


def measure(before: nps.Counts, after: nps.Counts) -> dict:
    bounds = nps.change_interval(after, before)
    a, b = nps.nps(after), nps.nps(before)
    result = verdict(before, after)
    return {
        "before": figure(before),
        "after": figure(after),
        "change": round1(a - b) if a is not None and b is not None else None,
        "change_ci_low": round1(bounds[0]) if bounds else None,
        "change_ci_high": round1(bounds[1]) if bounds else None,
        "verdict": result,
        "verdict_label": VERDICT_LABELS[result],
    }


def _agent_counts(agent_ids: list[int], window: Window) -> dict[int, nps.Counts]:
    rows = (
        selectors.buckets(scope=Scope.AGENT, since=window.since, until=window.until)
        .filter(agent_key__in=agent_ids)
        .values("agent_key")
        .annotate(p=Sum("agent_promoters"), s=Sum("agent_passives"), d=Sum("agent_detractors"))
    )
    return {r["agent_key"]: nps.Counts(r["p"] or 0, r["s"] or 0, r["d"] or 0) for r in rows}


def _department_counts(department_ids: list[int], window: Window) -> dict[tuple[int, str], nps.Counts]:
    sums = {f"{q}_{c}": Sum(f"{q}_{c}") for q in selectors.QUESTIONS for c in ("promoters", "passives", "detractors")}
    rows = (
        selectors.buckets(scope=Scope.DEPARTMENT, since=window.since, until=window.until)
        .filter(department_key__in=department_ids)
        .values("department_key")
        .annotate(**sums)
    )
    return {
        (r["department_key"], q): nps.Counts(
            r[f"{q}_promoters"] or 0, r[f"{q}_passives"] or 0, r[f"{q}_detractors"] or 0
        )
        for r in rows
        for q in selectors.QUESTIONS
    }


def _agent_label(agent: Agent, visible: bool) -> dict:
    department = agent.department
    row = {
        "key": agent.external_id if visible else None,
        "name": str(agent) if visible else f"an agent in {department.name if department else 'no department'}",
        "department": department.code if department else None,
        "hidden": not visible,
    }
    return {**row, "pk": agent.pk if visible else None}


def tracked(*, viewer: Viewer | None, today: date | None = None) -> list[dict]:
    """The items being tracked, each with its before/after figures, as `viewer` may see them
    (None: everything, as for an admin or an integration's token). A supervisor sees the items
    that touch their departments; other departments' agents only as "an agent in …" and other
    departments' figures not at all."""
    today = today or timezone.localdate()
    actions = list(
        PlanAction.objects.filter(status=PlanAction.Status.TRACKING)
        .select_related("champion__department", "from_department", "to_department", "accepted_by")
        .prefetch_related("paired__department")
    )
    mine: set[int] | None = None
    if viewer is not None and not viewer.is_admin:
        mine = set(viewer.department_ids)

    def sees(department: Department | None) -> bool:
        return mine is None or (department is not None and department.pk in mine)

    items = []
    for action in actions:
        paired = list(action.paired.all())
        departments = [d for d in (action.from_department, action.to_department) if d is not None]
        involved = {*departments, action.champion.department, *(a.department for a in paired)}
        if mine is not None and not any(sees(d) for d in involved):
            continue
        items.append(_measured(action, paired, departments, sees, today))
    return items


def _measured(action: PlanAction, paired: list[Agent], departments: list[Department], sees, today: date) -> dict:
    periods = windows(action.start_date, today)
    agents = [(action.champion, "champion"), *((a, "paired") for a in paired)]
    measures = []
    headline = None
    if periods is not None:
        before, after = periods
        ids = [a.pk for a, _role in agents]
        agent_before, agent_after = _agent_counts(ids, before), _agent_counts(ids, after)
        dept_ids = [d.pk for d in departments]
        dept_before, dept_after = _department_counts(dept_ids, before), _department_counts(dept_ids, after)
    for agent, role in agents:
        visible = sees(agent.department)
        row = {"subject": "agent", "role": role, "question": "agent", **_agent_label(agent, visible)}
        if periods is not None and visible:
            row |= measure(agent_before.get(agent.pk, nps.Counts()), agent_after.get(agent.pk, nps.Counts()))
        measures.append(row)
    for department in departments:
        role = "to" if department == action.to_department else "from"
        for question in selectors.QUESTIONS:
            visible = sees(department)
            row = {
                "subject": "department",
                "role": role,
                "question": question,
                "key": department.code,
                "name": department.name,
                "department": department.code,
                "hidden": not visible,
                "pk": None,
            }
            if periods is not None and visible:
                key = (department.pk, question)
                row |= measure(dept_before.get(key, nps.Counts()), dept_after.get(key, nps.Counts()))
            measures.append(row)
    if periods is not None:
        headline = _headline(action, paired, sees, agent_before, agent_after, dept_before, dept_after)
    return {
        "id": action.pk,
        "kind": action.kind,
        "status": action.status,
        "start_date": action.start_date.isoformat(),
        "accepted_at": action.accepted_at.isoformat(),
        "accepted_by": action.accepted_by.get_username() if action.accepted_by else None,
        "champion": _agent_label(action.champion, sees(action.champion.department)),
        "paired": [_agent_label(a, sees(a.department)) for a in paired],
        "from_department": action.from_department.code if action.from_department else None,
        "from_department_name": action.from_department.name if action.from_department else None,
        "to_department": action.to_department.code,
        "to_department_name": action.to_department.name,
        "departments": sorted(
            {d.code for d in (*departments, action.champion.department) if d is not None}
            | {a.department.code for a in paired if a.department is not None}
        ),
        "expected": action.expected if all(sees(a.department) for a in [action.champion, *paired]) else {},
        "before": periods[0].as_dict() if periods else None,
        "after": periods[1].as_dict() if periods else None,
        "result": headline or {"measure": "", "verdict": NOT_STARTED, "verdict_label": VERDICT_LABELS[NOT_STARTED]},
        "measures": measures,
    }


def _headline(action, paired, sees, agent_before, agent_after, dept_before, dept_after) -> dict:
    """The result on the figure the plan promised to lift (see the module docstring)."""
    if action.kind == PlanAction.Kind.PAIR and paired:
        if not all(sees(a.department) for a in paired):
            return {"measure": "the paired agents (agent question)", "verdict": None, "verdict_label": "hidden"}
        before = sum((agent_before.get(a.pk, nps.Counts()) for a in paired), nps.Counts())
        after = sum((agent_after.get(a.pk, nps.Counts()) for a in paired), nps.Counts())
        return {"measure": "the paired agents together (agent question)", **measure(before, after)}
    target = action.to_department
    label = f"{target.name} (agent question)"
    if not sees(target):
        return {"measure": label, "verdict": None, "verdict_label": "hidden"}
    key = (target.pk, "agent")
    return {"measure": label, **measure(dept_before.get(key, nps.Counts()), dept_after.get(key, nps.Counts()))}
