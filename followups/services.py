"""Follow-up cases: every detractor answer opens one, owned by the department the
interaction happened in; supervisors contact the customer, note what they did and close
it with an outcome. Writes go through these functions; each records who did what when.

Emails (alerts, digests, escalations) live in followups/alerts.py, the recovery
re-survey in followups/recovery.py, configurable alert rules in followups/rules.py.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from agents.models import Department
from agents.roles import Viewer
from analytics import buckets
from followups import alerts
from followups.models import CaseAlert, CaseAlertMode, CaseEvent, FollowUpCase, NotificationPreference
from followups.signals import case_opened, case_resolved
from nps_project.enqueue import enqueue_on_commit
from surveys.models import Response

logger = logging.getLogger(__name__)

Status = FollowUpCase.Status
CLOSED = (Status.RESOLVED, Status.WONT_FIX)
NEXT_STATUSES = {
    Status.OPEN: (Status.CONTACTED, Status.RESOLVED, Status.WONT_FIX),
    Status.CONTACTED: (Status.RESOLVED, Status.WONT_FIX),
    # A closed case may be reopened (the customer calls again), nothing else.
    Status.RESOLVED: (Status.OPEN,),
    Status.WONT_FIX: (Status.OPEN,),
}
TEXT_MAX_LENGTH = 5000
MISSING_CASE_LOOKBACK = timedelta(days=2)


class CaseInvalid(Exception):
    """A change the case cannot take; `errors` maps form field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- Opening ------------------------------------------------------------------------------


def is_detractor(response: Response) -> bool:
    """Either question at or below FOLLOWUP_DETRACTOR_MAX (6: the NPS detractor range)."""
    limit = settings.FOLLOWUP_DETRACTOR_MAX
    return response.company_score <= limit or response.agent_score <= limit


def department_supervisors(department_id: int) -> list[AbstractBaseUser]:
    """Active supervisors of the department, in the order they were given it."""
    through = Department.supervisors.through
    rows = through.objects.filter(department_id=department_id, user__is_active=True).select_related("user")
    return [row.user for row in rows.order_by("pk")]


def open_case_for(response: Response) -> FollowUpCase | None:
    """Open the response's case if it is a detractor answer; None otherwise.

    Idempotent: the database allows one case per response, so a repeated or concurrent
    call returns the case stored first. Supervisors are alerted after commit.
    """
    if not is_detractor(response):
        return None
    existing = FollowUpCase.objects.filter(response_id=response.pk).first()
    if existing is not None:
        return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            supervisors = department_supervisors(response.department_id)
            case = FollowUpCase.objects.create(
                response=response,
                department_id=response.department_id,
                assignee=supervisors[0] if supervisors else None,
                opened_at=now,
                due_at=now + timedelta(hours=settings.FOLLOWUP_DUE_HOURS),
            )
            CaseEvent.record(case, CaseEvent.Kind.OPENED, to_status=Status.OPEN, text=_opened_text(case), at=now)
            transaction.on_commit(partial(case_opened.send_robust, sender=FollowUpCase, case=case))
            _alert(case, supervisors)
    except IntegrityError:
        existing = FollowUpCase.objects.filter(response_id=response.pk).first()
        if existing is None:
            raise
        return existing
    return case


def open_cases_on(keys: Iterable[buckets.BucketKey]) -> int:
    """Open the cases of the detractor answers of these agents over these days that have none.

    The bucket flush announces the keys new answers touched (analytics.signals.buckets_flushed),
    so a case opens within about a second of the answer without the customer's request
    paying for it."""
    keys = list(keys)
    if not keys:
        return 0
    limit = settings.FOLLOWUP_DETRACTOR_MAX
    days = [key.day for key in keys]
    missing = (
        Response.objects.filter(
            agent_id__in={key.agent_key for key in keys},
            occurred_at__gte=buckets.day_start(min(days)),
            occurred_at__lt=buckets.day_start(max(days) + timedelta(days=1)),
        )
        .filter(Q(company_score__lte=limit) | Q(agent_score__lte=limit))
        .filter(~Exists(FollowUpCase.objects.filter(response_id=OuterRef("pk"))))
        .order_by("pk")
    )
    return open_cases(list(missing))


