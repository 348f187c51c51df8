"""New answers' why-texts are tagged by the bucket flush that follows them: a burst of
answers costs the worker a few batches, not one task per answer, and each answer is
tagged exactly once; a lost flush message loses nothing."""

import re

import pytest
from django.core.cache import cache

from analytics.tasks import FLUSH_SCHEDULED, flush_nps_buckets
from analytics.themes import tagging
from analytics.themes.defaults import ensure_defaults
from analytics.themes.models import ResponseTheme, Theme, ThemeTagging
from nps_project.celery import app as celery_app
from surveys import services
from tests.conftest import running_workers, start_worker, wait_until
from tests.factories import InteractionFactory, InvitationFactory

TEXTS = [
    ("transferred 3 times, rude agent", "en"),
    ("waited an hour on hold", "en"),
    ("Nunggu lama banget, tapi mbaknya ramah", "id"),
    ("the refund never came", "en"),
    ("Me cobraron dos veces", "es"),
    ("great", "en"),
]


@pytest.fixture
def seeded(postgres):
    ensure_defaults()


@pytest.fixture
def seeded_tx(postgres_tx):
    ensure_defaults()


def stored_themes(response) -> set[tuple[int, str]]:
    return set(ResponseTheme.objects.filter(response=response).values_list("theme_id", "polarity"))


def expected_themes(response) -> set[tuple[int, str]]:
    taxonomy = tagging.current_taxonomy()
    return {(theme_id, polarity) for theme_id, polarity, _e in taxonomy.themes_of(response.why, response.language)}


def tagged_counts(log: str) -> list[int]:
    return [int(n) for n in re.findall(r"Tagged (\d+) answers of \d+ flushed agent-days", log)]


def test_a_burst_of_answers_is_tagged_once_in_a_few_batches_by_the_worker(seeded_tx, celery_worker_process):
    responses = []
    for n in range(36):
        why, language = TEXTS[n % len(TEXTS)]
        responses.append(
            services.submit_response(
                invitation=InvitationFactory(),
                company_score=n % 11,
                agent_score=10 - n % 11,
                why=why if n % 4 else "",  # every fourth answer without a why-text
                language=language,
            )
        )
    with_why = [r for r in responses if r.why]
    wait_until(lambda: ThemeTagging.objects.count() == len(with_why), timeout=30)
    fingerprint = tagging.current_taxonomy().fingerprint
    marks = set(ThemeTagging.objects.values_list("response_id", "fingerprint"))
    assert marks == {(r.pk, fingerprint) for r in with_why}
    for response in responses:
        assert stored_themes(response) == (expected_themes(response) if response.why else set())
    assert any(stored_themes(r) for r in with_why)
    log = celery_worker_process.log_text()
    batches = tagged_counts(log)
    assert sum(batches) == len(with_why), "each answer tagged exactly once"
    assert len(batches) < len(with_why) / 3, f"tagged in a few batches, not one by one: {batches}"
    assert "tag_response_themes[" not in log  # no task per answer (the banner lists the task)


def test_answers_whose_flush_message_was_lost_are_tagged_by_the_next_flush(seeded_tx, redis_url, tmp_path, settings):
    """No worker while the answers come in and their flush message is lost (a broker
    wiped, a worker killed mid-task): the marks stay, and the next flush (beat queues one
    every 15 s) tags them."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.control.purge()
    responses = [
        services.submit_response(
            invitation=InvitationFactory(interaction=InteractionFactory(channel="chat")),
            company_score=3,
            agent_score=4,
            why=why,
            language=language,
        )
        for why, language in TEXTS[:4]
    ]
    celery_app.control.purge()  # the flush message is lost
    assert not ThemeTagging.objects.exists()
    try:
        with running_workers(start_worker(tmp_path, redis_url, settings)) as (worker,):
            flush_nps_buckets.delay()  # what beat sends
            wait_until(lambda: ThemeTagging.objects.count() == len(responses), timeout=30)
            assert sum(tagged_counts(worker.log_text())) == len(responses)
    finally:
        celery_app.control.purge()
        cache.delete(FLUSH_SCHEDULED)
    for response in responses:
        assert stored_themes(response) == expected_themes(response)


def test_the_cached_taxonomy_follows_any_edit_of_a_theme(seeded):
    """Kept per process, but an edit made any way (a form, a queryset update) is seen."""
    first = tagging.current_taxonomy()
    assert tagging.current_taxonomy() is first
    Theme.objects.filter(key="billing").update(phrases={"en": ["purple elephant"]})
    second = tagging.current_taxonomy()
    assert second.fingerprint != first.fingerprint
    assert [hit.key for hit in second.tagger.tag("a purple elephant again", "en")] == ["billing"]
    Theme.objects.filter(key="billing").update(active=False)
    third = tagging.current_taxonomy()
    assert "billing" not in third.theme_ids
    assert third.fingerprint == tagging.fingerprint()


@pytest.mark.django_db
def test_a_flush_tags_its_answers_on_any_database():
    """tag_flushed reads the flushed agent-days' pending answers (PostgreSQL: one VALUES join;
    SQLite, the embedded mode: the ORM) and tags each once."""
    from django.utils import timezone

    from analytics.buckets import BucketKey
    from tests.factories import ResponseFactory

    ensure_defaults()
    response = ResponseFactory(
        company_score=3, agent_score=4, why="I waited on hold for an hour and then got transferred twice", language="en"
    )
    ResponseFactory(agent=response.agent, occurred_at=response.occurred_at, why="")  # nothing to tag
    key = BucketKey(
        department_key=response.department_id,
        agent_key=response.agent_id,
        channel=response.channel,
        day=timezone.localdate(response.occurred_at),
    )
    assert tagging.tag_flushed([key]) == 1
    assert stored_themes(response) == expected_themes(response) != set()
    assert ThemeTagging.objects.filter(response=response).count() == 1
    assert tagging.tag_flushed([key]) == 0  # already tagged under this taxonomy
