"""Answers in bulk for the champion and gap tests: hundreds of responses in a few inserts.

Each answer is a real Interaction → Invitation (answered) → Response chain, as the survey
loop stores it; the buckets are then rebuilt from them with analytics.buckets.rebuild().
"""

import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.utils import timezone

from agents.models import Agent, Department
from surveys.models import Interaction, Invitation, Response
from tests.factories import SurveyFactory

_ids = itertools.count(1)


def levels(promoters: int, passives: int, detractors: int) -> list[int]:
    """Scores giving exactly these category counts: 10 for promoters, 8 passives, 3 detractors."""
    return [10] * promoters + [8] * passives + [3] * detractors


def add_answers(
    agent: Agent,
    agent_scores: list[int],
    *,
    company_scores: Iterable[int] | None = None,
    department: Department | None = None,
    when: datetime | None = None,
) -> None:
    """Store one answer per agent score (company score 9 unless given) for `agent`, under
    `department` (default: the agent's current one), on the day of `when` (default yesterday)."""
    bulk_answers(
        [
            (agent, company, score)
            for score, company in zip(agent_scores, company_scores or itertools.repeat(9), strict=False)
        ],
        department=department,
        when=when,
    )


def bulk_answers(
    answers: Iterable[tuple[Agent, int, int]], *, department: Department | None = None, when: datetime | None = None
) -> int:
    """Store (agent, company score, agent score) answers in three bulk inserts."""
    answers = list(answers)
    survey = SurveyFactory()
    occurred = when or timezone.now() - timedelta(days=1)
    interactions = Interaction.objects.bulk_create(
        [
            Interaction(
                source="bulk-test",
                external_id=f"bulk-{next(_ids)}",
                channel="phone",
                occurred_at=occurred,
                agent=agent,
                department=department or agent.department,
                survey=survey,
                language="en",
            )
            for agent, _company, _score in answers
        ]
    )
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(interaction=i, status=Invitation.Status.ANSWERED, answered_at=occurred, language="en")
            for i in interactions
        ]
    )
    Response.objects.bulk_create(
        [
            Response(
                invitation=invitation,
                interaction=invitation.interaction,
                agent=invitation.interaction.agent,
                department=invitation.interaction.department,
                channel="phone",
                occurred_at=occurred,
                company_score=company,
                agent_score=score,
                language="en",
            )
            for invitation, (_agent, company, score) in zip(invitations, answers, strict=True)
        ]
    )
    return len(answers)


CLAIMS_AND_SALES_LEVELS = [(6, 3, 1), (5, 3, 2), (4, 4, 2), (3, 4, 3), (2, 3, 5)]  # NPS 50, 30, 20, 0, −30
BILLING_LEVELS = [(3, 4, 3), (2, 3, 5), (1, 3, 6), (5, 3, 2)]  # NPS 0, −30, −50, 30


def concentrated_company() -> dict[str, Department]:
    """76 agents, 10 answers each: 15 of the top 20 work in Retention (16 of the 76).

    Retention: 8 agents at NPS 100, 7 at 90, one at 20. Claims: 3 at 80, Sales: 2 at 80,
    the rest of Claims and Sales from 50 down to −30. Billing: no one above 30, the most
    low scorers, and no champion.
    """
    departments = {
        code: Department.objects.create(code=code, name=code.title())
        for code in ("retention", "claims", "sales", "billing")
    }
    plan: list[tuple[str, str, tuple[int, int, int]]] = []
    plan += [("retention", f"Retention {i:02}", (10, 0, 0)) for i in range(1, 9)]
    plan += [("retention", f"Retention {i:02}", (9, 1, 0)) for i in range(9, 16)]
    plan += [("retention", "Retention 16", (4, 4, 2))]
    for code, strong in (("claims", 3), ("sales", 2)):
        plan += [(code, f"{code.title()} {i:02}", (8, 2, 0)) for i in range(1, strong + 1)]
        plan += [
            (code, f"{code.title()} {i:02}", CLAIMS_AND_SALES_LEVELS[(i - strong - 1) % 5])
            for i in range(strong + 1, 21)
        ]
    plan += [("billing", f"Billing {i:02}", BILLING_LEVELS[(i - 1) % 4]) for i in range(1, 21)]
    _create(plan, departments)
    return departments


BALANCED_LEVELS = [(10, 0, 0), (9, 1, 0), (8, 2, 0), (7, 2, 1), (6, 3, 1), (5, 3, 2), (3, 4, 3), (2, 3, 5)]


def balanced_company() -> dict[str, Department]:
    """Four departments of 8 agents with the same spread of levels, 10 answers each."""
    departments = {
        code: Department.objects.create(code=code, name=code.title())
        for code in ("retention", "claims", "sales", "billing")
    }
    plan = [
        (code, f"{code.title()} {i + 1:02}", level) for code in departments for i, level in enumerate(BALANCED_LEVELS)
    ]
    _create(plan, departments)
    return departments


def _create(plan: list[tuple[str, str, tuple[int, int, int]]], departments: dict[str, Department]) -> None:
    agents = Agent.objects.bulk_create(
        [
            Agent(external_id=name.lower().replace(" ", "-"), name=name, department=departments[code])
            for code, name, _level in plan
        ]
    )
    bulk_answers(
        (agent, 9, score) for agent, (_code, _name, level) in zip(agents, plan, strict=True) for score in levels(*level)
    )