def open_cases(responses: list[Response]) -> int:
    """open_case_for() for many answers at once: one transaction of a few statements
    whatever their number (one by one if another process opened one of them meanwhile)."""
    responses = [response for response in responses if is_detractor(response)]
    if not responses:
        return 0
    through = Department.supervisors.through
    supervisors: dict[int, list[AbstractBaseUser]] = {}
    rows = through.objects.filter(department_id__in={r.department_id for r in responses}, user__is_active=True)
    for row in rows.select_related("user").order_by("pk"):
        supervisors.setdefault(row.department_id, []).append(row.user)
    now = timezone.now()
    due = now + timedelta(hours=settings.FOLLOWUP_DUE_HOURS)
    try:
        with transaction.atomic():
            cases = FollowUpCase.objects.bulk_create(
                [
                    FollowUpCase(
                        response=response,
                        department_id=response.department_id,
                        assignee=(supervisors.get(response.department_id) or [None])[0],
                        opened_at=now,
                        due_at=due,
                    )
                    for response in responses
                ]
            )
            CaseEvent.objects.bulk_create(
                [
                    CaseEvent(
                        case=case, kind=CaseEvent.Kind.OPENED, to_status=Status.OPEN, text=_opened_text(case), at=now
                    )
                    for case in cases
                ]
            )
            for case in cases:
                transaction.on_commit(partial(case_opened.send_robust, sender=FollowUpCase, case=case))
            _alert_many([case for case in cases if case.department_id in supervisors], supervisors)
    except IntegrityError:
        return sum(open_case_for(response) is not None for response in responses)
    return len(cases)


def _alert_many(cases: list[FollowUpCase], supervisors: dict[int, list[AbstractBaseUser]]) -> None:
    """_alert() for many cases: one preference read and one INSERT for all their alerts."""
    if not cases:
        return
    users = {user.pk: user for case in cases for user in supervisors[case.department_id]}
    modes = dict(NotificationPreference.objects.filter(user__in=list(users)).values_list("user_id", "case_alerts"))
    rows = [
        CaseAlert(case=case, recipient=user, mode=modes.get(user.pk, CaseAlertMode.IMMEDIATE))
        for case in cases
        for user in supervisors[case.department_id]
        if user.email and modes.get(user.pk, CaseAlertMode.IMMEDIATE) != CaseAlertMode.OFF
    ]
    CaseAlert.objects.bulk_create(rows)
    immediate = sorted({row.case.pk for row in rows if row.mode == CaseAlertMode.IMMEDIATE})
    if immediate:
        from followups.tasks import send_case_alerts  # tasks import this module

        for case_id in immediate:
            enqueue_on_commit(send_case_alerts, case_id)


def _opened_text(case: FollowUpCase) -> str:
    response = case.response
    assigned = display_name(case.assignee) if case.assignee else "nobody (no supervisor): admins see it"
    return f"Detractor answer: company {response.company_score}, agent {response.agent_score}. Assigned to {assigned}."


def _alert(case: FollowUpCase, supervisors: list[AbstractBaseUser]) -> None:
    created = alerts.create_alerts(case, supervisors)
    if any(alert.mode == CaseAlertMode.IMMEDIATE for alert in created):
        from followups.tasks import send_case_alerts  # tasks import this module

        enqueue_on_commit(send_case_alerts, case.pk)


