"""Who to coach this week: agents of the supervisor's departments with a drop outside the
noise last week, or a low standing on enough answers, each with the reason in words."""

import pytest
from django.urls import reverse

from analytics import buckets
from followups.coaching_selectors import coaching_queue
from tests.factories import AgentFactory
from tests.followups.coaching_helpers import answer, last_week_day, weeks_before

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(settings, billing, claims):
    """Billing: a real drop, a low scorer, a small dip on few answers and steady agents;
    Claims: a real drop too (not Billing's supervisor's business)."""
    settings.CHAMPION_MIN_RESPONSES = 20
    agents = {}
    for name in ("Steady One", "Steady Two", "Steady Three", "Steady Four", "Steady Five"):
        agents[name] = AgentFactory(name=name, department=billing)
        answer(agents[name], 16, 2, 2, when=weeks_before(4))
        answer(agents[name], 4, 0, 0, when=last_week_day())
    agents["Dropper"] = AgentFactory(name="Dropper", department=billing)
    answer(agents["Dropper"], 40, 0, 0, when=weeks_before(6))
    answer(agents["Dropper"], 2, 0, 8, when=last_week_day())
    agents["Lowly"] = AgentFactory(name="Lowly", department=billing)
    answer(agents["Lowly"], 4, 4, 16, when=weeks_before(3))
    agents["Few"] = AgentFactory(name="Few", department=billing)
    answer(agents["Few"], 2, 0, 0, when=weeks_before(2))
    answer(agents["Few"], 0, 0, 1, when=last_week_day())
    agents["Citra"] = AgentFactory(name="Citra Dewi", department=claims)
    answer(agents["Citra"], 40, 0, 0, when=weeks_before(6))
    answer(agents["Citra"], 2, 0, 8, when=last_week_day())
    agents["Too old"] = AgentFactory(name="Too old", department=billing)
    answer(agents["Too old"], 40, 0, 0, when=weeks_before(20))  # outside the 13 weeks
    answer(agents["Too old"], 0, 0, 3, when=last_week_day())
    buckets.rebuild()
    return agents


def test_a_supervisor_sees_real_drops_first_then_low_standings_of_their_departments(team, billing):
    queue = coaching_queue(department_ids=frozenset({billing.pk}))

    assert [e.agent.name for e in queue.entries] == ["Dropper", "Lowly"]
    dropper, lowly = queue.entries
    assert dropper.dropped and not dropper.low
    assert dropper.week.responses == 10 and dropper.baseline.responses == 40
    assert dropper.change[1] < 0
    # Adjusted Wald by hand: last week (2.75 − 8.75) / 13 = −0.4615, variance 0.05166; the 13 weeks
    # before (40.75 − 0.75) / 43 = 0.9302, variance 0.002325; change −1.3917 ± 1.96 × 0.2323.
    assert dropper.reasons[0] == (
        "Down 160 points last week (−185 to −94, outside the noise): −60.0 (n = 10) against +100.0 "
        "over the 13 weeks before (n = 40)."
    )
    assert lowly.low and not lowly.dropped
    assert lowly.standing.rank == lowly.standing.of
    assert "adjusted NPS −" in lowly.reasons[0] and "(n = 24, 95 % interval" in lowly.reasons[0]


def test_a_dip_on_few_answers_and_a_drop_with_no_baseline_are_noise(team, billing):
    names = {e.agent.name for e in coaching_queue(department_ids=frozenset({billing.pk})).entries}
    assert "Few" not in names and "Too old" not in names


def test_an_admin_sees_every_department(team):
    names = [e.agent.name for e in coaching_queue(department_ids=None).entries]
    assert names[:2] == ["Citra Dewi", "Dropper"] or names[:2] == ["Dropper", "Citra Dewi"]
    assert "Lowly" in names


def test_the_page_names_only_the_supervisors_agents_with_reasons_and_links(team, client, sam):
    client.force_login(sam)
    page = client.get(reverse("dashboard-coaching"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Dropper" in body and "Lowly" in body and "Citra" not in body
    assert "outside the noise" in body
    assert reverse("dashboard-coaching-agent", args=[team["Dropper"].pk]) in body


def test_an_agent_opening_the_queue_goes_to_their_own_page(client, budi_with_login):
    client.force_login(budi_with_login.user)
    answer = client.get(reverse("dashboard-coaching"))
    assert answer.status_code == 302 and answer.url == reverse("dashboard-me")


def test_nobody_to_coach_says_so(client, sam, budi):
    client.force_login(sam)
    body = client.get(reverse("dashboard-coaching")).content.decode()
    assert "Nobody to single out this week among your 1 agent" in body
