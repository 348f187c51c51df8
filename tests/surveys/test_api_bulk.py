"""POST /api/v1/interactions/bulk/: up to 1000 interactions, one result per item."""

import time

import pytest
from django.db import connection

from agents.models import Agent, Department
from surveys.models import Interaction, Invitation

pytestmark = pytest.mark.django_db

URL = "/api/v1/interactions/bulk/"


def item(n: int, **fields) -> dict:
    return {"external_id": f"bulk-{n}", "channel": "chat", "agent": f"agent-{n % 7}", **fields}


def test_each_item_gets_its_own_result_and_bad_items_do_not_stop_good_ones(api):
    api.post("/api/v1/interactions/", item(1), format="json")
    batch = [
        item(0),
        item(1),  # already reported: 200
        {"external_id": "bulk-2", "channel": "fax", "agent": "a"},
        item(3, department="new-dept"),
        "not an object",
        item(5, occurred_at="yesterday"),
        item(6),
    ]

    reply = api.post(URL, batch, format="json")

    assert reply.status_code == 200
    answer = reply.json()
    assert [r["status"] for r in answer["results"]] == [201, 200, 400, 201, 400, 400, 201]
    assert [r["index"] for r in answer["results"]] == list(range(7))
    assert (answer["created"], answer["existing"], answer["invalid"]) == (3, 1, 3)
    assert set(answer["results"][2]["errors"]) == {"channel"}
    assert answer["results"][4]["errors"]
    assert set(answer["results"][5]["errors"]) == {"occurred_at"}
    assert answer["results"][0]["body"]["external_id"] == "bulk-0"
    assert answer["results"][0]["body"]["invitation"]["url"].startswith("http://127.0.0.1:8000/s/")
    stored = sorted(Interaction.objects.values_list("external_id", flat=True))
    assert stored == ["bulk-0", "bulk-1", "bulk-3", "bulk-6"]
    assert Invitation.objects.count() == 4


def test_an_item_repeated_in_the_same_batch_is_stored_once(api):
    reply = api.post(URL, [item(1), item(1)], format="json")

    results = reply.json()["results"]
    assert [r["status"] for r in results] == [201, 200]
    assert results[0]["body"] == results[1]["body"]
    assert Interaction.objects.count() == 1


def test_the_same_result_as_the_single_endpoint(api):
    single = api.post("/api/v1/interactions/", item(1), format="json").json()

    again = api.post(URL, [item(1)], format="json").json()["results"][0]

    assert again == {"index": 0, "status": 200, "body": single}


def test_an_empty_list_is_an_empty_result(api):
    reply = api.post(URL, [], format="json")

    assert reply.status_code == 200
    assert reply.json() == {"created": 0, "existing": 0, "invalid": 0, "results": []}


def counts() -> tuple[int, int, int, int]:
    return (
        Interaction.objects.count(),
        Invitation.objects.count(),
        Agent.objects.count(),
        Department.objects.count(),
    )


def test_more_than_1000_items_are_refused_whole(api):
    reply = api.post(URL, [item(n) for n in range(1001)], format="json")

    assert reply.status_code == 400
    assert "1000" in reply.json()["non_field_errors"][0]
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "raw",
    ['{"external_id": "bulk-1", "channel": "chat", "agent": "a"}', '"bulk-1"', "null", "[{", '{"items": []}'],
    ids=["an object", "a string", "null", "malformed JSON", "a wrapper object"],
)
def test_a_body_that_is_not_a_list_is_refused(api, raw):
    reply = api.post(URL, raw, content_type="application/json")

    assert reply.status_code == 400
    assert counts() == (0, 0, 0, 0)


def test_a_full_batch_of_1000_is_stored(api, django_capture_on_commit_callbacks):
    batch = [item(n, customer={"email": f"c{n}@example.com"}, department=f"team-{n % 5}") for n in range(1000)]

    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        reply = api.post(URL, batch, format="json")
    elapsed = time.perf_counter() - started

    assert reply.status_code == 200
    assert reply.json()["created"] == 1000
    assert Interaction.objects.count() == 1000
    assert Invitation.objects.filter(status="sent").count() == 1000
    print(f"\nbulk of 1000 on {connection.vendor} (emails delivered in-process): {elapsed:.2f} s")
