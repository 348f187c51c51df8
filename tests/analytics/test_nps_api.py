"""GET /api/v1/nps/: the contract of DESIGN.md, on a small data set counted by hand.

The figures below were worked out on paper from the answers in `crafted` (NPS, and the
adjusted-Wald interval of DESIGN.md: n' = n + 3, p' = (promoters + ¾) / n',
d' = (detractors + ¾) / n', 100·(p' − d') ± 196·√((p' + d' − (p' − d')²) / n'), clipped to
[−100, 100], rounded to 0.1).
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F
from rest_framework.test import APIClient

from agents.models import Agent
from analytics import buckets
from analytics.models import NpsBucket
from surveys.models import Invitation
from tests.factories import AgentFactory, DepartmentFactory, InteractionFactory, InvitationFactory, ResponseFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/nps/"
FIELDS = {"key", "name", "responses", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high"}
D = date(2025, 6, 10)
PERIOD = {"since": D.isoformat(), "until": (D + timedelta(days=2)).isoformat()}


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


def answer(agent, *, when: datetime, channel: str, pairs: list[tuple[int, int]], department=None) -> None:
    """Store one answer per (company score, agent score) pair."""
    for company, agent_score in pairs:
        interaction = InteractionFactory(
            agent=agent, department=department or agent.department, occurred_at=when, channel=channel
        )
        ResponseFactory(
            invitation=InvitationFactory(interaction=interaction, status=Invitation.Status.ANSWERED),
            company_score=company,
            agent_score=agent_score,
        )


@pytest.fixture
def crafted():
    """Billing: b1 (phone, day D) and b2 (chat, D+1); Claims: c1 (email, D+2); Sales: nobody answered.

    Agent question   b1: 5 promoters, 3 passives, 2 detractors   b2: 1, 0, 1   c1: 0, 0, 3
    Company question b1: 2, 3, 5                                 b2: 1, 1, 0   c1: 3, 0, 0
    """
    billing = DepartmentFactory(code="billing", name="Billing")
    claims = DepartmentFactory(code="claims", name="Claims")
    sales = DepartmentFactory(code="sales", name="Sales")
    b1 = AgentFactory(external_id="b1", name="Budi", department=billing)
    b2 = AgentFactory(external_id="b2", name="Bea", department=billing)
    c1 = AgentFactory(external_id="c1", name="Carl", department=claims)
    AgentFactory(external_id="s1", name="Sri", department=sales)  # active, no answers
    AgentFactory(external_id="x1", name="Xavier", department=sales, active=False)  # left, no answers
    agent_scores = [10] * 5 + [8] * 3 + [3] * 2
    company_scores = [10] * 2 + [7] * 3 + [0] * 5
    answer(b1, when=at(D), channel="phone", pairs=list(zip(company_scores, agent_scores, strict=True)))
    answer(b2, when=at(D + timedelta(days=1)), channel="chat", pairs=[(9, 9), (7, 6)])
    answer(c1, when=at(D + timedelta(days=2)), channel="email", pairs=[(10, 0)] * 3)
    buckets.rebuild()
    return {"billing": billing, "claims": claims, "sales": sales}


def row(key: str, name: str, counts: tuple[int, int, int], figures: tuple) -> dict:
    promoters, passives, detractors = counts
    nps, ci_low, ci_high = figures
    return {
        "key": key,
        "name": name,
        "responses": promoters + passives + detractors,
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
        "nps": nps,
        "ci_low": ci_low,
        "ci_high": ci_high,
    }


def get(client, **params):
    reply = client.get(URL, params)
    assert reply.status_code == 200, reply.content
    return reply.json()


def by_key(rows: list[dict]) -> dict[str, dict]:
    return {r["key"]: r for r in rows}


# --- Figures -------------------------------------------------------------------------------


def test_company_figures_for_each_question_counted_by_hand(api, crafted):
    agent_question = get(api, group_by="company", question="agent", **PERIOD)
    company_question = get(api, group_by="company", question="company", **PERIOD)

    assert set(agent_question[0]) == FIELDS
    assert agent_question == [row("company", settings.COMPANY_NAME, (6, 3, 6), (0.0, -40.0, 40.0))]
    # The two questions are kept apart: same answers, different figures.
    assert company_question == [row("company", settings.COMPANY_NAME, (6, 4, 5), (6.7, -32.9, 44.0))]


def test_defaults_are_the_company_on_the_agent_question(api, crafted):
    assert get(api, **PERIOD) == get(api, group_by="company", question="agent", **PERIOD)


def test_grouped_by_department_every_department_is_listed_even_without_answers(api, crafted):
    rows = get(api, group_by="department", question="agent", **PERIOD)

    assert rows == [
        row("billing", "Billing", (6, 3, 3), (25.0, -21.1, 61.1)),
        row("claims", "Claims", (0, 0, 3), (-100.0, -100.0, 6.6)),
        row("sales", "Sales", (0, 0, 0), (None, None, None)),  # n = 0: no NPS, no interval, never 0
    ]


def test_grouped_by_agent_active_agents_without_answers_are_listed_with_null(api, crafted):
    rows = by_key(get(api, group_by="agent", question="agent", **PERIOD))

    assert rows == {
        "b1": row("b1", "Budi", (5, 3, 2), (30.0, -19.1, 65.2)),
        "b2": row("b2", "Bea", (1, 0, 1), (0.0, -73.3, 73.3)),
        "c1": row("c1", "Carl", (0, 0, 3), (-100.0, -100.0, 6.6)),
        "s1": row("s1", "Sri", (0, 0, 0), (None, None, None)),
    }  # Xavier left and has no answers: not listed
    company = by_key(get(api, group_by="agent", question="company", **PERIOD))
    assert company["b1"] == row("b1", "Budi", (2, 3, 5), (-30.0, -65.2, 19.1))
    assert company["b2"] == row("b2", "Bea", (1, 1, 0), (50.0, -39.4, 79.4))


def test_rows_come_best_data_first(api, crafted):
    keys = [r["key"] for r in get(api, group_by="agent", **PERIOD)]

    assert keys == ["b1", "c1", "b2", "s1"]  # by number of answers, then name


def test_since_and_until_are_inclusive_days(api, crafted):
    def responses(since: date, until: date, group_by: str = "company") -> int:
        return get(api, group_by=group_by, since=since.isoformat(), until=until.isoformat())[0]["responses"]

    assert responses(D, D) == 10
    assert responses(D + timedelta(days=1), D + timedelta(days=1)) == 2
    assert responses(D, D + timedelta(days=1)) == 12
    assert responses(D + timedelta(days=2), D + timedelta(days=9)) == 3
    assert responses(D - timedelta(days=9), D - timedelta(days=1)) == 0
    empty = get(api, since=(D - timedelta(days=9)).isoformat(), until=(D - timedelta(days=1)).isoformat())
    assert empty == [row("company", settings.COMPANY_NAME, (0, 0, 0), (None, None, None))]


def test_an_answer_counts_on_the_local_day_of_its_interaction_not_when_submitted(api, settings):
    settings.TIME_ZONE = "Asia/Jakarta"  # UTC+7: 00:30 local on the 11th is 17:30 UTC on the 10th
    agent = AgentFactory()
    answer(agent, when=at(D + timedelta(days=1), hour=0, minute=30), channel="phone", pairs=[(10, 10)])
    answer(agent, when=at(D, hour=23, minute=59), channel="phone", pairs=[(0, 0)])  # 16:59 UTC on the 10th
    buckets.rebuild()

    def counted_on(day: date) -> tuple[int, int]:
        (company,) = get(api, since=day.isoformat(), until=day.isoformat())
        return company["promoters"], company["detractors"]

    assert counted_on(D) == (0, 1)
    assert counted_on(D + timedelta(days=1)) == (1, 0)
    # Both answers were submitted today, which counts for nothing.
    today = datetime.now(ZoneInfo(settings.TIME_ZONE)).date()
    assert counted_on(today) == (0, 0)


def test_department_filter(api, crafted):
    agents = by_key(get(api, group_by="agent", department="billing", **PERIOD))
    company = get(api, group_by="company", department="billing", **PERIOD)
    departments = get(api, group_by="department", department="claims", **PERIOD)

    assert set(agents) == {"b1", "b2"}
    assert company == [row("billing", "Billing", (6, 3, 3), (25.0, -21.1, 61.1))]
    assert departments == [row("claims", "Claims", (0, 0, 3), (-100.0, -100.0, 6.6))]
    assert get(api, group_by="agent", department="sales", **PERIOD) == [row("s1", "Sri", (0, 0, 0), (None, None, None))]


def test_channel_filter(api, crafted):
    assert get(api, channel="chat", **PERIOD) == [row("company", settings.COMPANY_NAME, (1, 0, 1), (0.0, -73.3, 73.3))]
    departments = by_key(get(api, group_by="department", channel="email", question="company", **PERIOD))
    assert departments["claims"] == row("claims", "Claims", (3, 0, 0), (100.0, -6.6, 100.0))
    assert departments["billing"]["responses"] == 0 and departments["billing"]["nps"] is None
    assert get(api, channel="sms", **PERIOD)[0]["responses"] == 0


def test_figures_are_read_from_the_buckets(api, crafted):
    before = get(api, **PERIOD)[0]
    # Nothing but the derived company bucket changes: 4 more detractors on day D.
    NpsBucket.objects.filter(scope="company", day=D).update(
        agent_detractors=F("agent_detractors") + 4, responses=F("responses") + 4
    )

    after = get(api, **PERIOD)[0]

    assert (before["responses"], before["detractors"]) == (15, 6)
    assert (after["responses"], after["detractors"]) == (19, 10)
    assert after["nps"] == round(100 * (6 - 10) / 19, 1)
    # The department and agent groupings read their own scope's buckets, untouched.
    assert sum(r["responses"] for r in get(api, group_by="department", **PERIOD)) == 15


# --- Bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"group_by": "team"}, "group_by", "not a valid choice"),
        ({"question": "overall"}, "question", "not a valid choice"),
        ({"since": "2025-06-12", "until": "2025-06-10"}, "since", "on or before"),
        ({"since": "2025-13-01"}, "since", "wrong format"),
        ({"until": "10/06/2025"}, "until", "wrong format"),
        ({"since": "2025-02-30"}, "since", "wrong format"),
        ({"department": "nope"}, "department", "Unknown department"),
        ({"channel": "fax"}, "channel", "not a valid choice"),
    ],
)
def test_bad_parameters_answer_400_with_a_message(api, crafted, params, field, message):
    reply = api.get(URL, params)

    assert reply.status_code == 400
    assert message in " ".join(reply.json()[field])


def test_without_a_token_nothing_is_shown(crafted):
    reply = APIClient().get(URL, PERIOD)

    assert reply.status_code == 401
    assert reply["WWW-Authenticate"] == "Token"


def test_a_revoked_or_wrong_token_is_refused(crafted):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    assert client.get(URL, PERIOD).status_code == 401


# --- Signed-in users (session): the dashboards' scoping ------------------------------------


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def billing_supervisor(crafted):
    user = get_user_model().objects.create_user("sup")
    crafted["billing"].supervisors.add(user)
    return signed_in(user)


def test_supervisor_sees_only_their_departments(billing_supervisor, api):
    departments = get(billing_supervisor, group_by="department", **PERIOD)
    agents = by_key(get(billing_supervisor, group_by="agent", **PERIOD))

    assert departments == [row("billing", "Billing", (6, 3, 3), (25.0, -21.1, 61.1))]
    assert set(agents) == {"b1", "b2"}
    assert agents["b1"] == by_key(get(api, group_by="agent", **PERIOD))["b1"]
    assert get(billing_supervisor, group_by="agent", department="billing", **PERIOD) == get(
        api, group_by="agent", department="billing", **PERIOD
    )


def test_supervisor_is_refused_another_department(billing_supervisor):
    for group_by in ("company", "department", "agent"):
        reply = billing_supervisor.get(URL, {"group_by": group_by, "department": "claims", **PERIOD})
        assert reply.status_code == 403
        assert "outside your scope" in reply.json()["detail"]


def test_supervisor_sees_the_company_benchmark(billing_supervisor, api):
    assert get(billing_supervisor, group_by="company", **PERIOD) == get(api, group_by="company", **PERIOD)


def test_supervisor_scope_follows_the_department_snapshot(api, crafted):
    """An agent who moved from Billing to Claims: Billing's supervisor sees the answers given
    in Billing, Claims' supervisor sees the agent (now theirs) without those answers."""
    mover = AgentFactory(external_id="m1", name="Mira", department=crafted["claims"])
    answer(mover, when=at(D), channel="phone", pairs=[(9, 10)] * 4, department=crafted["billing"])
    buckets.rebuild()
    claims_user = get_user_model().objects.create_user("claims-sup")
    crafted["claims"].supervisors.add(claims_user)
    billing_user = get_user_model().objects.create_user("billing-sup")
    crafted["billing"].supervisors.add(billing_user)

    billing_view = by_key(get(signed_in(billing_user), group_by="agent", **PERIOD))
    claims_view = by_key(get(signed_in(claims_user), group_by="agent", **PERIOD))

    assert set(billing_view) == {"b1", "b2", "m1"} and billing_view["m1"]["promoters"] == 4
    assert set(claims_view) == {"c1", "m1"} and claims_view["m1"]["responses"] == 0
    assert by_key(get(api, group_by="agent", **PERIOD))["m1"]["responses"] == 4


