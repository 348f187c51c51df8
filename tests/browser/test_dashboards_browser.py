"""The dashboards in a real browser: each page loads for an admin and a supervisor with no
console errors, draws its charts, filters change the figures, axe finds nothing serious."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model

from tests.dashboard.conftest import answered, departments  # noqa: F401 - fixtures reused

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = {
    "/dashboard/": ["trend", "distribution", "funnel", "channels"],
    "/dashboard/departments/": ["dept-bars", "dept-gap", "dept-heatmap"],
    "/dashboard/agents/": [],
    "/dashboard/champions/": ["concentration", "ranking"],
    "/dashboard/comments/": [],
    "/dashboard/drivers/": ["handle_time-plot"],  # 9 answers: no group is big enough to be a "killer"
    "/dashboard/week/": [],
}


def sign_in(page, live_server, username: str, password: str) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda reply: errors.append(f"{reply.status} {reply.url}") if reply.status >= 400 else None)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/**")
    return errors


@pytest.fixture
def staff(answered, settings):  # noqa: F811 - the fixture imported above
    settings.CHAMPION_MIN_RESPONSES = 1  # the small data set ranks everyone, so the champion charts draw
    users = get_user_model()
    users.objects.create_user("boss", password="pw-boss-123", is_staff=True)
    supervisor = users.objects.create_user("sup", password="pw-sup-123")
    answered[0].department.supervisors.add(supervisor)
    return {"admin": ("boss", "pw-boss-123"), "supervisor": ("sup", "pw-sup-123")}


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_every_page_loads_and_draws_its_charts(page, live_server, staff, role):
    errors = sign_in(page, live_server, *staff[role])
    axe = Axe()
    for path, plots in PAGES.items():
        reply = page.goto(f"{live_server.url}{path}")
        assert reply.status == 200, path
        for plot in plots:
            page.wait_for_selector(f"#{plot}.js-plotly-plot .main-svg", timeout=10_000)
        results = axe.run(page)
        serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, f"{path}: {[(v['id'], v['help'], [n['target'] for n in v['nodes']][:3]) for v in serious]}"
    assert not errors, errors


def test_changing_a_filter_changes_the_figures(page, live_server, staff):
    sign_in(page, live_server, *staff["admin"])
    page.goto(f"{live_server.url}/dashboard/")
    all_n = page.locator(".tile .detail").first.inner_text()
    page.select_option("#id_channel", "chat")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**channel=chat**")
    assert page.locator(".tile .detail").first.inner_text() != all_n
    assert "chat" in page.url
