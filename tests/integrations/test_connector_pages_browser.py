"""The integrations pages in a real browser, at 1440 px and on a 390 px phone: an admin creates
a Zendesk connector, finds its URL and the body template, sees a dead letter and replays it;
axe finds nothing serious or critical and nothing overflows the phone's width."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from integrations.models_connectors import Connector, DeadLetter
from surveys.models import Interaction
from surveys.services import default_survey
from tests.factories import TEST_PASSWORD, DepartmentFactory, UserFactory
from tests.integrations.conftest import payload

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"width": 1440, "height": 1000}, "phone": {"width": 390, "height": 844}}
SHOTS = os.environ.get("NPS_SCREENSHOTS", "")


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def look(page, name: str) -> None:
    """Check the page as a user meets it: no horizontal scrolling, no serious axe finding."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    assert serious_violations(page) == [], name
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def setup(db):
    default_survey()
    DepartmentFactory(code="support", name="Support")
    UserFactory(username="olivia", first_name="Olivia", is_staff=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_admin_connects_zendesk_and_replays_a_dead_letter(chromium, live_server, setup, size):
    context = chromium.new_context(viewport=SIZES[size])
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "olivia")
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/dashboard/**")

        page.goto(f"{live_server.url}/manage/surveys/")
        page.get_by_role("link", name="Integrations").click()
        page.get_by_role("heading", name="Connectors (in)").wait_for()
        look(page, f"integrations-empty-{size}")

        page.fill("#id_name", "Zendesk production")
        page.select_option("#id_platform", "zendesk")
        page.select_option("#id_default_department", label="Support")
        page.get_by_role("button", name="Create connector").click()
        page.get_by_role("heading", name="Connect Zendesk").wait_for()
        connector = Connector.objects.get()
        assert page.input_value("#receiving-url").endswith(f"/integrations/in/{connector.url_key}/")
        assert "{{ticket.requester.language}}" in page.input_value("#zendesk-body")

        DeadLetter.objects.create(
            connector=connector,
            received_at=timezone.now(),
            body=payload("zendesk_ticket_unassigned.json").decode(),
            error="No agent in the event: the Zendesk ticket has no assignee.",
        )
        page.reload()
        look(page, f"connector-{size}")

        page.fill("#id_fallback_agent", "unassigned")
        page.get_by_role("button", name="Save options").click()
        page.get_by_text("Connector saved.").wait_for()
        page.get_by_role("button", name="Replay").click()
        page.get_by_text("Replayed: the interaction is stored.").wait_for()
        assert Interaction.objects.get().external_id == "35437"

        page.goto(f"{live_server.url}/manage/integrations/")
        look(page, f"integrations-{size}")
    finally:
        context.close()
