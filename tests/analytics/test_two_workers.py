"""Scaled out: two Celery worker processes on one Redis broker keep the buckets exact.

Answers arrive from many threads while both workers flush the marked buckets at the same
time; afterwards every NpsBucket row (agent, department, company and agent-month) equals
what a rebuild from the raw responses into an empty table gives.
"""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from analytics import buckets, tasks
from analytics.models import DirtyBucket, NpsBucket
from surveys import services
from tests.conftest import wait_until
from tests.factories import AgentFactory, DepartmentFactory, InteractionFactory, InvitationFactory

ANSWERS = 120
THREADS = 8
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


def snapshot() -> set[tuple]:
    return set(NpsBucket.objects.values_list(*FIELDS))


def flushes_done(worker) -> int:
    return len(re.findall(r"analytics\.tasks\.flush_nps_buckets\[[^\]]+\] succeeded", worker.log_text()))


def test_two_workers_flushing_at_once_keep_every_bucket_equal_to_a_rebuild(two_celery_workers):
    one, two = two_celery_workers
    departments = [DepartmentFactory(), DepartmentFactory()]
    agents = [AgentFactory(department=departments[i % 2]) for i in range(6)]
    now = timezone.now()
    # Few keys, many answers each: the flushes recompute the same agent, department and
    # company rows over and over (two days, one across a month edge when the test runs on the 1st).
    invitations = []
    for i in range(ANSWERS):
        interaction = InteractionFactory(
            agent=agents[i % len(agents)],
            channel=("phone", "chat")[i % 2],
            occurred_at=now - timedelta(days=1 + i % 2, hours=i % 5),
        )
        invitations.append((InvitationFactory(interaction=interaction), i % 11, (i * 7) % 11))

    def submit(invitation, company: int, agent_score: int) -> None:
        try:
            services.submit_response(
                invitation=invitation, company_score=company, agent_score=agent_score, why="", language="en"
            )
        finally:
            connection.close()

    # Beside the flushes the answers schedule (at most one queued at a time), keep asking for
    # more, so both workers are flushing while answers are still being stored.
    answering = threading.Event()
    answering.set()

    def keep_flushing() -> None:
        while answering.is_set():
            tasks.flush_nps_buckets.delay()
            time.sleep(0.02)

    nudger = threading.Thread(target=keep_flushing)
    nudger.start()
    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            for future in [pool.submit(submit, *job) for job in invitations]:
                future.result()
    finally:
        answering.clear()
        nudger.join()
    tasks.flush_nps_buckets.delay()  # the last marks, whichever worker takes it

    wait_until(lambda: not DirtyBucket.objects.exists(), timeout=40)
    # Both processes flushed (the queue is shared; each took its part of the requests).
    wait_until(lambda: flushes_done(one) > 0 and flushes_done(two) > 0, timeout=20)
    flushed = snapshot()

    NpsBucket.objects.all().delete()
    buckets.rebuild()
    rebuilt = snapshot()

    assert flushed == rebuilt
    total = sum(row[-1] for row in rebuilt if row[0] == "company")
    assert total == ANSWERS
