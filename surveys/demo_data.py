"""A realistic demo contact center: departments, agents, customers, and months of
interactions with the invitations and answers the real services would have produced.

Who works where. Each agent has a latent quality; Customer Retention holds most of the best
agents, so the champion analysis finds its concentration. Each department adds its own effect
on both questions; Claims & Refunds has good agents and a company-side problem (its policy), so
its company score trails its agent score. A few agents joined recently (not enough answers
yet), two left, three moved department. What happens over time is in surveys/demo_simulation.py.

Idempotency: every demo interaction has source "demo" and a fixed external id. Seeding
deletes the previous demo interactions with their invitations, responses and whatever was
derived from those responses, then inserts the new set, in one transaction; departments,
agents and the demo logins are upserted by code, external id and username. The same seed
gives the same data within the same hour: the data set is a snapshot as of the start of the
current hour (interactions up to then, links answered, opened or expired by then).
"""

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import NormalDist

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.utils import timezone

from agents.models import Agent, AgentMove, Department
from agents.services import local_day, start_of
from surveys.assignment import conflicting_rules, survey_for
from surveys.demo_simulation import DEMO_SOURCE, AgentPlan, DepartmentSpec, Simulation
from surveys.demo_text import AGENT_NAMES
from surveys.models import (
    Channel,
    Interaction,
    Invitation,
    QuestionKind,
    Response,
    Survey,
    SurveyAssignment,
    SurveyQuestion,
    SurveyTranslation,
    SurveyVersion,
)
from surveys.services import default_survey
from surveys.versions import current_version, snapshot
from surveys.wording import builtin_templates

DEFAULT_SEED = 2024
DEFAULT_INTERACTIONS = 24_000
DEFAULT_MONTHS = 6
BATCH_SIZE = 2000
DAYS_PER_MONTH = 30.44

DEPARTMENTS = (
    DepartmentSpec(
        code="billing", name="Billing & Payments", target_nps=30, headcount=10, talent=0.0, agent_effect=0.0,
        company_effect=-0.2, complexity=1.0, transfer_rate=0.14,
        channels={"phone": 0.45, "chat": 0.3, "email": 0.2, "sms": 0.05},
        tags=("billing", "payment", "refund", "pricing"),
    ),
    DepartmentSpec(
        code="tech-support", name="Technical Support", target_nps=20, headcount=12, talent=-0.1, agent_effect=0.0,
        company_effect=-0.3, complexity=1.2, transfer_rate=0.28,
        channels={"phone": 0.4, "chat": 0.4, "email": 0.15, "sms": 0.05},
        tags=("outage", "password", "app"),
    ),
    DepartmentSpec(
        code="sales", name="Sales", target_nps=35, headcount=9, talent=0.05, agent_effect=0.15,
        company_effect=0.4, complexity=0.8, transfer_rate=0.1,
        channels={"phone": 0.5, "chat": 0.35, "email": 0.1, "sms": 0.05},
        tags=("upgrade", "pricing", "delivery"),
    ),
    DepartmentSpec(  # where most of the best agents work
        code="retention", name="Customer Retention", target_nps=45, headcount=17, talent=1.1, agent_effect=0.2,
        company_effect=0.0, complexity=1.0, transfer_rate=0.06,
        channels={"phone": 0.7, "chat": 0.2, "email": 0.05, "sms": 0.05},
        tags=("cancellation", "pricing", "upgrade"),
    ),
    DepartmentSpec(
        code="onboarding", name="Onboarding", target_nps=None, headcount=8, talent=0.1, agent_effect=0.1,
        company_effect=0.5, complexity=0.9, transfer_rate=0.1,
        channels={"phone": 0.3, "chat": 0.4, "email": 0.2, "sms": 0.1},
        tags=("activation", "password", "delivery"),
    ),
    DepartmentSpec(  # good agents, a company-side problem: the claims policy
        code="claims", name="Claims & Refunds", target_nps=10, headcount=10, talent=0.0, agent_effect=0.3,
        company_effect=-1.4, complexity=1.0, transfer_rate=0.15,
        channels={"phone": 0.4, "chat": 0.2, "email": 0.35, "sms": 0.05},
        tags=("claim", "refund", "delivery"),
    ),
)  # fmt: skip

