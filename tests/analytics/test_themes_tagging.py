"""Stored themes: tagged after each answer, by `tag_themes` for history (idempotent and
resumable), re-tagged after a theme edit, removed with an erased why-text."""

import io

import pytest
from django.core.management import call_command

from analytics.themes import tagging
from analytics.themes.defaults import ensure_defaults
from analytics.themes.models import ResponseTheme, Theme, ThemeTagging
from privacy import services as privacy
from surveys import services
from tests.conftest import wait_until
from tests.factories import InteractionFactory, InvitationFactory, ResponseFactory


@pytest.fixture
def seeded(postgres):
    """The default themes (a transactional test elsewhere may have flushed the seeded rows)."""
    ensure_defaults()


@pytest.fixture
def seeded_tx(postgres_tx):
    ensure_defaults()


def stored(response) -> dict[str, str]:
    return dict(ResponseTheme.objects.filter(response=response).values_list("theme__key", "polarity"))


def test_the_ten_default_themes_are_seeded(seeded):
    assert list(Theme.objects.filter(builtin=True).values_list("key", flat=True)) == [
        "wait_time",
        "transfer",
        "resolution",
        "knowledge",
        "attitude",
        "verification",
        "callback",
        "billing",
        "technical",
        "process",
    ]
    assert Theme.objects.get(key="billing").names == {"en": "Billing", "id": "Tagihan", "es": "Facturación"}


def test_a_submitted_answer_gets_its_themes(seeded, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(interaction=InteractionFactory(customer_email="sari@example.com"))
    with django_capture_on_commit_callbacks(execute=True):
        response = services.submit_response(
            invitation=invitation,
            company_score=3,
            agent_score=9,
            why="Nunggu lama banget, tapi mbaknya ramah",
            language="id",
        )
    assert stored(response) == {"wait_time": "-", "attitude": "+"}
    assert ThemeTagging.objects.get(response=response).fingerprint == tagging.current_taxonomy().fingerprint


def test_a_real_worker_tags_the_answer_after_commit(seeded_tx, celery_worker_process):
    invitation = InvitationFactory()
    response = services.submit_response(
        invitation=invitation, company_score=2, agent_score=2, why="transferred 3 times, rude agent", language="en"
    )
    wait_until(lambda: stored(response), timeout=20)
    assert stored(response) == {"transfer": "-", "attitude": "-"}


def test_tag_themes_tags_history_once_and_resumes(seeded):
    texts = ["waited an hour on hold", "the refund never came", "", "   ", "😀", "great", "app crashes"] * 30
    responses = [ResponseFactory(why=text) for text in texts]
    first = tagging.tag_pending(chunk_size=50, limit=100)  # a run killed after two chunks
    assert first.tagged == 100
    out = io.StringIO()
    call_command("tag_themes", "--chunk", "40", stdout=out)
    with_text = [r for r in responses if r.why]
    assert ThemeTagging.objects.count() == len(with_text)
    assert "Tagged 80 answers" in out.getvalue()
    assert stored(responses[0]) == {"wait_time": "-"}
    assert stored(responses[1]) == {"billing": "-"}
    assert stored(responses[2]) == {}
    rows = set(ResponseTheme.objects.values_list("response_id", "theme_id", "polarity"))
    again = io.StringIO()
    call_command("tag_themes", stdout=again)
    assert "Tagged 0 answers" in again.getvalue()
    assert set(ResponseTheme.objects.values_list("response_id", "theme_id", "polarity")) == rows


def test_tag_themes_with_two_workers_tags_everything_once(seeded_tx):
    responses = [ResponseFactory(why=f"waited {n} minutes on hold") for n in range(60)]
    call_command("tag_themes", "--workers", "2", "--chunk", "7", stdout=io.StringIO())
    assert ResponseTheme.objects.count() == 60
    assert {stored(r).get("wait_time") for r in responses} == {"-"}


def test_editing_a_theme_retags_with_the_new_phrases(seeded, django_capture_on_commit_callbacks):
    response = ResponseFactory(why="the parking was full again")
    tagging.tag_pending()
    assert stored(response) == {}
    parking = Theme.objects.create(key="parking", names={"en": "Parking"}, phrases={"en": ["parking"]})
    assert tagging.pending_count() == 1  # the fingerprint changed, so everything is pending
    tagging.tag_pending()
    assert stored(response) == {"parking": "-"}
    parking.active = False
    parking.save()
    tagging.tag_pending()
    assert stored(response) == {}


def test_a_run_that_sees_an_edit_midway_finishes_with_the_new_taxonomy(seeded):
    responses = [ResponseFactory(why="parking lot full, long queue") for _ in range(6)]
    calls = []

    def edit_after_first_chunk(n: int) -> None:
        calls.append(n)
        if len(calls) == 1:
            Theme.objects.create(key="parking", phrases={"en": ["parking lot"]})

    result = tagging.tag_pending(chunk_size=2, progress=edit_after_first_chunk)
    assert result.reloads == 1
    assert {tuple(sorted(stored(r))) for r in responses} == {("parking", "wait_time")}
    assert tagging.pending_count() == 0


def test_erasing_a_customer_removes_the_themes_of_their_why_text(seeded):
    mine = ResponseFactory(why="rude agent", invitation__interaction__customer_email="ana@example.com")
    other = ResponseFactory(why="rude agent")
    tagging.tag_pending()
    assert stored(mine) == stored(other) == {"attitude": "-"}
    privacy.erase_customer(email="ana@example.com", requested_by=None)
    assert stored(mine) == {}
    assert not ThemeTagging.objects.filter(response=mine).exists()
    assert stored(other) == {"attitude": "-"}


@pytest.mark.parametrize("why", ["<b>rude</b> agent & long wait", "x" * 5000, "🙂🙂🙂"])
def test_odd_texts_are_tagged_without_error(seeded, why):
    response = ResponseFactory(why=why)
    tagging.tag_pending()
    assert ThemeTagging.objects.filter(response=response).exists()
