"""The alert rules page in Chromium at 1440 and 390 px: an admin adds a rule through the
form, finds it in the list with its last alert; no sideways scrolling and axe finds nothing
serious. Screenshots go to the test's tmp folder (SCREENSHOT_DIR overrides it)."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model

from followups import rules
from followups.models import AlertRule

pytestmark = pytest.mark.django_db(transaction=True)
WIDTHS = (1440, 390)


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_an_admin_adds_a_rule_at_any_width(chromium, live_server, tmp_path, width):
    get_user_model().objects.create_user("boss", email="boss@example.com", password="pw-boss-123", is_staff=True)
    shots = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "boss")
        page.fill("#id_password", "pw-boss-123")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/dashboard/**")

        page.goto(f"{live_server.url}/manage/surveys/")
        page.get_by_role("link", name="Alert rules").click()
        page.get_by_role("link", name="New alert rule").click()
        page.fill("#id_name", "Unhappy VIPs")
        page.fill("#id_score_max", "6")
        page.fill("#id_tag", "vip")
        page.check("input[name=channels][value=inapp]")
        page.check("input[name=channels][value=slack]")
        page.fill("#id_slack_url", "http://127.0.0.1:9/hook")
        page.click("text=Save alert rule")
        assert "private or local address" in page.content()  # refused, the form says why
        assert no_sideways_scroll(page)
        assert serious_violations(page) == []
        page.screenshot(path=str(shots / f"alert-rule-form-{width}.png"), full_page=True)

        page.uncheck("input[name=channels][value=slack]")
        page.fill("#id_slack_url", "")
        page.click("text=Save alert rule")
        page.wait_for_url(f"{live_server.url}/manage/alerts/")
        rule = AlertRule.objects.get()
        rules.fire(rule, event_key="response:1", quiet_key="rule", subject="Unhappy VIPs: an answer matched", text="t")
        page.reload()
        assert "Unhappy VIPs" in page.content() and "tag=vip" in page.content()
        assert "Unhappy VIPs: an answer matched" in page.content()
        assert no_sideways_scroll(page)
        assert serious_violations(page) == []
        page.screenshot(path=str(shots / f"alert-rules-{width}.png"), full_page=True)

        # The in-app channel: the alert is listed on the cases page.
        page.get_by_role("link", name="Cases").first.click()
        assert "Alerts from your rules" in page.content()
        assert no_sideways_scroll(page)
        assert serious_violations(page) == []
        page.screenshot(path=str(shots / f"cases-rule-alerts-{width}.png"), full_page=True)
    finally:
        context.close()
