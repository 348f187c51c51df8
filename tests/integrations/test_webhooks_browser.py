"""The webhooks page in a real browser: an admin finds it from the admin area, creates a
Slack webhook, copies the secret, sends a test event and sees it delivered; at 1440 and
390 px wide with nothing serious for axe."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from integrations.models import WebhookSubscription
from integrations.webhooks import tasks
from tests.browser.helpers import console_errors
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [1440, 390])
def test_an_admin_creates_a_slack_webhook_and_sends_a_test_event(chromium, live_server, allow_private, receiver, width):
    UserFactory(username="olivia", is_staff=True)
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "olivia")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/**")

    page.goto(f"{live_server.url}/manage/surveys/")
    page.get_by_role("link", name="Webhooks").click()
    expect(page.locator("h1")).to_have_text("Webhooks")

    page.fill("#id_url", receiver.url)
    page.select_option("#id_target", "slack")
    page.get_by_label("case.opened").check()
    page.get_by_label("alert.fired").check()
    page.fill("#id_description", "#cx-alerts")
    page.get_by_role("button", name="Create webhook").click()

    subscription = WebhookSubscription.objects.get()
    expect(page.locator("#new-secret")).to_have_value(subscription.secret)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_role("button", name=f"Send a test event to {receiver.url}").click()
    expect(page.locator(".messages")).to_contain_text("Test event queued")
    tasks.sweep_webhook_deliveries.apply()  # no broker in this test: the sweep sends it
    assert len(receiver.received) == 1
    page.reload()
    expect(page.locator("table.deliveries")).to_contain_text("webhook.test")
    expect(page.locator("table.deliveries .badge")).to_have_text("Delivered")

    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scrolling"
    page.screenshot(path=f"/tmp/webhooks-{width}.png", full_page=True)
    violations = serious_violations(page)
    assert not violations, f"webhooks page at {width} px: {violations}"
    assert not [e for e in errors if not e.startswith("Failed to load resource")]
    context.close()
