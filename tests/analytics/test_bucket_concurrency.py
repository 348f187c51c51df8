"""Bursts and races on PostgreSQL: answers submitted at once, flushes running at once.

Buckets are replaced by what the responses say, never incremented, and writers take one
advisory lock: whatever the interleaving, the counts come out exact.
"""

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from analytics import buckets, tasks
from analytics.models import DirtyBucket, NpsBucket
from analytics.nps import category
from surveys import services
from tests.analytics.champion_data import bulk_answers
from tests.conftest import wait_until
from tests.factories import AgentFactory, DepartmentFactory, InteractionFactory, InvitationFactory

BURST = 60
RACERS = 8  # agents of one department recomputed at once
ROUNDS = 5
COUNTS = ("agent_promoters", "agent_passives", "agent_detractors", "company_promoters", "responses")


def in_thread(function, *args):
    """Run in a worker thread with its own database connection, closed afterwards."""
    try:
        return function(*args)
    finally:
        connection.close()


def bucket_counts(**key) -> tuple | None:
    row = NpsBucket.objects.filter(**key).values_list(*COUNTS).first()
    return tuple(row) if row else None


def test_a_burst_of_answers_for_one_agent_and_day_gives_exact_counts(celery_worker_process):
    cache.delete(tasks.FLUSH_SCHEDULED)  # a flag left by an earlier test would delay the first flush
    agent = AgentFactory()
    occurred_at = timezone.now() - timedelta(days=1)
    invitations = [
        InvitationFactory(interaction=InteractionFactory(agent=agent, channel="chat", occurred_at=occurred_at))
        for _ in range(BURST)
    ]
    scores = [(i % 11, (i * 7) % 11) for i in range(BURST)]  # company, agent: every score, mixed orders
    agent_categories = Counter(category(a) for _c, a in scores)
    expected = (
        agent_categories["promoter"],
        agent_categories["passive"],
        agent_categories["detractor"],
        sum(1 for c, _a in scores if c >= 9),
        BURST,
    )

    def submit(invitation, company, agent_score):
        return services.submit_response(
            invitation=invitation, company_score=company, agent_score=agent_score, why="", language="en"
        )

    with ThreadPoolExecutor(max_workers=12) as pool:
        futures = [pool.submit(in_thread, submit, inv, c, a) for inv, (c, a) in zip(invitations, scores, strict=True)]
        for future in futures:
            future.result()

    day = buckets.local_day(occurred_at)
    for scope, key in (
        ("agent", {"agent_key": agent.pk, "department_key": agent.department_id}),
        ("department", {"department_key": agent.department_id}),
        ("company", {}),
    ):
        wait_until(lambda scope=scope, key=key: bucket_counts(scope=scope, day=day, channel="chat", **key) == expected)
    wait_until(lambda: not DirtyBucket.objects.exists())
    # The burst coalesced: a handful of flushes for all the answers (typically 2 or 3).
    flushes = re.findall(r"analytics\.tasks\.flush_nps_buckets\[[^\]]+\] received", celery_worker_process.log_text())
    assert 0 < len(flushes) <= BURST // 4
    buckets.rebuild()
    assert bucket_counts(scope="company", day=day, channel="chat") == expected


@pytest.fixture
def one_department(postgres_tx):
    """RACERS agents of one department; agent i has i + 1 promoter answers, stored but not counted."""
    department = DepartmentFactory()
    agents = [AgentFactory(department=department) for _ in range(RACERS)]
    when = timezone.now() - timedelta(days=1)
    bulk_answers([(agent, 9, 10) for i, agent in enumerate(agents) for _ in range(i + 1)], when=when)
    return department, agents, when


def race(jobs: list) -> list:
    """Start every job at the same moment, each in its own thread and connection."""
    start = threading.Barrier(len(jobs))

    def run(job):
        start.wait(timeout=10)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return [f.result() for f in [pool.submit(in_thread, run, job) for job in jobs]]


def assert_exact(department, agents, day) -> None:
    for i, agent in enumerate(agents):
        assert bucket_counts(scope="agent", day=day, agent_key=agent.pk) == (i + 1, 0, 0, i + 1, i + 1)
    total = RACERS * (RACERS + 1) // 2
    assert bucket_counts(scope="department", day=day, department_key=department.pk) == (total, 0, 0, total, total)
    assert bucket_counts(scope="company", day=day) == (total, 0, 0, total, total)


def test_two_flushes_at_once_never_double_count(one_department):
    department, agents, when = one_department
    day = buckets.local_day(when)

    for _round in range(ROUNDS):
        NpsBucket.objects.all().delete()
        for agent in agents:
            buckets.mark_dirty(department_id=department.pk, agent_id=agent.pk, channel="phone", occurred_at=when)

        flushed = race([tasks.flush_nps_buckets, tasks.flush_nps_buckets])

        assert sum(flushed) >= RACERS  # every mark flushed, by one flush or by both
        assert_exact(department, agents, day)
        assert not DirtyBucket.objects.exists()


def test_recomputes_of_one_department_at_once_sum_every_agent(one_department):
    """Each writer recomputes one agent and then the department above it: without the write
    lock, a department row summed before another agent's row committed would stick."""
    department, agents, when = one_department
    day = buckets.local_day(when)
    keys = [buckets.BucketKey(department.pk, agent.pk, "phone", day) for agent in agents]

    for _round in range(ROUNDS):
        NpsBucket.objects.all().delete()

        recomputed = race([lambda key=key: buckets.recompute([key]) for key in keys])

        assert recomputed == [1] * RACERS
        assert_exact(department, agents, day)


def test_a_flush_is_not_held_up_by_a_reconcile_checking_its_fingerprints(one_department, monkeypatch):
    """The reconcile finds its wrong days before it takes the write lock: a flush that comes
    while the check runs writes at once, and the reconcile's result is still exact."""
    department, agents, when = one_department
    day = buckets.local_day(when)
    old = when - timedelta(days=60)  # the reconcile spans more than a month: fingerprints
    bulk_answers([(agents[0], 9, 10)], when=old)
    buckets.rebuild(exact=True)
    NpsBucket.objects.filter(scope="agent", day=day, agent_key=agents[1].pk).update(responses=99)  # a wrong row
    bulk_answers([(agents[2], 9, 10)], when=when)  # a new answer, not yet flushed
    buckets.mark_dirty(department_id=department.pk, agent_id=agents[2].pk, channel="phone", occurred_at=when)
    checking, flushed = threading.Event(), threading.Event()
    real_check = buckets.fingerprints.find_mismatches

    def slow_check(*args, **kwargs):
        found = real_check(*args, **kwargs)
        checking.set()
        assert flushed.wait(timeout=20), "the flush waited for the reconcile's check"
        return found

    monkeypatch.setattr(buckets.fingerprints, "find_mismatches", slow_check)

    def flush_during_check():
        assert checking.wait(timeout=20)
        result = tasks.flush_nps_buckets()
        flushed.set()
        return result

    since = buckets.local_day(old) - timedelta(days=1)
    rebuilt, flushed_keys = race([lambda: buckets.rebuild(since=since), flush_during_check])

    assert flushed_keys >= 1
    assert rebuilt.written >= 1  # the wrong row found by the check and rewritten under the lock
    expected = [i + 1 + (1 if i == 2 else 0) for i in range(RACERS)]
    for agent, count in zip(agents, expected, strict=True):
        assert bucket_counts(scope="agent", day=day, agent_key=agent.pk)[-1] == count
    assert buckets.rebuild(exact=True).written == 0
