"""POST /api/v1/interactions/: what an integration sends and what it gets back (DESIGN.md)."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agents.models import Agent, Department
from surveys.delivery import sms
from surveys.models import Interaction, Invitation, Response
from tests.factories import AgentFactory, DepartmentFactory, SurveyFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/interactions/"
BASE = "http://127.0.0.1:8000"
# Recent enough to be invited (max_invite_age_hours), in the platform's own offset.
OCCURRED = (timezone.now() - timedelta(hours=2)).astimezone(timezone.get_fixed_timezone(7 * 60)).replace(microsecond=0)


def interaction(**fields) -> dict:
    return {"external_id": "call-1", "channel": "phone", "agent": "a-1", **fields}


@pytest.fixture
def survey():
    return SurveyFactory()


def stored_counts() -> dict[str, int]:
    return {
        "interactions": Interaction.objects.count(),
        "invitations": Invitation.objects.count(),
        "agents": Agent.objects.count(),
        "departments": Department.objects.count(),
    }


# --- The happy path, as DESIGN.md writes it ---------------------------------------------


def test_a_full_interaction_is_stored_as_sent(api, django_capture_on_commit_callbacks):
    body = {
        "external_id": "ZD-48151",
        "source": "zendesk",
        "channel": "chat",
        "agent": "genesys-7",
        "agent_name": "Budi Santoso",
        "department": "billing",
        "occurred_at": OCCURRED.isoformat(),
        "customer": {"email": "Sari@Example.com", "phone": "+62 812 3456 7890", "name": "Sari", "language": "id-ID"},
        "delivery": {"method": "email", "delay_minutes": 0},
        "handle_seconds": 310,
        "wait_seconds": 42,
        "transfers": 1,
        "resolved": True,
        "tags": ["refund", " vip "],
    }
    with django_capture_on_commit_callbacks(execute=True):
        reply = api.post(URL, body, format="json")

    assert reply.status_code == 201, reply.content
    answer = reply.json()
    assert set(answer) == {"id", "external_id", "invitation", "suppressed_reason"}
    assert answer["external_id"] == "ZD-48151"
    assert answer["suppressed_reason"] is None
    assert set(answer["invitation"]) == {"url", "expires_at", "status"}
    assert answer["invitation"]["url"].startswith(f"{BASE}/s/")
    stored = Interaction.objects.get(pk=answer["id"])
    assert (stored.source, stored.channel, stored.agent.name, stored.department.code) == (
        "zendesk",
        "chat",
        "Budi Santoso",
        "billing",
    )
    assert stored.occurred_at == OCCURRED
    assert (stored.customer_email, stored.customer_phone, stored.customer_name) == (
        "sari@example.com",
        "+6281234567890",
        "Sari",
    )
    assert (stored.handle_seconds, stored.wait_seconds, stored.transfers, stored.resolved) == (310, 42, 1, True)
    assert stored.tags == ["refund", "vip"]
    assert stored.invitation.language == "id"
    assert [m.to for m in mail.outbox] == [["sari@example.com"]]
    assert answer["invitation"]["url"] in mail.outbox[0].body


def test_occurred_at_defaults_to_now(api):
    before = timezone.now()
    reply = api.post(URL, interaction(), format="json")

    assert reply.status_code == 201
    assert before <= Interaction.objects.get().occurred_at <= timezone.now()


@pytest.mark.parametrize(
    "written", ["2026-01-20T07:05:00Z", "2026-01-20T14:05:00.123+07:00", "2026-01-19T21:05:00-10:00"]
)
def test_occurred_at_is_read_with_its_offset(api, written):
    reply = api.post(URL, interaction(occurred_at=written), format="json")

    assert reply.status_code == 201
    stored = Interaction.objects.get().occurred_at
    assert stored.replace(microsecond=0) == parse_datetime("2026-01-20T07:05:00+00:00")


# --- How the customer gets the link -------------------------------------------------------


def test_a_customer_with_an_email_is_invited_by_email(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reply = api.post(
            URL, interaction(customer={"email": "sari@example.com", "phone": "+6281234567890"}), format="json"
        )

    assert reply.status_code == 201
    assert Invitation.objects.get().method == "email"
    assert Invitation.objects.get().status == "sent"
    assert [m.to for m in mail.outbox] == [["sari@example.com"]]
    assert sms.outbox == []


def test_a_customer_with_only_a_phone_is_invited_by_sms(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reply = api.post(URL, interaction(customer={"phone": "+62 812-3456-7890"}), format="json")

    assert reply.status_code == 201
    assert Invitation.objects.get().method == "sms"
    assert [m["to"] for m in sms.outbox] == ["+6281234567890"]
    assert reply.json()["invitation"]["url"] in sms.outbox[0]["body"]
    assert mail.outbox == []


def test_without_contact_the_link_is_returned_to_the_platform_as_sent(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reply = api.post(URL, interaction(), format="json")

    assert reply.status_code == 201
    invitation = reply.json()["invitation"]
    assert invitation["status"] == "sent"
    assert invitation["url"].startswith(f"{BASE}/s/")
    assert Invitation.objects.get().method == "link"
    assert mail.outbox == [] and sms.outbox == []


def test_the_platform_may_ask_for_the_link_even_when_it_knows_the_email(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reply = api.post(
            URL, interaction(customer={"email": "sari@example.com"}, delivery={"method": "link"}), format="json"
        )

    assert reply.json()["invitation"]["status"] == "sent"
    assert mail.outbox == []


def test_the_returned_link_opens_the_survey(api, client):
    url = api.post(URL, interaction(agent_name="Budi Santoso"), format="json").json()["invitation"]["url"]

    page = client.get(url.removeprefix(BASE))

    assert page.status_code == 200
    assert "Budi" in page.content.decode()


def test_links_expire_after_seven_days_by_default(api):
    before = timezone.now()
    reply = api.post(URL, interaction(), format="json")

    expires_at = parse_datetime(reply.json()["invitation"]["expires_at"])
    assert before + timedelta(days=7) <= expires_at <= timezone.now() + timedelta(days=7)
    assert Invitation.objects.get().expires_at == expires_at


def test_a_delayed_invitation_expires_seven_days_after_it_is_sent(api):
    before = timezone.now()
    reply = api.post(
        URL, interaction(customer={"email": "sari@example.com"}, delivery={"delay_minutes": 60}), format="json"
    )

    answer = reply.json()["invitation"]
    assert answer["status"] == "pending"
    assert parse_datetime(answer["expires_at"]) >= before + timedelta(days=7, minutes=60)


# --- Agents and departments ---------------------------------------------------------------


def test_unknown_agent_and_department_are_created(api):
    reply = api.post(URL, interaction(agent="new-7", agent_name="Rina Wati", department="collections"), format="json")

    assert reply.status_code == 201
    agent = Agent.objects.get(external_id="new-7")
    assert agent.name == "Rina Wati"
    assert agent.department.code == "collections"
    assert Interaction.objects.get().department == agent.department


def test_an_unknown_agent_without_a_department_lands_in_unassigned(api):
    api.post(URL, interaction(agent="new-8"), format="json")

    assert Agent.objects.get(external_id="new-8").department.code == "unassigned"
    assert Interaction.objects.get().department.code == "unassigned"


def test_the_department_defaults_to_the_agents_current_one(api):
    AgentFactory(external_id="a-1", department=DepartmentFactory(code="billing"))

    api.post(URL, interaction(), format="json")

    assert Interaction.objects.get().department.code == "billing"


def test_an_interaction_keeps_the_department_it_happened_in_after_the_agent_moves(api, client):
    billing = DepartmentFactory(code="billing")
    sales = DepartmentFactory(code="sales")
    agent = AgentFactory(external_id="a-1", department=billing)
    first = api.post(URL, interaction(external_id="before-move"), format="json").json()

    agent.department = sales
    agent.save()
    second = api.post(URL, interaction(external_id="after-move"), format="json").json()

    assert Interaction.objects.get(pk=first["id"]).department == billing
    assert Interaction.objects.get(pk=second["id"]).department == sales
    answered = client.post(
        first["invitation"]["url"].removeprefix(BASE), {"company_score": "3", "agent_score": "4", "why": ""}
    )
    assert answered.status_code == 302
    assert Response.objects.get().department == billing, "the answer counts where the service was given"


# --- Replays ------------------------------------------------------------------------------


def test_a_replay_answers_200_with_the_same_body_and_stores_nothing(api):
    first = api.post(URL, interaction(agent_name="Budi"), format="json")
    counts = stored_counts()

    again = api.post(URL, interaction(agent_name="Budi"), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert stored_counts() == counts


def test_a_replay_does_not_send_a_second_email(api, django_capture_on_commit_callbacks):
    body = interaction(customer={"email": "sari@example.com"})
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(URL, body, format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(URL, body, format="json")

    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["invitation"]["url"] == first["invitation"]["url"]
    assert again.json()["invitation"]["expires_at"] == first["invitation"]["expires_at"]
    assert len(mail.outbox) == 1


def test_a_replay_of_a_suppressed_interaction_repeats_the_reason(api, survey):
    survey.invite_phone = False
    survey.save()
    first = api.post(URL, interaction(), format="json")

    again = api.post(URL, interaction(), format="json")

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["suppressed_reason"] == "channel_disabled"


def test_the_same_external_id_from_another_source_is_another_interaction(api):
    first = api.post(URL, interaction(source="zendesk"), format="json")
    other = api.post(URL, interaction(source="genesys"), format="json")
    default_source = api.post(URL, interaction(), format="json")

    assert [first.status_code, other.status_code, default_source.status_code] == [201, 201, 201]
    assert len({first.json()["id"], other.json()["id"], default_source.json()["id"]}) == 3
    assert sorted(Interaction.objects.values_list("source", flat=True)) == ["api", "genesys", "zendesk"]


# --- Bad input: 400 with field messages, nothing stored -----------------------------------

# A new agent in a new department: anything half-stored would show up in the counts.
VALID = {"external_id": "bad-1", "channel": "phone", "agent": "fresh-agent", "department": "fresh-dept"}
MEGABYTE = "x" * 1_000_000
IN_A_MONTH = (timezone.now() + timedelta(days=30)).isoformat()

BAD_INPUT = {
    "empty object": (dict.fromkeys(VALID), ["external_id", "channel", "agent"]),
    "missing external_id": ({"external_id": None}, ["external_id"]),
    "blank external_id": ({"external_id": "  "}, ["external_id"]),
    "missing agent": ({"agent": None}, ["agent"]),
    "missing channel": ({"channel": None}, ["channel"]),
    "unknown channel": ({"channel": "fax"}, ["channel"]),
    "channel in capitals": ({"channel": "PHONE"}, ["channel"]),
    "external_id over 200 characters": ({"external_id": "x" * 201}, ["external_id"]),
    "external_id with a NUL byte": ({"external_id": "a\x00b"}, ["external_id"]),
    "source over 100 characters": ({"source": "s" * 101}, ["source"]),
    "1 MB agent name": ({"agent_name": MEGABYTE}, ["agent_name"]),
    "1 MB customer name": ({"customer": {"name": MEGABYTE}}, ["customer"]),
    "list for agent": ({"agent": ["a-1", "a-2"]}, ["agent"]),
    "object for agent": ({"agent": {"id": "a-1"}}, ["agent"]),
    "department that is not a code": ({"department": "Billing Team!"}, ["department"]),
    "string for transfers": ({"transfers": "two"}, ["transfers"]),
    "negative transfers": ({"transfers": -1}, ["transfers"]),
    "fractional transfers": ({"transfers": 2.5}, ["transfers"]),
    "boolean for handle_seconds": ({"handle_seconds": True}, ["handle_seconds"]),
    "absurd wait_seconds": ({"wait_seconds": 10**12}, ["wait_seconds"]),
    "score-like junk in handle_seconds": ({"handle_seconds": "9/10"}, ["handle_seconds"]),
    "string for resolved": ({"resolved": "maybe"}, ["resolved"]),
    "object for tags": ({"tags": {"vip": True}}, ["tags"]),
    "string for tags": ({"tags": "vip"}, ["tags"]),
    "objects in tags": ({"tags": [{"name": "vip"}]}, ["tags"]),
    "too many tags": ({"tags": [f"t{n}" for n in range(21)]}, ["tags"]),
    "string for customer": ({"customer": "sari@example.com"}, ["customer"]),
    "invalid email": ({"customer": {"email": "not-an-email"}}, ["customer"]),
    "invalid phone": ({"customer": {"phone": "call me maybe"}}, ["customer"]),
    "invalid language": ({"customer": {"language": "english please"}}, ["customer"]),
    "language tag too long to store": ({"customer": {"language": "zh-Hant-TW-private"}}, ["customer"]),
    "unknown delivery method": ({"delivery": {"method": "pigeon"}}, ["delivery"]),
    "email delivery without an email": ({"delivery": {"method": "email"}}, ["delivery"]),
    "sms delivery without a phone": ({"delivery": {"method": "sms"}}, ["delivery"]),
    "negative delay": ({"delivery": {"delay_minutes": -5}}, ["delivery"]),
    "timestamp without offset": ({"occurred_at": "2026-01-20T14:05:00"}, ["occurred_at"]),
    "garbage timestamp": ({"occurred_at": "yesterday at noon"}, ["occurred_at"]),
    "impossible date": ({"occurred_at": "2026-02-30T10:00:00+00:00"}, ["occurred_at"]),
    "far-future timestamp": ({"occurred_at": IN_A_MONTH}, ["occurred_at"]),
    "epoch number for a timestamp": ({"occurred_at": 1768917900}, ["occurred_at"]),
    "timestamp from 1970": ({"occurred_at": "1970-01-01T00:00:00+00:00"}, ["occurred_at"]),
}


@pytest.mark.parametrize(("change", "fields"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_refused_field_by_field_and_nothing_is_stored(api, change, fields):
    body = {key: value for key, value in {**VALID, **change}.items() if value is not None}
    before = stored_counts()

    reply = api.post(URL, body, format="json")

    assert reply.status_code == 400, reply.content[:500]
    errors = reply.json()
    assert sorted(errors) == sorted(fields)
    assert all(errors[field] for field in fields), errors
    assert stored_counts() == before
    assert mail.outbox == [] and sms.outbox == []


def test_the_error_names_the_nested_customer_field(api):
    reply = api.post(URL, {**VALID, "customer": {"email": "not-an-email"}}, format="json")

    assert list(reply.json()["customer"]) == ["email"]


@pytest.mark.parametrize("field", ["external_id", "agent", "agent_name", "source"])
def test_text_that_is_not_valid_unicode_is_refused(api, field):
    """JSON may escape half a surrogate pair ("\\ud800"); no database can store that."""
    before = stored_counts()

    reply = api.post(URL, json.dumps({**VALID, field: "a\ud800b"}), content_type="application/json")

    assert reply.status_code == 400, reply.content[:500]
    assert list(reply.json()) == [field]
    assert stored_counts() == before


def test_a_lone_surrogate_in_a_customer_field_is_refused(api):
    body = json.dumps({**VALID, "customer": {"name": "Sari \udfff"}, "tags": ["ok"]})

    reply = api.post(URL, body, content_type="application/json")

    assert reply.status_code == 400
    assert list(reply.json()) == ["customer"]
    assert Interaction.objects.count() == 0


RAW_BODIES = {
    "malformed JSON": '{"external_id": "bad-1", "channel": ',
    "NaN is not JSON": '{"external_id": "bad-1", "channel": "phone", "agent": "a", "transfers": NaN}',
    "deeply nested JSON": "[" * 100_000 + "]" * 100_000,
    "a list": '[{"external_id": "bad-1", "channel": "phone", "agent": "a"}]',
    "a string": '"bad-1"',
    "a number": "42",
    "null": "null",
}


@pytest.mark.parametrize("raw", RAW_BODIES.values(), ids=RAW_BODIES.keys())
def test_a_body_that_is_not_a_json_object_is_refused(api, raw):
    before = stored_counts()

    reply = api.post(URL, raw, content_type="application/json")

    assert reply.status_code == 400, reply.content[:500]
    assert reply.json()
    assert stored_counts() == before


def test_only_json_is_accepted(api):
    reply = api.post(URL, "external_id=bad-1&channel=phone&agent=a", content_type="application/x-www-form-urlencoded")

    assert reply.status_code == 415
    assert stored_counts() == {"interactions": 0, "invitations": 0, "agents": 0, "departments": 0}