def open_missing_cases(*, now: datetime | None = None) -> int:
    """Open cases for recent detractor answers that have none (their signal was lost)."""
    now = now or timezone.now()
    limit = settings.FOLLOWUP_DETRACTOR_MAX
    missing = Response.objects.filter(
        Q(company_score__lte=limit) | Q(agent_score__lte=limit),
        submitted_at__gte=now - MISSING_CASE_LOOKBACK,
        followup_case__isnull=True,
    )
    opened = 0
    for response in missing.order_by("pk")[:500]:
        if open_case_for(response) is not None:
            opened += 1
    return opened


# --- Working a case -------------------------------------------------------------------------


def assignable_users(case: FollowUpCase) -> QuerySet:
    """Who a case can be given to: its department's supervisors and the admins."""
    users = get_user_model().objects.filter(is_active=True)
    return (
        users.filter(Q(supervised_departments=case.department_id) | Q(is_staff=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def assign(case: FollowUpCase, assignee: AbstractBaseUser | None, *, by: AbstractBaseUser) -> FollowUpCase:
    if assignee is not None and not assignable_users(case).filter(pk=assignee.pk).exists():
        raise CaseInvalid({"assignee": "Choose a supervisor of this department or an admin."})
    with transaction.atomic():
        locked = _locked(case)
        if locked.assignee_id == (assignee.pk if assignee else None):
            raise CaseInvalid({"assignee": "The case is already assigned to them."})
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
        CaseEvent.record(locked, CaseEvent.Kind.ASSIGNED, actor=by, text=f"Assigned to {display_name(assignee)}.")
    return locked


def status_change_errors(
    case: FollowUpCase, *, status: str, outcome: str = "", note: str = "", send_recovery: bool = False
) -> dict[str, str]:
    """What is wrong with moving `case` to `status`, by form field; empty when nothing is."""
    errors = {}
    if status == case.status:
        errors["status"] = f"The case is already {case.get_status_display().lower()}. Choose another status."
    elif status not in NEXT_STATUSES.get(case.status, ()):
        allowed = ", ".join(Status(s).label.lower() for s in NEXT_STATUSES.get(case.status, ()))
        errors["status"] = f"A {case.get_status_display().lower()} case can only become: {allowed}."
    if status in CLOSED and not outcome.strip():
        errors["outcome"] = "Write the outcome: what was done and what the customer said."
    if len(outcome) > TEXT_MAX_LENGTH:
        errors["outcome"] = f"Keep the outcome to {TEXT_MAX_LENGTH} characters or fewer."
    if len(note) > TEXT_MAX_LENGTH:
        errors["note"] = f"Keep the note to {TEXT_MAX_LENGTH} characters or fewer."
    if send_recovery and status != Status.RESOLVED:
        errors["send_recovery"] = "Only a resolved case can send the customer a recovery survey."
    elif send_recovery and hasattr(case, "recovery"):
        errors["send_recovery"] = "This case already sent its recovery survey."
    return errors


def change_status(
    case: FollowUpCase,
    *,
    status: str,
    by: AbstractBaseUser,
    outcome: str = "",
    note: str = "",
    send_recovery: bool = False,
) -> FollowUpCase:
    """Move the case on (all or nothing); resolving or closing needs an outcome."""
    outcome, note = outcome.strip(), note.strip()
    with transaction.atomic():
        locked = _locked(case)
        errors = status_change_errors(locked, status=status, outcome=outcome, note=note, send_recovery=send_recovery)
        if errors:
            raise CaseInvalid(errors)
        now = timezone.now()
        previous = locked.status
        locked.status = status
        if status == Status.CONTACTED:
            locked.contacted_at = locked.contacted_at or now
        if status in CLOSED:
            locked.closed_at = now
            locked.outcome = outcome
        elif status == Status.OPEN:
            locked.closed_at = None
        locked.save(update_fields=["status", "contacted_at", "closed_at", "outcome"])
        text = "\n\n".join(part for part in (outcome and f"Outcome: {outcome}", note) if part)
        CaseEvent.record(
            locked, CaseEvent.Kind.STATUS, actor=by, from_status=previous, to_status=status, text=text, at=now
        )
        if status in CLOSED and previous not in CLOSED:
            transaction.on_commit(partial(case_resolved.send_robust, sender=FollowUpCase, case=locked))
        if send_recovery:
            from followups import recovery  # recovery imports this module

            recovery.send_recovery_survey(locked, by=by)
    return locked


def add_note(case: FollowUpCase, text: str, *, by: AbstractBaseUser) -> CaseEvent:
    text = text.strip()
    if not text:
        raise CaseInvalid({"text": "Write a note before saving."})
    if len(text) > TEXT_MAX_LENGTH:
        raise CaseInvalid({"text": f"Keep the note to {TEXT_MAX_LENGTH} characters or fewer."})
    return CaseEvent.record(case, CaseEvent.Kind.NOTE, actor=by, text=text)


# --- Reading ------------------------------------------------------------------------------------


def visible_cases(viewer: Viewer) -> QuerySet[FollowUpCase]:
    """Every case for admins, their departments' for supervisors, none for anyone else."""
    cases = FollowUpCase.objects.all()
    if viewer.is_admin:
        return cases
    if viewer.sees_dashboards:
        return cases.filter(department_id__in=viewer.department_ids)
    return cases.none()


def case_counts(department_ids: frozenset[int] | None) -> dict[str, int]:
    """Open (not yet resolved) and overdue cases, in one query; None = every department."""
    cases = FollowUpCase.objects.filter(status__in=FollowUpCase.ACTIVE)
    if department_ids is not None:
        cases = cases.filter(department_id__in=department_ids)
    return cases.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=timezone.now())))


