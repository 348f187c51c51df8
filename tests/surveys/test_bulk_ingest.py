"""Set-based bulk ingest (surveys/ingest.py): a constant number of SQL statements per
request, sampling decided per batch, each interaction stored once under parallel
replays, the sends queued after commit."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from agents.models import Agent, Department
from agents.services import move_agent
from surveys.models import Interaction, Invitation, Survey
from surveys.services import default_survey
from surveys.services_tokens import create_api_token
from tests.factories import AgentFactory, DepartmentFactory, ResponseFactory
from tests.surveys.test_concurrency import run_together

BULK = "/api/v1/interactions/bulk/"
REPLAYED = {"external_id": "replayed", "channel": "chat", "agent": "known"}
SINGLE = "/api/v1/interactions/"


def batch_of(count: int, run: str) -> list[dict]:
    """Every path of the writer at once: new and known agents and departments, agents
    without a department, email, SMS and link delivery, a replay, a repeat in the batch,
    an invalid item, contacts fatigue and the monthly sample apply to."""
    now = timezone.now()
    items = []
    for n in range(count - 3):
        item = {
            "external_id": f"{run}-{n}",
            "channel": ("phone", "chat", "email", "sms")[n % 4],
            "agent": f"{run}-agent-{n % 5}" if n % 3 else "known",
            "agent_name": f"Agent {n % 5}",
            "occurred_at": (now - timedelta(minutes=n)).isoformat(),
            "tags": ["refund"],
        }
        if n % 2:
            item["department"] = f"{run}-team-{n % 4}"
        if n % 4 == 1:
            item["customer"] = {"email": f"c{n % 7}@example.com"}
        elif n % 4 == 2:
            item["customer"] = {"phone": f"+62 812 000 {n % 7:04}"}
        items.append(item)
    return [*items, items[0], {"external_id": "", "channel": "phone", "agent": "x"}, REPLAYED]


@pytest.fixture
def rules_on(db):
    survey = default_survey()
    Survey.objects.filter(pk=survey.pk).update(agent_monthly_target=3, fatigue_days=30)
    AgentFactory(external_id="known", name="Known", department=DepartmentFactory(code="known-team"))


def statements_for(api, batch: list[dict]) -> int:
    with CaptureQueriesContext(connection) as captured:
        reply = api.post(BULK, batch, format="json")
    assert reply.status_code == 200, reply.content
    return len(captured.captured_queries)


def test_the_number_of_sql_statements_does_not_grow_with_the_items(api, rules_on):
    api.post(BULK, batch_of(10, "warm"), format="json")  # first-use rows: "unassigned", the survey's version

    counts = {}
    for size in (10, 100, 1000):
        counts[size] = statements_for(api, batch_of(size, f"s{size}"))

    assert counts[10] == counts[100] == counts[1000], counts
    assert counts[1000] <= 25, counts
    assert Interaction.objects.filter(external_id__startswith="s1000-").count() == 997


def test_a_single_post_costs_a_handful_of_statements(api, rules_on):
    api.post(SINGLE, {"external_id": "warm", "channel": "chat", "agent": "known"}, format="json")
    body = {"external_id": "one", "channel": "chat", "agent": "known", "customer": {"email": "c@example.com"}}

    with CaptureQueriesContext(connection) as captured:
        reply = api.post(SINGLE, body, format="json")

    assert reply.status_code == 201
    assert len(captured.captured_queries) <= 20


# --- The same decisions as one by one ---------------------------------------------------------


def test_fatigue_counts_the_batchs_own_invitations(api):
    batch = [
        {"external_id": f"f-{n}", "channel": "chat", "agent": "a", "customer": {"email": "sari@example.com"}}
        for n in range(3)
    ] + [{"external_id": "f-phone", "channel": "sms", "agent": "a", "customer": {"phone": "+62 812 3456 7890"}}]

    results = api.post(BULK, batch, format="json").json()["results"]

    assert [r["body"]["suppressed_reason"] for r in results] == [None, "fatigue", "fatigue", None]


def test_the_monthly_sample_counts_answers_and_the_batchs_own_invitations(api):
    Survey.objects.filter(pk=default_survey().pk).update(agent_monthly_target=3, fatigue_days=0)
    agent = AgentFactory(external_id="budi")
    ResponseFactory(
        invitation__interaction__agent=agent, invitation__interaction__occurred_at=timezone.now() - timedelta(minutes=5)
    )
    batch = [{"external_id": f"m-{n}", "channel": "chat", "agent": "budi"} for n in range(4)]
    batch.append({"external_id": "m-other", "channel": "chat", "agent": "someone-else"})

    results = api.post(BULK, batch, format="json").json()["results"]

    reasons = [r["body"]["suppressed_reason"] for r in results]
    assert reasons == [None, None, "sample_reached", "sample_reached", None]


def test_inactive_survey_and_disabled_channel_are_decided_per_item(api):
    Survey.objects.filter(pk=default_survey().pk).update(invite_sms=False)

    results = api.post(
        BULK,
        [
            {"external_id": "c-1", "channel": "sms", "agent": "a"},
            {"external_id": "c-2", "channel": "chat", "agent": "a"},
        ],
        format="json",
    ).json()["results"]

    assert [r["body"]["suppressed_reason"] for r in results] == ["channel_disabled", None]
    Survey.objects.filter(pk=default_survey().pk).update(active=False)
    late = api.post(BULK, [{"external_id": "c-3", "channel": "chat", "agent": "a"}], format="json").json()
    assert late["results"][0]["body"]["suppressed_reason"] == "survey_inactive"


def test_a_batch_attributes_departments_exactly_as_posting_one_by_one(api):
    """Agents move: the department on the day it happened, else the agent's; new agents
    get the first department an interaction names; a named department always wins."""
    old, new = DepartmentFactory(code="old-team"), DepartmentFactory(code="new-team")
    mover = AgentFactory(external_id="mover", department=old)
    move_agent(agent=mover, to_department=new, effective_from=timezone.localdate() - timedelta(days=1))
    now = timezone.now()

    def items(source: str) -> list[dict]:
        return [
            {"source": source, "external_id": "1", "channel": "chat", "agent": "mover",
             "occurred_at": (now - timedelta(days=2)).isoformat()},
            {"source": source, "external_id": "2", "channel": "chat", "agent": "mover"},
            {"source": source, "external_id": "3", "channel": "chat", "agent": "mover", "department": "named"},
            {"source": source, "external_id": "4", "channel": "chat", "agent": f"{source}-fresh"},
            {"source": source, "external_id": "5", "channel": "chat", "agent": f"{source}-fresh", "department": "x"},
            {"source": source, "external_id": "6", "channel": "chat", "agent": f"{source}-fresh2", "department": "y"},
            {"source": source, "external_id": "7", "channel": "chat", "agent": f"{source}-fresh2"},
        ]  # fmt: skip

    for body in items("one-by-one"):
        assert api.post(SINGLE, body, format="json").status_code == 201
    assert api.post(BULK, items("batch"), format="json").status_code == 200

    def departments(source: str) -> list[str]:
        return list(
            Interaction.objects.filter(source=source).order_by("external_id").values_list("department__code", flat=True)
        )

    assert departments("batch") == departments("one-by-one")
    assert departments("batch") == ["old-team", "new-team", "named", "unassigned", "x", "y", "y"]
    assert Agent.objects.get(external_id="batch-fresh").department.code == "unassigned"
    assert Agent.objects.get(external_id="batch-fresh2").department.code == "y"


def test_a_new_agent_name_is_kept(api):
    AgentFactory(external_id="a-1", name="Old Name")

    api.post(BULK, [{"external_id": "n-1", "channel": "chat", "agent": "a-1", "agent_name": "New Name"}], format="json")

    assert Agent.objects.get(external_id="a-1").name == "New Name"


# --- Bad input --------------------------------------------------------------------------------


def test_a_batch_of_only_bad_items_stores_nothing(api):
    before = (Agent.objects.count(), Department.objects.count())
    batch = [
        {"external_id": "b-1", "channel": "chat", "agent": "new-agent", "department": "new-team", "tags": [0]},
        {"external_id": "b-2", "channel": "chat", "agent": "", "department": "other-team"},
    ]

    answer = api.post(BULK, batch, format="json").json()

    assert [r["status"] for r in answer["results"]] == [400, 400]
    assert set(answer["results"][0]["errors"]) == {"tags"}
    assert set(answer["results"][1]["errors"]) == {"agent"}
    assert (Agent.objects.count(), Department.objects.count()) == before
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("tags", [[0], [True], [None], [["nested"]], [{"a": 1}]], ids=str)
def test_tags_must_be_strings(api, tags):
    reply = api.post(SINGLE, {"external_id": "t-1", "channel": "chat", "agent": "a", "tags": tags}, format="json")

    assert reply.status_code == 400
    assert set(reply.json()) == {"tags"}
    assert not Interaction.objects.exists()


def test_the_schema_says_external_id_and_agent_are_not_blank(client, db):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    fields = schema["components"]["schemas"]["InteractionInRequest"]["properties"]

    assert fields["external_id"]["minLength"] == 1
    assert fields["agent"]["minLength"] == 1
    assert fields["tags"]["items"]["type"] == "string"
    assert fields["invite"]["type"] == "boolean"


# --- Sends are queued after commit -------------------------------------------------------------


def test_email_sends_are_queued_after_commit_in_chunks_not_done_in_the_request(api, django_capture_on_commit_callbacks):
    batch = [
        {"external_id": f"e-{n}", "channel": "email", "agent": "a", "customer": {"email": f"c{n}@example.com"}}
        for n in range(150)
    ]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply = api.post(BULK, batch, format="json")

    assert reply.status_code == 200
    assert {r["body"]["invitation"]["status"] for r in reply.json()["results"]} == {"pending"}
    assert mail.outbox == []
    assert len(callbacks) == 2  # one task per chunk of 100 invitations
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 150
    assert set(Invitation.objects.values_list("status", flat=True)) == {"sent"}


def test_link_invitations_are_sent_in_the_answer_and_nothing_is_queued(api, django_capture_on_commit_callbacks):
    batch = [{"external_id": f"l-{n}", "channel": "chat", "agent": "a"} for n in range(20)]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        results = api.post(BULK, batch, format="json").json()["results"]

    assert {r["body"]["invitation"]["status"] for r in results} == {"sent"}
    assert callbacks == []


# --- Parallel overlapping batches on PostgreSQL -------------------------------------------------


def test_parallel_overlapping_bulk_requests_store_each_interaction_once(postgres_tx):
    key = create_api_token(name="race")
    threads, width, step = 20, 60, 10  # thread i posts ids [i*10, i*10 + 60): 6 requests share each id

    def batch(i: int) -> list[dict]:
        return [
            {
                "external_id": f"race-{n}",
                "channel": "chat",
                "agent": f"agent-{n % 7}",
                "department": f"team-{n % 3}",
                "customer": {"email": f"c{n}@example.com"},
            }
            for n in range(i * step, i * step + width)
        ]

    def post(i: int):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client.post(BULK, batch(i), format="json")

    replies = run_together(threads, post)

    errors = [r for r in replies if isinstance(r, Exception)]
    assert not errors, errors
    assert [r.status_code for r in replies] == [200] * threads, [r.content[:300] for r in replies]
    answers = [r.json() for r in replies]
    unique = (threads - 1) * step + width
    assert sum(a["created"] for a in answers) == unique
    assert sum(a["created"] + a["existing"] for a in answers) == threads * width
    bodies: dict[str, set] = {}
    for answer in answers:
        for result in answer["results"]:
            body = result["body"]
            bodies.setdefault(body["external_id"], set()).add((body["id"], body["invitation"]["url"]))
    assert len(bodies) == unique
    assert all(len(seen) == 1 for seen in bodies.values()), "one id and one link per interaction"
    assert Interaction.objects.count() == unique
    assert Invitation.objects.count() == unique
    assert Agent.objects.count() == 7
    assert Department.objects.count() == 3