# Agents who changed department: (from, to, days ago). Their older interactions keep the old one.
MOVES = (("billing", "retention", 70), ("sales", "onboarding", 45), ("tech-support", "billing", 100))
NEW_HIRE_DEPARTMENTS = ("billing", "tech-support", "sales", "retention", "claims")  # joined 3 to 6 weeks ago
LEAVER_DEPARTMENTS = ("tech-support", "sales")  # left two to three months ago


@dataclass(frozen=True)
class SeedResult:
    departments: int
    agents: int
    surveys: list[tuple[Survey, SurveyVersion]]
    interactions: int
    invitations: int
    suppressed: int
    responses: int
    replaced: int
    seconds: float

    @property
    def response_rate(self) -> float:
        invited = self.invitations - self.suppressed
        return self.responses / invited if invited else 0.0


def seed(
    *,
    seed: int = DEFAULT_SEED,
    interactions: int = DEFAULT_INTERACTIONS,
    months: int = DEFAULT_MONTHS,
    now: datetime | None = None,
) -> SeedResult:
    """Replace the demo data with a freshly generated set; returns what was stored."""
    started = time.monotonic()
    now = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)  # the data is "as of" this hour
    rng = random.Random(seed)
    with transaction.atomic():
        replaced = delete_demo_data()
        departments = upsert_departments()
        plans = plan_agents(rng, now=now)
        upsert_agents(plans, departments)
        record_moves(plans, departments)
        default, channel_surveys = ensure_demo_surveys()
        versions = {survey.pk: current_version(survey) for survey in {default, *channel_surveys.values()}}
        simulation = Simulation(
            rng,
            now=now,
            survey=default,
            specs=DEPARTMENTS,
            plans=plans,
            departments=departments,
            channel_surveys=channel_surveys,
            versions=versions,
        )
        rows = simulation.run(count=interactions, days=max(1, round(months * DAYS_PER_MONTH)))
        _insert(rows)
    suppressed = sum(1 for _, invitation, _ in rows if invitation.status == Invitation.Status.SUPPRESSED)
    return SeedResult(
        departments=len(departments),
        agents=len(plans),
        surveys=[(survey, versions[survey.pk]) for survey in sorted({default, *channel_surveys.values()}, key=str)],
        interactions=len(rows),
        invitations=len(rows),
        suppressed=suppressed,
        responses=sum(1 for *_, response in rows if response is not None),
        replaced=replaced,
        seconds=time.monotonic() - started,
    )


def delete_demo_data() -> int:
    """Delete the demo interactions and everything hanging off them; returns how many."""
    interactions = Interaction.objects.filter(source=DEMO_SOURCE)
    count = interactions.count()
    if not count:
        return 0
    responses = Response.objects.filter(interaction__source=DEMO_SOURCE)
    # Rows derived from demo answers (e.g. follow-up cases) protect them; they go first.
    for relation in Response._meta.related_objects:
        if relation.on_delete is models.PROTECT:
            relation.related_model._default_manager.filter(**{f"{relation.field.name}__in": responses}).delete()
    responses.delete()
    Invitation.objects.filter(interaction__source=DEMO_SOURCE).delete()
    interactions.delete()
    return count


def upsert_departments() -> dict[str, Department]:
    """The demo departments by code; existing ones keep the name and target an admin gave them."""
    departments = {}
    for spec in DEPARTMENTS:
        departments[spec.code], _ = Department.objects.get_or_create(
            code=spec.code, defaults={"name": spec.name, "target_nps": spec.target_nps}
        )
    return departments


