"""Buckets kept fresh answer by answer are exactly what a rebuild from the raw answers gives.

Answers go through the real path: surveys.services.submit_response, then (after commit)
the response_submitted receivers mark buckets dirty and the flush task recomputes them.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import buckets, selectors, tasks
from analytics.models import DirtyBucket, NpsBucket
from analytics.nps import category
from surveys import services
from surveys.models import Response
from tests.factories import AgentFactory, DepartmentFactory, InteractionFactory, InvitationFactory

pytestmark = pytest.mark.django_db

FIELDS = (
    "scope",
    "day",
    "department_key",
    "agent_key",
    "channel",
    "company_promoters",
    "company_passives",
    "company_detractors",
    "agent_promoters",
    "agent_passives",
    "agent_detractors",
    "responses",
)
CHANNELS = ["phone", "chat", "email", "sms"]
# Around the 2025 spring-forward in New York (9 March), far east and far west of UTC.
ZONES = ["UTC", "America/New_York", "Asia/Jakarta", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
FIRST_DAY = date(2025, 2, 27)  # the five days cross a month boundary
# Local times at the edges of the day, and a few ordinary ones.
EDGE_TIMES = [time(0, 0), time(0, 0, 1), time(2, 30), time(12, 0), time(23, 59, 59), time(23, 30)]


@dataclass(frozen=True)
class Answer:
    agent: int  # index into the agents
    elsewhere: bool  # given while the agent worked in the next department (a moved agent's history)
    channel: str
    day: int  # days after FIRST_DAY
    at: time
    company_score: int
    agent_score: int


answers = st.builds(
    Answer,
    agent=st.integers(0, 4),
    elsewhere=st.booleans(),
    channel=st.sampled_from(CHANNELS),
    day=st.integers(0, 4),
    at=st.sampled_from(EDGE_TIMES),
    company_score=st.integers(0, 10),
    agent_score=st.integers(0, 10),
)


def snapshot() -> set[tuple]:
    return set(NpsBucket.objects.values_list(*FIELDS))


def expected_buckets() -> set[tuple]:
    """What the buckets must hold, counted in Python from the stored responses."""
    tz = ZoneInfo(django_settings.TIME_ZONE)
    sums: dict[tuple, Counter] = {}
    for r in Response.objects.all():
        day = r.occurred_at.astimezone(tz).date()
        tally = Counter(
            {f"company_{category(r.company_score)}s": 1, f"agent_{category(r.agent_score)}s": 1, "responses": 1}
        )
        for key in (
            ("agent", day, r.department_id, r.agent_id, r.channel),
            ("department", day, r.department_id, 0, r.channel),
            ("company", day, 0, 0, r.channel),
            ("agentmonth", day.replace(day=1), r.department_id, r.agent_id, r.channel),
        ):
            sums.setdefault(key, Counter()).update(tally)
    return {(*key, *(tally[f] for f in FIELDS[5:])) for key, tally in sums.items()}


def submit(agent, department, *, channel: str, occurred_at: datetime, company: int, agent_score: int) -> Response:
    interaction = InteractionFactory(agent=agent, department=department, channel=channel, occurred_at=occurred_at)
    return services.submit_response(
        invitation=InvitationFactory(interaction=interaction),
        company_score=company,
        agent_score=agent_score,
        why="",
        language="en",
    )


@pytest.fixture(autouse=True)
def _no_flush_pending():
    """A flush flag left in a shared cache by an earlier test would hold back this one's flush."""
    cache.delete(tasks.FLUSH_SCHEDULED)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(zone=st.sampled_from(ZONES), sequence=st.lists(answers, min_size=1, max_size=16), split=st.integers(0, 16))
def test_incremental_buckets_equal_a_full_rebuild(django_capture_on_commit_callbacks, zone, sequence, split):
    with override_settings(TIME_ZONE=zone), transaction.atomic():
        departments = [DepartmentFactory(), DepartmentFactory(), DepartmentFactory()]
        agents = [AgentFactory(department=departments[i % 3]) for i in range(5)]
        # Two bursts: each answer's after-commit work runs when its burst ends.
        for burst in (sequence[:split], sequence[split:]):
            with django_capture_on_commit_callbacks(execute=True):
                for a in burst:
                    home = agents[a.agent].department
                    snapshot_department = departments[(departments.index(home) + a.elsewhere) % 3]
                    submit(
                        agents[a.agent],
                        snapshot_department,
                        channel=a.channel,
                        occurred_at=datetime.combine(FIRST_DAY + timedelta(days=a.day), a.at, tzinfo=ZoneInfo(zone)),
                        company=a.company_score,
                        agent_score=a.agent_score,
                    )

        incremental = snapshot()
        assert incremental == expected_buckets()
        assert not DirtyBucket.objects.exists()

        # Flushing again, or recomputing keys that are already right, changes nothing.
        assert tasks.flush_nps_buckets() == 0
        for r in Response.objects.all():
            buckets.mark_dirty(
                department_id=r.department_id, agent_id=r.agent_id, channel=r.channel, occurred_at=r.occurred_at
            )
        assert tasks.flush_nps_buckets() == len({k[1:5] for k in incremental if k[0] == "agent"})
        assert tasks.flush_nps_buckets() == 0
        assert snapshot() == incremental

        result = buckets.rebuild()
        assert snapshot() == incremental
        assert result.buckets == len(incremental)
        transaction.set_rollback(True)  # the next example starts from an empty database


def test_an_agent_who_moves_keeps_past_answers_in_the_old_department(django_capture_on_commit_callbacks):
    billing, claims = DepartmentFactory(code="billing"), DepartmentFactory(code="claims")
    dewi = AgentFactory(department=billing)
    morning = datetime(2025, 6, 2, 9, 0, tzinfo=ZoneInfo("UTC"))

    with django_capture_on_commit_callbacks(execute=True):
        for score in (10, 9, 3):  # before the move: two promoters, one detractor
            submit(dewi, dewi.department, channel="phone", occurred_at=morning, company=8, agent_score=score)
    dewi.department = claims
    dewi.save()
    with django_capture_on_commit_callbacks(execute=True):
        # The interaction snapshot takes the agent's current department (as the API does).
        interaction = InteractionFactory(agent=dewi, channel="phone", occurred_at=morning + timedelta(hours=6))
        assert interaction.department == claims
        services.submit_response(
            invitation=InvitationFactory(interaction=interaction),
            company_score=8,
            agent_score=7,
            why="",
            language="en",
        )

    def per_department() -> dict[str, tuple[int, int, int]]:
        rows = selectors.nps_by(group_by="department", question="agent", since=morning.date(), until=morning.date())
        return {r.key: (r.counts.promoters, r.counts.passives, r.counts.detractors) for r in rows}

    assert per_department() == {"billing": (2, 0, 1), "claims": (0, 1, 0)}
    agent_rows = NpsBucket.objects.filter(scope="agent", agent_key=dewi.pk).values_list("department_key", "responses")
    assert sorted(agent_rows) == sorted([(billing.pk, 3), (claims.pk, 1)])
    incremental = snapshot()

    buckets.rebuild()

    assert snapshot() == incremental
    assert per_department() == {"billing": (2, 0, 1), "claims": (0, 1, 0)}

    # Grouped by agent, Dewi's figure covers both departments; filtered by one, only its answers.
    def dewi_in(department=None) -> int:
        rows = selectors.nps_by(
            group_by="agent", question="agent", since=morning.date(), until=morning.date(), department=department
        )
        return next(r.responses for r in rows if r.key == dewi.external_id)

    assert (dewi_in(), dewi_in(billing), dewi_in(claims)) == (4, 3, 1)
