"""The coaching pages in Chromium at 390 and 1440 px: the queue, one agent's coaching page
(with a goal chart, notes and kudos) and the agent's own page with their goal, kudos and
rank: no sideways scroll, charts drawn, axe finds nothing serious or critical; a supervisor
sends kudos from the page and the agent sees it."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.utils import timezone

from analytics import buckets
from followups.models import CoachingGoal, CoachingNote
from surveys.models import Response
from tests.analytics.champion_data import add_answers
from tests.factories import AgentFactory, DepartmentFactory
from tests.followups.coaching_helpers import answer, last_week_day, weeks_before

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (390, 1440)
PROMOTER_WHY = "Budi stayed on the line until my card worked again, thank you so much"


@pytest.fixture
def coaching(settings):
    settings.CHAMPION_MIN_RESPONSES = 10
    users = get_user_model()
    billing = DepartmentFactory(code="billing", name="Billing & Payments")
    supervisor = users.objects.create_user("sup", password="pw-sup-123", first_name="Sam")
    billing.supervisors.add(supervisor)
    agent_user = users.objects.create_user("budi", password="pw-budi-123", first_name="Budi")
    budi = AgentFactory(name="Budi Santoso", department=billing, user=agent_user)
    answer(budi, 30, 2, 2, when=weeks_before(5))
    answer(budi, 1, 0, 6, when=last_week_day())
    add_answers(budi, [10], when=timezone.now() - timedelta(days=2))
    Response.objects.filter(agent=budi, agent_score=10).order_by("-occurred_at").update(why=PROMOTER_WHY)
    for i in range(4):
        other = AgentFactory(name=f"Colleague {i}", department=billing)
        answer(other, 12 + i, 2, 2, when=weeks_before(3))
    buckets.rebuild()
    today = timezone.localdate()
    CoachingGoal.objects.create(
        agent=budi,
        created_by=supervisor,
        created_at=timezone.now(),
        kind="nps",
        target_nps=40,
        starts_on=today - timedelta(days=20),
        due_on=today + timedelta(days=20),
        note="Close with the next step",
    )
    CoachingNote.objects.create(agent=budi, author=supervisor, created_at=timezone.now(), text="Rushed wrap-ups")
    return {"budi": budi, "supervisor": ("sup", "pw-sup-123"), "agent": ("budi", "pw-budi-123")}


def sign_in(page, live_server, username: str, password: str) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/**")
    return errors


def check(page, path: str, *, only: list[str] | None = None) -> None:
    """No sideways scroll; axe on the page, or on the `only` parts of it."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path}: {overflow} px of sideways scroll at {page.viewport_size['width']} px"
    results = Axe().run(page, context={"include": [[selector] for selector in only]} if only else None)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{path}: {[(v['id'], v['help'], [n['target'] for n in v['nodes']][:3]) for v in serious]}"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_supervisors_coaching_pages_fit_and_pass_axe(page, live_server, coaching, width):
    page.set_viewport_size({"width": width, "height": 900})
    errors = sign_in(page, live_server, *coaching["supervisor"])
    budi = coaching["budi"]
    page.goto(f"{live_server.url}/dashboard/coaching/")
    assert "Budi Santoso" in page.inner_text("main") and "outside the noise" in page.inner_text("main")
    check(page, "/dashboard/coaching/")
    path = f"/dashboard/coaching/agents/{budi.pk}/"
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector(".goal .js-plotly-plot .main-svg", timeout=10_000)
    check(page, path)
    assert not errors, errors


@pytest.mark.parametrize("width", WIDTHS)
def test_the_agents_own_page_shows_goal_kudos_and_rank_and_fits(page, live_server, coaching, width):
    page.set_viewport_size({"width": width, "height": 900})
    errors = sign_in(page, live_server, *coaching["supervisor"])
    page.goto(f"{live_server.url}/dashboard/coaching/agents/{coaching['budi'].pk}/")
    page.select_option("#id_response", label=page.locator("#id_response option").first.inner_text())
    page.fill("#id_message", "Lovely")
    page.click("form[action$='/kudos/'] button[type=submit]")
    page.wait_for_selector(".notice[role=status]")
    page.click("form[action='/logout/'] button")
    errors += sign_in(page, live_server, *coaching["agent"])
    page.goto(f"{live_server.url}/dashboard/me/")
    page.wait_for_selector(".goal .js-plotly-plot .main-svg", timeout=10_000)
    main = page.inner_text("main")
    assert PROMOTER_WHY in main and "Close with the next step" in main and "Rank, agent question" in main
    assert "Rushed wrap-ups" not in main and "Colleague" not in main
    # The agent page's own comments table is another piece of work (issue 13, repairs): axe checks
    # what coaching adds to it, the rank tile, the goals and the kudos.
    check(page, "/dashboard/me/", only=[".tiles", "[aria-labelledby=my-goals-h]", "[aria-labelledby=my-kudos-h]"])
    assert not errors, errors
