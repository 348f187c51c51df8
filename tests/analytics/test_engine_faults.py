"""Faults in the NPS engine: Redis down while answers arrive, a rebuild killed midway.

Raw responses are the source of truth: whatever goes wrong with the derived buckets, the
next flush or reconcile makes them right, and until then the previous figures stay readable.
"""

import logging
import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from analytics import buckets, selectors
from analytics.models import DirtyBucket, NpsBucket
from analytics.tasks import FLUSH_SCHEDULED, flush_nps_buckets, reconcile_nps, refresh_champions
from nps_project.celery import app as celery_app
from surveys.models import Response
from tests.analytics.champion_data import bulk_answers
from tests.factories import AgentFactory, InteractionFactory, InvitationFactory
from tests.surveys.test_broker_down import Broker

# Real transactions: answers are announced after commit, and a rebuild rolls back for real.
with_commits = pytest.mark.django_db(transaction=True)

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


class WorkerKilled(Exception):
    """Stands in for a worker process dying in the middle of a rebuild."""


def snapshot() -> set[tuple]:
    return set(NpsBucket.objects.values_list(*FIELDS))


def company_row(day) -> tuple[int, int, int, int]:
    row = NpsBucket.objects.get(scope="company", day=day, channel="chat")
    return row.agent_promoters, row.agent_passives, row.agent_detractors, row.responses


@pytest.fixture
def broker(settings):
    cache.delete(FLUSH_SCHEDULED)
    broker = Broker(settings)
    yield broker
    broker.back_up()


@pytest.fixture
def answer_page(client):
    """The customer answers on the public survey page: returns the reply's status and where it sends them."""
    agent = AgentFactory()
    occurred_at = timezone.now() - timedelta(hours=20)

    def answer(company: int, agent_score: int) -> tuple[int, str]:
        interaction = InteractionFactory(agent=agent, channel="chat", occurred_at=occurred_at)
        invitation = InvitationFactory(interaction=interaction)
        reply = client.post(f"/s/{invitation.token}/", {"company_score": company, "agent_score": agent_score})
        return reply.status_code, reply["Location"] if reply.status_code == 302 else ""

    answer.day = buckets.local_day(occurred_at)
    return answer


def outage(broker, answer_page, client, caplog) -> set[tuple]:
    """One answer counted while Redis is up, then three while it is down; returns the
    buckets as they stood when Redis went down."""
    assert answer_page(10, 10)[0] == 302
    assert company_row(answer_page.day) == (1, 0, 0, 1)  # fresh at once while all is well
    before = snapshot()

    broker.down()
    caplog.set_level(logging.WARNING, logger="analytics.receivers")
    for company, agent_score in [(10, 9), (3, 2), (8, 7)]:
        status, thanks = answer_page(company, agent_score)
        assert status == 302 and thanks.endswith("/thanks/")
        assert client.get(thanks).status_code == 200  # the customer is thanked
    assert "Cache unavailable" in caplog.text  # the flush could not even be scheduled

    assert Response.objects.count() == 4  # every answer landed
    assert snapshot() == before  # the buckets are stale
    assert DirtyBucket.objects.count() == 1  # but the touched bucket is remembered in the database
    return before


@with_commits
def test_redis_down_answers_land_and_the_periodic_flush_catches_up(broker, answer_page, client, caplog):
    outage(broker, answer_page, client, caplog)
    broker.back_up()

    result = flush_nps_buckets.delay()  # beat's safety-net flush, every 15 s

    assert result.successful()
    assert company_row(answer_page.day) == (2, 1, 1, 4)
    assert not DirtyBucket.objects.exists()
    incremental = snapshot()
    buckets.rebuild()
    assert snapshot() == incremental


@with_commits
def test_redis_down_answers_land_and_the_next_reconcile_makes_every_bucket_right(broker, answer_page, client, caplog):
    outage(broker, answer_page, client, caplog)
    broker.back_up()

    result = reconcile_nps.delay(days=2)  # beat's frequent reconcile of the last two days

    assert result.successful()
    for scope in ("agent", "department", "company"):
        row = NpsBucket.objects.get(scope=scope, day=answer_page.day)
        assert (row.agent_promoters, row.agent_passives, row.agent_detractors, row.responses) == (2, 1, 1, 4)
        assert (row.company_promoters, row.company_passives, row.company_detractors) == (2, 1, 1)


@pytest.fixture
def yesterday_answers():
    """Ten answers counted in the buckets, then five more stored but not yet counted."""
    agent = AgentFactory()
    when = timezone.now() - timedelta(days=1)
    bulk_answers([(agent, 9, 10)] * 10, when=when)
    buckets.rebuild()
    bulk_answers([(agent, 9, 0)] * 5, when=when)
    return buckets.local_day(when)


def company_figures(day) -> tuple[int, int]:
    (row,) = selectors.nps_by(group_by="company", question="agent", since=day, until=day)
    return row.counts.promoters, row.counts.detractors


@with_commits
def test_a_rebuild_killed_midway_leaves_the_previous_figures_and_the_next_one_is_right(yesterday_answers, monkeypatch):
    before = snapshot()
    original = buckets._sync_rollups

    def dies_after_the_deletes(*args, **kwargs):
        original(*args, **kwargs)  # old rows deleted, new agent, department and company rows written…
        raise WorkerKilled  # …and the worker dies before the commit

    monkeypatch.setattr(buckets, "_sync_rollups", dies_after_the_deletes)
    result = reconcile_nps.delay()

    assert result.failed() and isinstance(result.result, WorkerKilled)
    assert snapshot() == before
    assert company_figures(yesterday_answers) == (10, 0)

    monkeypatch.undo()
    assert reconcile_nps.delay().successful()

    assert company_figures(yesterday_answers) == (10, 5)


def test_while_a_rebuild_runs_other_connections_read_the_previous_figures(postgres_tx, yesterday_answers, monkeypatch):
    original = buckets._sync_rollups
    seen: dict[str, tuple[int, int]] = {}

    def read_from_another_connection():
        try:
            seen["reader"] = company_figures(yesterday_answers)
        finally:
            connection.close()

    def dies_after_the_deletes(*args, **kwargs):
        original(*args, **kwargs)
        seen["rebuilder"] = company_figures(yesterday_answers)  # inside the rebuild's transaction
        reader = threading.Thread(target=read_from_another_connection)
        reader.start()
        reader.join(timeout=10)
        raise WorkerKilled

    monkeypatch.setattr(buckets, "_sync_rollups", dies_after_the_deletes)
    with pytest.raises(WorkerKilled):
        buckets.rebuild()

    assert seen == {"rebuilder": (10, 5), "reader": (10, 0)}  # the new figures were never visible
    monkeypatch.undo()
    buckets.rebuild()
    assert company_figures(yesterday_answers) == (10, 5)


def test_engine_tasks_are_acknowledged_only_once_done():
    """acks_late with reject_on_worker_lost: a task whose worker dies is delivered again;
    safe because every engine task replaces buckets from the answers, never increments."""
    assert flush_nps_buckets.acks_late and reconcile_nps.acks_late and refresh_champions.acks_late
    assert celery_app.conf.task_reject_on_worker_lost is True
    assert celery_app.conf.worker_prefetch_multiplier == 1