def plan_agents(rng: random.Random, *, now: datetime) -> list[AgentPlan]:
    """Who works where, how good they are, and their history (hires, leavers, moves)."""
    names = list(AGENT_NAMES)
    rng.shuffle(names)
    plans = []
    for spec in DEPARTMENTS:
        # Qualities at evenly spaced quantiles, in random order: every seed gets the same spread.
        spread = NormalDist(spec.talent, 0.3 if spec.code == "retention" else 0.45)
        qualities = [spread.inv_cdf((i + 0.5) / spec.headcount) for i in range(spec.headcount)]
        rng.shuffle(qualities)
        for quality in qualities:
            part_time = rng.random() < 0.1
            plans.append(
                AgentPlan(
                    external_id=f"agt-{101 + len(plans)}",
                    name=names.pop(),
                    department=spec.code,
                    quality=quality,
                    weight=0.55 if part_time else rng.uniform(0.85, 1.2),
                )
            )
    by_department = {spec.code: [p for p in plans if p.department == spec.code] for spec in DEPARTMENTS}
    for code in NEW_HIRE_DEPARTMENTS:
        hire = by_department[code][-1]
        hire.joined = now - timedelta(days=rng.randint(21, 42))
        hire.quality -= 0.2  # still learning
    for code in LEAVER_DEPARTMENTS:
        leaver = by_department[code][-2]
        leaver.left = now - timedelta(days=rng.randint(60, 90))
    for old, new, days_ago in MOVES:
        mover = by_department[new][0]
        # From the start of a day, as moves are recorded (agents.services.move_agent).
        mover.moved_from, mover.moved_at = old, start_of(local_day(now - timedelta(days=days_ago)))
    return plans


def upsert_agents(plans: list[AgentPlan], departments: dict[str, Department]) -> None:
    for plan in plans:
        plan.agent, _ = Agent.objects.update_or_create(
            external_id=plan.external_id,
            defaults={"name": plan.name, "department": departments[plan.department], "active": plan.left is None},
        )


def record_moves(plans: list[AgentPlan], departments: dict[str, Department]) -> None:
    """The department history of the demo agents: the moves the plan made, as an admin would
    have recorded them (interactions before a move keep the old department)."""
    AgentMove.objects.filter(agent__in=[plan.agent for plan in plans]).delete()
    AgentMove.objects.bulk_create(
        AgentMove(
            agent=plan.agent,
            from_department=departments[plan.moved_from],
            to_department=departments[plan.department],
            effective_from=local_day(plan.moved_at),
            applied=True,
            note="Demo data",
        )
        for plan in plans
        if plan.moved_from and plan.moved_at
    )


SMS_SURVEY = "SMS quick survey"
SMS_WHY = {
    "en": "Anything else you would like to tell us? (optional)",
    "id": "Ada hal lain yang ingin Anda sampaikan? (opsional)",
    "es": "¿Algo más que quiera contarnos? (opcional)",
}
SMS_CSAT = {
    "en": "How satisfied are you with how your request was handled?",
    "id": "Seberapa puas Anda dengan penanganan permintaan Anda?",
    "es": "¿Qué tan satisfecho está con la gestión de su solicitud?",
}


DEFAULT_CES = {
    "en": "How easy was it to get your request handled?",
    "id": "Seberapa mudah permintaan Anda ditangani?",
    "es": "¿Qué tan fácil fue resolver su solicitud?",
}


