"""Who may see what. Roles are derived, not stored:

- admin: a staff user (they also configure surveys in the admin) — sees everything;
- supervisor: a user assigned to one or more departments — sees those departments;
- agent: a user linked to an Agent — sees only their own page.
Company-wide aggregates are visible to everyone signed in, as the benchmark.
"""

from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from agents.models import Agent, Department

ADMIN, SUPERVISOR, AGENT = "admin", "supervisor", "agent"


@dataclass(frozen=True)
class Viewer:
    role: str | None
    department_ids: frozenset[int] = field(default_factory=frozenset)
    agent_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def sees_dashboards(self) -> bool:
        return self.role in (ADMIN, SUPERVISOR)

    def can_see_department(self, department: Department | int | None) -> bool:
        if self.is_admin:
            return True
        department_id = department.pk if isinstance(department, Department) else department
        return self.role == SUPERVISOR and department_id in self.department_ids

    def can_see_agent(self, agent: Agent) -> bool:
        if self.is_admin:
            return True
        if self.role == SUPERVISOR:
            return agent.department_id in self.department_ids
        return self.role == AGENT and agent.pk == self.agent_id

    def visible_departments(self):
        qs = Department.objects.all()
        return qs if self.is_admin else qs.filter(pk__in=self.department_ids)


def viewer_for(user: AbstractBaseUser | AnonymousUser | None) -> Viewer:
    if user is None or not user.is_authenticated:
        return Viewer(role=None)
    if user.is_staff or user.is_superuser:
        return Viewer(role=ADMIN)
    department_ids = frozenset(user.supervised_departments.values_list("pk", flat=True))
    if department_ids:
        return Viewer(role=SUPERVISOR, department_ids=department_ids)
    agent = Agent.objects.filter(user=user).values_list("pk", flat=True).first()
    if agent is not None:
        return Viewer(role=AGENT, agent_id=agent)
    return Viewer(role=None)


def staff_required(view):
    """Admins only: anonymous visitors go to the login page, other roles get 403."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not viewer_for(request.user).is_admin:
            raise PermissionDenied("Only admins manage surveys, people and tokens.")
        return view(request, *args, **kwargs)

    return guarded
