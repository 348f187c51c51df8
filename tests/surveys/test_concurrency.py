"""Races on PostgreSQL: a platform retrying in parallel, a customer double-clicking "Send".

Real threads, each with its own database connection, against committed data.
"""

import threading
from collections.abc import Callable

from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from agents.models import Agent, Department
from surveys.models import Interaction, Invitation, Response
from surveys.services_tokens import create_api_token
from tests.factories import AgentFactory, InvitationFactory

THREADS_API = 20
THREADS_PAGE = 10


def run_together(count: int, work: Callable[[int], object]) -> list:
    """Run work(i) in `count` threads released at the same moment; return results in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # reported by the test, not lost in the thread
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def test_parallel_posts_of_one_interaction_store_it_once(postgres_tx):
    key = create_api_token(name="race")
    body = {
        "external_id": "race-1",
        "channel": "phone",
        "agent": "new-agent",
        "agent_name": "Budi Santoso",
        "department": "new-dept",
        "customer": {"language": "id"},
    }

    def post(_: int):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client.post("/api/v1/interactions/", body, format="json")

    replies = run_together(THREADS_API, post)

    errors = [r for r in replies if isinstance(r, Exception)]
    assert not errors, errors
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200] * (THREADS_API - 1) + [201], [r.content[:300] for r in replies]
    bodies = [r.json() for r in replies]
    assert len({b["id"] for b in bodies}) == 1
    assert len({b["invitation"]["url"] for b in bodies}) == 1
    assert Interaction.objects.count() == 1
    assert Invitation.objects.count() == 1
    assert Agent.objects.filter(external_id="new-agent").count() == 1
    assert Department.objects.filter(code="new-dept").count() == 1


def test_parallel_interactions_of_a_new_agent_create_the_agent_once(postgres_tx):
    key = create_api_token(name="race")

    def post(i: int):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        body = {"external_id": f"race-{i}", "channel": "chat", "agent": "new-agent", "department": "new-dept"}
        return client.post("/api/v1/interactions/", body, format="json")

    replies = run_together(THREADS_API, post)

    errors = [r for r in replies if isinstance(r, Exception)]
    assert not errors, errors
    assert [r.status_code for r in replies] == [201] * THREADS_API, [r.content[:300] for r in replies]
    assert Interaction.objects.count() == THREADS_API
    assert Agent.objects.count() == 1
    assert Department.objects.count() == 1
    assert set(Interaction.objects.values_list("department__code", flat=True)) == {"new-dept"}


def test_parallel_submissions_of_one_survey_store_one_answer(postgres_tx):
    invitation = InvitationFactory(interaction__agent=AgentFactory(name="Budi Santoso"))
    path = f"/s/{invitation.token}/"

    def submit(i: int):
        return Client().post(path, {"company_score": str(i), "agent_score": "9", "why": f"try {i}"})

    replies = run_together(THREADS_PAGE, submit)

    errors = [r for r in replies if isinstance(r, Exception)]
    assert not errors, errors
    statuses = [r.status_code for r in replies]
    assert set(statuses) <= {302, 409}, statuses
    assert 500 not in statuses
    assert Response.objects.count() == 1
    assert Invitation.objects.get(pk=invitation.pk).status == "answered"
    for reply in replies:
        if reply.status_code == 409:
            assert "You have already answered" in reply.content.decode()
        else:
            assert reply["Location"] == f"{path}thanks/"
    winner = Response.objects.get()
    assert statuses.count(302) >= 1
    assert winner.why == f"try {winner.company_score}"