@dataclass
class WeekCases:
    """For the Monday view: detractor cases opened in a week, and what is overdue now."""

    opened: int
    opened_still_active: int
    overdue: int
    oldest_overdue: list[FollowUpCase]


def week_cases(*, since: datetime, until: datetime, department_ids: frozenset[int] | None, limit: int = 5) -> WeekCases:
    """The cases of the answers about interactions in [since, until) (counted on the
    interaction's day, like the week's NPS) and the cases overdue now, in the departments
    (None = every department): two aggregate queries and the `limit` longest-overdue cases."""
    cases = FollowUpCase.objects.all()
    if department_ids is not None:
        cases = cases.filter(department_id__in=department_ids)
    now = timezone.now()
    week = cases.filter(response__occurred_at__gte=since, response__occurred_at__lt=until).aggregate(
        opened=Count("pk"), active=Count("pk", filter=Q(status__in=FollowUpCase.ACTIVE))
    )
    overdue = cases.filter(status__in=FollowUpCase.ACTIVE, due_at__lt=now)
    oldest = list(overdue.select_related("department", "assignee", "response__agent").order_by("due_at", "pk")[:limit])
    return WeekCases(week["opened"], week["active"], overdue.count(), oldest)


# --- The periodic sweep ----------------------------------------------------------------------


@dataclass
class SweepResult:
    opened: int = 0
    escalated: int = 0
    alert_case_ids: list[int] = field(default_factory=list)
    recovery_ids: list[int] = field(default_factory=list)


def sweep(*, now: datetime | None = None) -> SweepResult:
    """Catch up on whatever a lost message or a mail outage left undone: cases not
    opened, overdue cases not escalated, alerts and recovery surveys not sent."""
    from followups import recovery

    now = now or timezone.now()
    return SweepResult(
        opened=open_missing_cases(now=now),
        escalated=alerts.escalate_overdue(now=now),
        alert_case_ids=alerts.cases_with_unsent_alerts(now=now),
        recovery_ids=recovery.unsent_recovery_surveys(now=now),
    )


# --- Helpers -----------------------------------------------------------------------------------


def _locked(case: FollowUpCase) -> FollowUpCase:
    return FollowUpCase.objects.select_for_update(of=("self",)).select_related("department").get(pk=case.pk)


def display_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return "nobody"
    return user.get_full_name() or user.get_username()