def test_admin_session_sees_everything(api, crafted):
    admin = get_user_model().objects.create_user("boss", is_staff=True)

    assert get(signed_in(admin), group_by="agent", **PERIOD) == get(api, group_by="agent", **PERIOD)
    assert signed_in(admin).get(URL, {"department": "claims", **PERIOD}).status_code == 200


def test_users_without_a_supervisor_role_are_refused(crafted):
    nobody = get_user_model().objects.create_user("nobody")
    agent_user = get_user_model().objects.create_user("carl")
    Agent.objects.filter(external_id="c1").update(user=agent_user)  # Carl may sign in to see his own page

    for user in (nobody, agent_user):
        reply = signed_in(user).get(URL, PERIOD)
        assert reply.status_code == 403
        assert "no access" in reply.json()["detail"]


# --- ?agent=<external id> and unknown parameters --------------------------------------------------


def test_agent_filter_gives_that_agents_own_row(api, crafted):
    everyone = by_key(get(api, group_by="agent", **PERIOD))

    assert get(api, group_by="agent", agent="b1", **PERIOD) == [everyone["b1"]]
    assert get(api, group_by="agent", agent="s1", **PERIOD) == [row("s1", "Sri", (0, 0, 0), (None, None, None))]


def test_agent_filter_on_company_and_department_counts_only_their_answers(api, crafted):
    b1 = by_key(get(api, group_by="agent", **PERIOD))["b1"]

    assert get(api, agent="b1", **PERIOD) == [b1]  # group_by=company: the agent's totals
    (department,) = get(api, group_by="department", agent="b1", **PERIOD)
    assert department == {**b1, "key": "billing", "name": "Billing"}
    assert get(api, agent="b2", channel="phone", **PERIOD)[0]["responses"] == 0  # b2 answered on chat


def test_an_unknown_agent_answers_400(api, crafted):
    reply = api.get(URL, {"agent": "nobody", **PERIOD})

    assert reply.status_code == 400
    assert reply.json() == {"agent": ["Unknown agent 'nobody'."]}


def test_a_supervisor_may_filter_by_their_agents_only(billing_supervisor, api):
    assert get(billing_supervisor, group_by="agent", agent="b1", **PERIOD) == get(
        api, group_by="agent", agent="b1", **PERIOD
    )
    reply = billing_supervisor.get(URL, {"agent": "c1", **PERIOD})
    assert reply.status_code == 403
    assert "Carl" not in reply.content.decode()


@pytest.mark.parametrize("params", [{"agnet": "b1"}, {"departments": "billing"}, {"since": "2025-06-10", "foo": "1"}])
def test_unknown_query_parameters_answer_400_instead_of_being_ignored(api, crafted, params):
    reply = api.get(URL, params)

    assert reply.status_code == 400
    unknown = set(params) - {"since"}
    assert reply.json() == {name: ["Unknown query parameter."] for name in unknown}


def test_the_browsable_api_format_parameter_is_still_accepted(api, crafted):
    assert api.get(URL, {"format": "json", **PERIOD}).status_code == 200