def ensure_demo_surveys() -> tuple[Survey, dict[str, Survey]]:
    """The default survey, with an optional effort (CES) question, and a second one for SMS
    conversations with a CSAT question (created once; an admin's later edits are kept).
    Returns the default survey and, per channel, the survey an assignment rule gives that
    channel instead."""
    default = default_survey()
    never_edited = not default.questions.exists() and not default.versions.filter(number__gt=1).exists()
    if never_edited:  # the demo charts CES on every page; an admin's own questions stay as they are
        SurveyQuestion.objects.create(survey=default, key="ces", kind=QuestionKind.CES, position=1, text=DEFAULT_CES)
        snapshot(default)
    if not Survey.objects.filter(name=SMS_SURVEY).exists():
        sms = Survey.objects.create(name=SMS_SURVEY, link_expiry_days=3, fatigue_days=30)
        SurveyTranslation.objects.bulk_create(
            SurveyTranslation(survey=sms, language=code, **{**builtin_templates(code), "why_prompt": why})
            for code, why in SMS_WHY.items()
        )
        SurveyQuestion.objects.create(survey=sms, key="csat", kind=QuestionKind.CSAT, position=1, text=SMS_CSAT)
        if not conflicting_rules(survey=sms, rules=[(None, Channel.SMS)]):
            SurveyAssignment.objects.create(survey=sms, channel=Channel.SMS)
        snapshot(sms)
    channel_surveys = {}
    for channel in Channel.values:
        survey = survey_for(department=None, channel=channel)
        if survey != default:
            channel_surveys[channel] = survey
    return default, channel_surveys


def _insert(rows: list[tuple[Interaction, Invitation, Response | None]]) -> None:
    """Bulk insert, then set the creation times the real flow would have recorded (the
    auto_now_add columns are stamped with the insert time by bulk_create)."""
    Interaction.objects.bulk_create([r[0] for r in rows], batch_size=BATCH_SIZE)
    Invitation.objects.bulk_create([r[1] for r in rows], batch_size=BATCH_SIZE)
    Response.objects.bulk_create([r[2] for r in rows if r[2] is not None], batch_size=BATCH_SIZE)
    demo = Interaction.objects.filter(source=DEMO_SOURCE)
    demo.update(created_at=F("occurred_at"))
    occurred = Interaction.objects.filter(pk=OuterRef("interaction_id")).values("occurred_at")
    Invitation.objects.filter(interaction__in=demo).update(created_at=Subquery(occurred))
    answered = Invitation.objects.filter(pk=OuterRef("invitation_id")).values("answered_at")
    Response.objects.filter(interaction__in=demo).update(submitted_at=Subquery(answered))


# --- Demo logins ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


SUPERVISED_DEPARTMENTS = ("retention", "claims")


def ensure_demo_logins() -> list[DemoLogin]:
    """admin (superuser), supervisor (of two departments) and agent (linked to one agent),
    each with its username as password; created or reset, never duplicated."""
    users = get_user_model()
    admin = _user(users, "admin", is_staff=True, is_superuser=True)
    supervisor = _user(users, "supervisor", is_staff=False, is_superuser=False)
    supervised = list(Department.objects.filter(code__in=SUPERVISED_DEPARTMENTS).order_by("name"))
    supervisor.supervised_departments.add(*supervised)
    agent_user = _user(users, "agent", is_staff=False, is_superuser=False)
    agent = (  # a typical agent with plenty of answers
        Agent.objects.filter(external_id__startswith="agt-", department__code="billing", active=True)
        .annotate(answers=Count("responses"))
        .order_by("-answers", "external_id")
        .first()
    )
    if agent is not None:
        Agent.objects.filter(user=agent_user).exclude(pk=agent.pk).update(user=None)
        agent.user = agent_user
        agent.save(update_fields=["user"])
    return [
        DemoLogin(admin.username, "admin", "superuser: every dashboard and the admin"),
        DemoLogin(
            supervisor.username,
            "supervisor",
            "supervisor of " + " and ".join(d.name for d in supervised),
        ),
        DemoLogin(agent_user.username, "agent", f"agent: {agent}'s own page" if agent else "agent (no agent linked)"),
    ]


def _user(users, username: str, *, is_staff: bool, is_superuser: bool):
    user, _ = users.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.com", "first_name": username.title()}
    )
    user.is_staff, user.is_superuser, user.is_active = is_staff, is_superuser, True
    user.set_password(username)
    user.save()
    return user
