"""`manage.py seed_demo`: a realistic demo contact center that the real pages can open."""

import statistics
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from agents.models import Agent, Department
from surveys import tokens
from surveys.models import Channel, Interaction, Invitation, Response

pytestmark = pytest.mark.django_db

SMALL = 3000


def seed_demo(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The demo logins' passwords are hashed on every seed; the slow default hasher adds nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded() -> str:
    return seed_demo("--interactions", str(SMALL))


def nps(promoters: int, detractors: int, responses: int) -> float:
    return 100 * (promoters - detractors) / responses


def test_demo_has_departments_agents_and_six_months_on_every_channel(seeded):
    assert Department.objects.count() >= 6
    assert Department.objects.exclude(target_nps=None).count() >= 3
    assert Agent.objects.count() >= 60
    assert not Agent.objects.filter(department=None).exists()
    assert Interaction.objects.count() == SMALL
    assert set(Interaction.objects.values_list("channel", flat=True)) == set(Channel.values)

    now = timezone.now()
    first = Interaction.objects.earliest("occurred_at").occurred_at
    last = Interaction.objects.latest("occurred_at").occurred_at
    assert now - timedelta(days=190) < first < now - timedelta(days=170)
    assert now - timedelta(days=2) < last <= now
    assert f"Seeded 6 departments, 66 agents, {SMALL} interactions" in seeded


def test_agents_who_moved_keep_their_old_interactions_in_the_old_department(seeded):
    moved = (
        Interaction.objects.values("agent")
        .annotate(departments=Count("department", distinct=True))
        .filter(departments__gt=1)
    )
    assert len(moved) >= 2
    for row in moved:
        agent = Agent.objects.get(pk=row["agent"])
        latest = Interaction.objects.filter(agent=agent).latest("occurred_at")
        earliest = Interaction.objects.filter(agent=agent).earliest("occurred_at")
        assert latest.department == agent.department
        assert earliest.department != agent.department


def test_about_a_quarter_of_invited_customers_answer(seeded):
    assert Invitation.objects.count() == Interaction.objects.count()
    assert not Interaction.objects.filter(invitation=None).exists()
    suppressed = Invitation.objects.filter(status=Invitation.Status.SUPPRESSED)
    assert 0.05 < suppressed.count() / SMALL < 0.3
    assert suppressed.filter(suppressed_reason="fatigue").exists()
    assert not suppressed.filter(suppressed_reason="").exists()

    invited = Invitation.objects.exclude(status=Invitation.Status.SUPPRESSED).count()
    assert 0.20 <= Response.objects.count() / invited <= 0.30


def test_answers_copy_the_interaction_and_speak_the_customers_language(seeded):
    answered = Invitation.objects.filter(status=Invitation.Status.ANSWERED)
    assert answered.count() == Response.objects.count() > 0
    assert not answered.filter(response=None).exists()
    for response in Response.objects.select_related("interaction", "invitation"):
        interaction, invitation = response.interaction, response.invitation
        assert invitation.interaction_id == interaction.pk
        assert (response.agent_id, response.department_id, response.channel, response.occurred_at) == (
            interaction.agent_id,
            interaction.department_id,
            interaction.channel,
            interaction.occurred_at,
        )
        assert response.language == invitation.language == interaction.language
        assert interaction.occurred_at < invitation.sent_at <= invitation.opened_at <= invitation.answered_at
        assert response.submitted_at == invitation.answered_at

    with_why = Response.objects.exclude(why="")
    assert 0.4 <= with_why.count() / Response.objects.count() <= 0.6
    assert set(with_why.values_list("language", flat=True)) == {"en", "id", "es"}
    assert with_why.values("why").distinct().count() > with_why.count() / 2  # not copy-pasted


def test_invited_customers_links_open_the_survey_page(seeded, client):
    invited = Invitation.objects.exclude(status=Invitation.Status.SUPPRESSED)
    for invitation in invited:
        assert invitation.token_hash == tokens.hash_token(tokens.token_for(invitation.token_nonce))
    assert not Invitation.objects.filter(status=Invitation.Status.SUPPRESSED, token_hash__isnull=False).exists()

    open_link = invited.filter(status=Invitation.Status.SENT, expires_at__gt=timezone.now()).first()
    page = client.get(f"/s/{tokens.token_for(open_link.token_nonce)}/")
    assert page.status_code == 200
    assert open_link.interaction.agent.first_name in page.content.decode()


def test_one_department_has_good_agents_but_a_company_side_problem(seeded):
    claims = Response.objects.filter(department__code="claims").aggregate(
        n=Count("pk"),
        company_p=Count("pk", filter=Q(company_score__gte=9)),
        company_d=Count("pk", filter=Q(company_score__lte=6)),
        agent_p=Count("pk", filter=Q(agent_score__gte=9)),
        agent_d=Count("pk", filter=Q(agent_score__lte=6)),
    )
    agent_nps = nps(claims["agent_p"], claims["agent_d"], claims["n"])
    company_nps = nps(claims["company_p"], claims["company_d"], claims["n"])
    assert agent_nps - company_nps > 40


def test_longer_handle_times_transfers_and_unresolved_contacts_score_lower(seeded):
    rows = list(Response.objects.values_list("agent_score", "interaction__handle_seconds", "interaction__transfers"))
    median = statistics.median(handle for _, handle, _ in rows)
    short = statistics.mean(score for score, handle, _ in rows if handle < median)
    long = statistics.mean(score for score, handle, _ in rows if handle >= median)
    assert long < short - 0.4
    assert statistics.correlation([h for _, h, _ in rows], [s for s, _, _ in rows]) < -0.15

    transferred = statistics.mean(score for score, _, transfers in rows if transfers)
    direct = statistics.mean(score for score, _, transfers in rows if not transfers)
    assert transferred < direct - 0.5
    resolved = Response.objects.filter(interaction__resolved=True).values_list("agent_score", flat=True)
    unresolved = Response.objects.filter(interaction__resolved=False).values_list("agent_score", flat=True)
    assert statistics.mean(unresolved) < statistics.mean(resolved) - 0.8


def test_seeding_twice_replaces_the_demo_data_instead_of_duplicating_it(seeded):
    def counts():
        return (
            Department.objects.count(),
            Agent.objects.count(),
            Interaction.objects.count(),
            Invitation.objects.count(),
            Response.objects.count(),
            get_user_model().objects.count(),
        )

    first = counts()
    again = seed_demo("--interactions", str(SMALL))
    assert f"Replaced {SMALL} earlier demo interactions" in again
    assert counts() == first


def test_if_empty_leaves_a_seeded_database_alone(seeded):
    newest = Interaction.objects.order_by("-pk").first().pk
    output = seed_demo("--if-empty")
    assert "not seeded" in output
    assert Interaction.objects.count() == SMALL
    assert Interaction.objects.order_by("-pk").first().pk == newest


def test_demo_logins_are_printed_and_work(seeded, client):
    assert "http://127.0.0.1:8000/admin/" in seeded
    for username in ("admin", "supervisor", "agent"):
        assert f"  {username}" in seeded
        assert client.login(username=username, password=username)
    client.login(username="admin", password="admin")
    assert client.get("/admin/").status_code == 200

    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert users.get(username="supervisor").supervised_departments.filter(code="retention").exists()
    agent = Agent.objects.get(user__username="agent")
    assert agent.name in seeded and agent.responses.count() > 0


def test_most_of_the_best_agents_work_in_one_department():
    """At the default size: ranked on the agent question among agents with at least 30
    answers, most of the top 20 share a department (the champions' concentration)."""
    seed_demo()
    per_agent = (
        Response.objects.values("agent")
        .annotate(
            n=Count("pk"),
            promoters=Count("pk", filter=Q(agent_score__gte=9)),
            detractors=Count("pk", filter=Q(agent_score__lte=6)),
        )
        .order_by()
    )
    ranked = sorted(
        (row for row in per_agent if row["n"] >= 30),
        key=lambda row: nps(row["promoters"], row["detractors"], row["n"]),
        reverse=True,
    )
    assert len(ranked) >= 50
    departments = dict(Agent.objects.values_list("pk", "department__code"))
    top = [departments[row["agent"]] for row in ranked[:20]]
    assert max(top.count(code) for code in top) >= 12, top

    new_hires = [row for row in per_agent if 0 < row["n"] < 30]
    assert new_hires  # "not enough answers yet" has someone to show
