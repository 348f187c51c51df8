"""Promoters to thank (scoped, marked once, respecting the fatigue window) and the answers
export (filters, scoping, CSV that spreadsheets cannot run as formulas)."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.http import StreamingHttpResponse
from django.utils import timezone

from analytics.csv_export import safe_cell
from followups import services
from followups.models import PromoterContact
from surveys import api_responses
from surveys.models import Invitation, Response
from tests.factories import AgentFactory, InteractionFactory, InvitationFactory, ResponseFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def rows_of(reply) -> list[dict]:
    body = b"".join(reply.streaming_content) if reply.streaming else reply.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def promoter(agent, *, email="", phone="", days_ago=2, why="Thanks a lot", company=10, agent_score=10):
    interaction = InteractionFactory(
        agent=agent, customer_email=email, customer_phone=phone, customer_name="Customer",
        occurred_at=timezone.now() - timedelta(days=days_ago),
    )  # fmt: skip
    return ResponseFactory(
        invitation=InvitationFactory(interaction=interaction, status=Invitation.Status.ANSWERED),
        company_score=company,
        agent_score=agent_score,
        why=why,
    )


@pytest.fixture
def agents(departments):
    billing, claims = departments
    return AgentFactory(name="Budi Santoso", department=billing), AgentFactory(name="Carl Jones", department=claims)


# --- Promoters -------------------------------------------------------------------------------------


def test_a_supervisor_sees_only_their_departments_promoters(client, supervisor, admin_user, agents):
    budi, carl = agents
    mine = promoter(budi, email="ana@example.com", why="Budi was great")
    theirs = promoter(carl, email="cho@example.com", why="Carl was great")
    promoter(budi, email="passive@example.com", company=8, why="Only an 8")  # not a promoter

    client.force_login(supervisor)
    page = client.get("/dashboard/promoters/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "Budi was great" in text and "ana@example.com" in text
    assert "Carl was great" not in text and "Only an 8" not in text
    assert client.get("/dashboard/promoters/?department=claims").status_code == 403
    assert client.post(f"/dashboard/promoters/{theirs.pk}/thank/", {"kind": "thanks"}).status_code == 404

    client.force_login(admin_user)
    text = client.get("/dashboard/promoters/").content.decode()
    assert "Budi was great" in text and "Carl was great" in text
    assert text.index("<h3>Billing</h3>") < text.index("<h3>Claims</h3>")
    assert mine.pk != theirs.pk


def test_marking_as_thanked_records_who_and_nobody_thanks_twice(client, supervisor, agents):
    budi, _ = agents
    answer = promoter(budi, email="ana@example.com")
    client.force_login(supervisor)

    done = client.post(
        f"/dashboard/promoters/{answer.pk}/thank/", {"kind": "review", "next": "/dashboard/promoters/"}, follow=True
    )

    contact = PromoterContact.objects.get()
    assert (contact.response, contact.kind, contact.by) == (answer, "review", supervisor)
    assert "Asked for a review: recorded" in done.content.decode()
    assert "ana@example.com" not in done.content.decode()  # off the list to contact

    again = client.post(f"/dashboard/promoters/{answer.pk}/thank/", {"kind": "thanks"}, follow=True)
    assert "Already done by Sam on" in again.content.decode()
    assert PromoterContact.objects.count() == 1

    contacted = client.get("/dashboard/promoters/?show=contacted").content.decode()
    assert "Asked for a review" in contacted and "by Sam" in contacted


def test_a_customer_contacted_recently_is_not_offered_again(client, supervisor, agents):
    budi, _ = agents
    first = promoter(budi, email="ana@example.com", days_ago=10, why="First visit")
    second = promoter(budi, email="ana@example.com", days_ago=1, why="Second visit")
    by_phone = promoter(budi, phone="+628123456789", days_ago=3, why="Phone customer")
    client.force_login(supervisor)
    client.post(f"/dashboard/promoters/{first.pk}/thank/", {"kind": "thanks"})

    text = client.get("/dashboard/promoters/").content.decode()
    assert "Second visit" not in text and "Phone customer" in text

    refused = client.post(f"/dashboard/promoters/{second.pk}/thank/", {"kind": "thanks"}, follow=True)
    assert "contacted recently for another answer" in refused.content.decode()
    assert not PromoterContact.objects.filter(response=second).exists()

    everything = client.get("/dashboard/promoters/?show=all").content.decode()
    assert "Contacted recently (another answer)" in everything

    # Once the fatigue window has passed, the customer may be thanked again.
    PromoterContact.objects.update(at=timezone.now() - timedelta(days=31))
    assert "Second visit" in client.get("/dashboard/promoters/").content.decode()
    assert by_phone.pk


def test_customers_without_contact_or_with_an_open_case_are_not_listed_to_contact(client, supervisor, agents):
    budi, _ = agents
    promoter(budi, why="Anonymous praise")
    promoter(budi, email="dora@example.com", why="Happy with the agent")
    complaint = promoter(budi, email="dora@example.com", company=2, agent_score=3, why="But billing is wrong")
    services.open_case_for(complaint)
    client.force_login(supervisor)

    to_contact = client.get("/dashboard/promoters/").content.decode()
    everything = client.get("/dashboard/promoters/?show=all").content.decode()

    assert "Anonymous praise" not in to_contact and "Happy with the agent" not in to_contact
    assert "No email or phone" in everything and "Follow-up case open" in everything


def test_the_promoter_csv_is_scoped_and_safe(client, supervisor, agents):
    budi, carl = agents
    promoter(budi, email="ana@example.com", why='=HYPERLINK("http://evil","x")')
    promoter(budi, why="-2 stars? no, 10!")
    promoter(carl, email="cho@example.com", why="Claims row")
    client.force_login(supervisor)

    reply = client.get("/dashboard/promoters/?show=all&format=csv")

    rows = rows_of(reply)
    assert reply["Content-Type"].startswith("text/csv")
    assert sorted(r["why"] for r in rows) == ["'-2 stars? no, 10!", '\'=HYPERLINK("http://evil","x")']
    by_why = {r["why"]: r for r in rows}
    assert by_why['\'=HYPERLINK("http://evil","x")']["customer_email"] == "ana@example.com"
    assert by_why["'-2 stars? no, 10!"]["customer_email"] == "" and by_why["'-2 stars? no, 10!"]["not_on_list_because"]


def test_agents_and_people_without_a_role_cannot_see_promoters(client, agents):
    budi, _ = agents
    budi.user = User.objects.create_user("budi")
    budi.save()
    client.force_login(budi.user)
    assert client.get("/dashboard/promoters/").status_code == 302

    client.force_login(User.objects.create_user("nobody"))
    assert client.get("/dashboard/promoters/").status_code == 403


# --- Export ----------------------------------------------------------------------------------------


def test_the_export_streams_every_matching_answer_without_contact_details(client, admin_user, answered):
    client.force_login(admin_user)

    page = client.get("/dashboard/export/")
    assert page.status_code == 200 and "9 answers" in page.content.decode()

    reply = client.get("/dashboard/export/?download=1")

    assert isinstance(reply, StreamingHttpResponse)
    assert reply["Content-Type"] == "text/csv; charset=utf-8"
    assert reply["Content-Disposition"].startswith('attachment; filename="nps-answers-')
    rows = rows_of(reply)
    assert len(rows) == Response.objects.count() == 9
    assert list(rows[0]) == list(api_responses.EXPORT_FIELDS)
    assert not any("@" in value for row in rows for value in row.values())
    first = Response.objects.select_related("agent", "department").order_by("-occurred_at", "-pk").first()
    assert rows[0]["agent"] == first.agent.external_id and rows[0]["department"] == first.department.code
    assert int(rows[0]["company_score"]) == first.company_score


def test_export_filters_and_formula_safety(client, admin_user, agents, answered):
    budi, _ = agents
    promoter(budi, why='=cmd|" /C calc"!A0', company=3, agent_score=2)
    promoter(budi, why="@SUM(1+1)", company=10, agent_score=10)
    client.force_login(admin_user)

    detractors = rows_of(client.get("/dashboard/export/?download=1&category=detractor&question=agent"))
    assert {r["agent_category"] for r in detractors} == {"detractor"}
    assert '\'=cmd|" /C calc"!A0' in [r["why"] for r in detractors]

    company_promoters = rows_of(
        client.get("/dashboard/export/?download=1&category=promoter&question=company&department=billing")
    )
    assert {r["company_category"] for r in company_promoters} == {"promoter"}
    assert {r["department"] for r in company_promoters} == {"billing"}
    assert "'@SUM(1+1)" in [r["why"] for r in company_promoters]

    chats = rows_of(client.get("/dashboard/export/?download=1&channel=chat"))
    assert chats and {r["channel"] for r in chats} == {"chat"}

    until = timezone.localdate() - timedelta(days=5)
    older = rows_of(client.get(f"/dashboard/export/?download=1&until={until}"))
    assert older and all(r["occurred_at"][:10] <= until.isoformat() for r in older)


def test_a_supervisor_exports_only_their_departments(client, supervisor, answered):
    client.force_login(supervisor)

    rows = rows_of(client.get("/dashboard/export/?download=1"))

    assert rows and {r["department"] for r in rows} == {"billing"}
    assert client.get("/dashboard/export/?download=1&department=claims").status_code == 403


def test_bad_export_filters_are_answered_next_to_the_field(client, admin_user):
    client.force_login(admin_user)

    reply = client.get("/dashboard/export/?since=2025-02-10&until=2025-02-01&download=1")

    assert reply.status_code == 400
    assert "The start date must be on or before the end date." in reply.content.decode()


@pytest.mark.parametrize("text", ["=1+1", "+44 20", "-5", "@x", "\tx", "\rx", "plain", "", "5 stars"])
def test_the_api_and_the_dashboard_neutralise_the_same_cells(text):
    assert api_responses.csv_cell(text) == safe_cell(text)
