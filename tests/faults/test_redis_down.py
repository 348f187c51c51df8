"""Redis down, then back; a worker killed mid-burst: nothing is lost and it all catches up.

The web side runs in the test process with tasks really published (not eager) to a Redis
of the test's own; a real Celery worker and a real beat (the production schedule) run as
subprocesses against the same Redis and the test database.
"""

import re
import time

import pytest
from django.db.models import Sum

from analytics.models import NpsBucket
from nps_project import redis_guard
from nps_project.celery import app as celery_app
from surveys.models import Invitation, Response
from tests.conftest import wait_until
from tests.factories import InvitationFactory
from tests.faults.processes import celery, environment

pytestmark = pytest.mark.django_db(transaction=True)

CATCH_UP = 60.0  # seconds after Redis is back by which everything must have happened


@pytest.fixture
def web_on(settings, throwaway_redis):
    """This process publishes tasks and keeps its cache in the throwaway Redis, as web does."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = throwaway_redis.url
    settings.CACHES = {
        "default": {
            "BACKEND": "nps_project.cache.GuardedRedisCache",
            "LOCATION": throwaway_redis.url,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    _fresh_connections()
    yield throwaway_redis
    _fresh_connections()


def _fresh_connections() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    redis_guard.reset()


def counted_answers() -> int:
    return NpsBucket.objects.filter(scope="company").aggregate(n=Sum("responses"))["n"] or 0


def answer(client, invitation, score: int) -> None:
    reply = client.post(f"/s/{invitation.token}/", {"company_score": str(score), "agent_score": str(score)})
    assert reply.status_code == 302, reply.content[:500]


def report(api, n: int) -> None:
    body = {"external_id": f"down-{n}", "channel": "chat", "agent": "a-1", "customer": {"email": f"c{n}@example.com"}}
    reply = api.post("/api/v1/interactions/", body, format="json")
    assert reply.status_code == 201, reply.content
    assert reply.json()["invitation"]["status"] == "pending"


def test_answers_and_invitations_made_while_redis_is_down_catch_up_within_60_s(
    postgres_tx, web_on, tmp_path, client, api
):
    redis = web_on
    env = environment(redis.url, tmp_path)
    worker = celery("worker", env, tmp_path)
    beat = celery("beat", env, tmp_path)
    to_answer = [InvitationFactory() for _ in range(10)]
    try:
        redis.stop()
        for n in range(10):
            report(api, n)
        for n, invitation in enumerate(to_answer):
            answer(client, invitation, n)
        assert Response.objects.count() == 10  # stored although nothing could be queued
        assert counted_answers() == 0
        time.sleep(5)  # the outage goes on; worker and beat keep failing to reach Redis

        redis.start()
        back = time.monotonic()
        sent = wait_until(
            lambda: (
                Invitation.objects.filter(
                    interaction__external_id__startswith="down-", status=Invitation.Status.SENT
                ).count()
                == 10
                and time.monotonic()
            ),
            timeout=CATCH_UP + 30,
            interval=0.5,
        )
        counted = wait_until(lambda: counted_answers() == 10 and time.monotonic(), timeout=CATCH_UP + 30, interval=0.5)
    finally:
        beat.stop()
        worker.stop()

    figures = {"invitations sent after": round(sent - back, 1), "answers counted after": round(counted - back, 1)}
    print("Redis back:", figures)
    assert sent - back <= CATCH_UP, figures
    assert counted - back <= CATCH_UP, figures
    # Each invitation mailed once. Counted by message, not by file: Django's file backend names a
    # file by the second and the backend object's id, so two sends can share one file.
    mails = "".join(path.read_text() for path in (tmp_path / "mail").glob("*.log"))
    recipients = re.findall(r"^To: (.+)$", mails, flags=re.MULTILINE)
    assert mails.count("Message-ID: ") == len(recipients) == 10
    assert len(set(recipients)) == 10


def test_a_worker_killed_during_a_burst_leaves_counts_that_converge_without_a_rebuild(
    postgres_tx, web_on, tmp_path, client
):
    redis = web_on
    env = environment(redis.url, tmp_path)
    first = celery("worker", env, tmp_path, name="worker-a")
    beat = celery("beat", env, tmp_path)
    invitations = [InvitationFactory() for _ in range(40)]
    second = None
    try:
        for n, invitation in enumerate(invitations[:20]):
            answer(client, invitation, n % 11)
        first.kill()  # SIGKILL: whatever it was flushing is neither finished nor acknowledged
        for n, invitation in enumerate(invitations[20:]):
            answer(client, invitation, n % 11)
        second = celery("worker", env, tmp_path, name="worker-b")
        restarted = time.monotonic()
        converged = wait_until(
            lambda: counted_answers() == 40 and time.monotonic(), timeout=CATCH_UP + 30, interval=0.5
        )
    finally:
        beat.stop()
        if second is not None:
            second.stop()

    print("worker killed: counts converged", round(converged - restarted, 1), "s after a new worker started")
    assert converged - restarted <= CATCH_UP
    logs = first.text() + (second.text() if second else "")
    assert "reconcile_nps[" not in logs  # no rebuild ran: the per-answer marks did it
    assert "flush_nps_buckets[" in logs
