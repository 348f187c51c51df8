"""The Monday view in Chromium at 1440 and 390 px, for an admin and a supervisor, on a week
with a drop beyond the noise: the sentences show, nothing scrolls sideways, the tables
become stacked cards on a phone, axe finds nothing serious or critical. Screenshots go to
the test's tmp folder (SCREENSHOT_DIR overrides it)."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model

from tests.dashboard.test_week_page import company, week  # noqa: F401 - fixtures reused

pytestmark = pytest.mark.django_db(transaction=True)
WIDTHS = (1440, 390)
LOGINS = {"admin": ("boss", "pw-boss-123"), "supervisor": ("sam", "pw-sam-123")}


@pytest.fixture
def logins(company):  # noqa: F811 - the fixture imported above
    users = get_user_model()
    users.objects.create_user("boss", password=LOGINS["admin"][1], is_staff=True, is_superuser=True)
    sam = users.objects.create_user("sam", password=LOGINS["supervisor"][1])
    company["billing"].supervisors.add(sam)
    return LOGINS


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("role", ["admin", "supervisor"])
@pytest.mark.parametrize("width", WIDTHS)
def test_the_monday_view_reads_at_any_width_with_nothing_serious_for_axe(
    chromium, live_server, logins, tmp_path, role, width
):
    shots = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", logins[role][0])
        page.fill("#id_password", logins[role][1])
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/dashboard/**")
        page.get_by_role("link", name="This week").first.click()
        page.wait_for_url(f"{live_server.url}/dashboard/week/")

        news = page.locator("ul.news").inner_text()
        assert "Billing −106 points" in news and "mostly on transfers" in news
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if width == 390:
            # A stacked card: the column name is written before each value.
            label = page.locator("#departments-h ~ table td[data-label]").first
            assert page.evaluate("e => getComputedStyle(e, '::before').content", label.element_handle()) != "none"
        page.locator("details.data-table summary").click()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert serious_violations(page) == []
        page.screenshot(path=str(shots / f"week-{role}-{width}.png"), full_page=True)
        assert not errors, errors
    finally:
        context.close()
