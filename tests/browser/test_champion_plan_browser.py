"""The champion plan in Chromium at 1440 and 390 px: an admin accepts a plan row with its
Accept button and finds it tracked at the top of the page; no sideways scrolling, and axe
finds nothing serious in the plan rows and the tracking. Screenshots go to the test's tmp
folder (SCREENSHOT_DIR overrides it)."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model

from analytics import buckets
from analytics.models import PlanAction
from tests.analytics.champion_data import concentrated_company

pytestmark = pytest.mark.django_db(transaction=True)
WIDTHS = (1440, 390)


def serious_violations(page, selectors: list[str]) -> list:
    results = Axe().run(page, context={"include": [[s] for s in selectors]})
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_an_admin_accepts_a_plan_row_and_sees_it_tracked_at_any_width(chromium, live_server, tmp_path, settings, width):
    settings.CHAMPION_MIN_RESPONSES = 10
    settings.CHAMPION_TOP_N = 20
    concentrated_company()
    buckets.rebuild()
    get_user_model().objects.create_user("boss", password="pw-boss-123", is_staff=True)
    shots = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "boss")
        page.fill("#id_password", "pw-boss-123")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/dashboard/**")

        page.goto(f"{live_server.url}/dashboard/champions/")
        first_row = page.locator("li.plan-row").first
        champion = first_row.locator(".plan-what strong a").first.inner_text()
        first_row.get_by_role("button", name="Accept").click()
        page.wait_for_url("**/dashboard/champions/#tracked")

        tracked = page.locator("#tracked")
        assert "Accepted plan items: did they work?" in tracked.inner_text()
        assert champion in tracked.inner_text()
        assert "Accepted and tracked" in page.content()
        assert PlanAction.objects.get().champion.name == champion
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert serious_violations(page, ["#tracked", ".plan-rows"]) == []
        page.screenshot(path=str(shots / f"champions-tracked-{width}.png"), full_page=True)
    finally:
        context.close()
