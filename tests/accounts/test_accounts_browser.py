"""The sign-in pages and the admin's account pages in a real browser, at desktop and phone
widths: a locked user sees why and until when, an admin finds the lock under Users & roles,
unlocks it, and finds that in the audit log; axe finds nothing serious on any of them."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from axes.models import AccessAttempt
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts.helpers import make_user
from tests.browser.helpers import console_errors
from tests.factories import TEST_PASSWORD, DepartmentFactory

pytestmark = pytest.mark.django_db(transaction=True)
SIZES = {"desktop": {"width": 1440, "height": 1000}, "phone": {"width": 390, "height": 844}}
SHOTS = os.environ.get("NPS_SCREENSHOTS", "")  # a folder: save a screenshot of each page there


def check(page, name: str) -> None:
    results = Axe().run(page)
    serious = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], name
    width = page.viewport_size["width"]
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, f"{name} scrolls sideways at {width} px"
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_lockout_unlock_and_audit_in_a_browser(chromium, live_server, size):
    make_user("bob", email="bob@example.com")
    make_user("ada", is_staff=True, first_name="Ada")
    DepartmentFactory(code="billing", name="Billing")
    AccessAttempt.objects.create(
        username="bob",
        ip_address="203.0.113.5",
        user_agent="x",
        failures_since_start=10,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )
    context = chromium.new_context(viewport=SIZES[size])
    page = context.new_page()
    errors = console_errors(page)

    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    check(page, "login")
    page.fill("#id_username", "bob")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Sign-in locked")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Try again in 15 minutes")
    check(page, "locked")

    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    check(page, "password-reset")

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/**")
    page.goto(f"{live_server.url}/manage/users/")
    expect(page.get_by_role("heading", name="Locked sign-ins")).to_be_visible()
    check(page, "users-locked")
    page.get_by_role("button", name="Unlock bob").click()
    expect(page.get_by_role("status").first).to_contain_text("“bob” is unlocked")

    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("cell", name="user.unlocked", exact=True)).to_be_visible()
    page.fill("#id_action", "user.")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(f"{live_server.url}/manage/audit/?action=user.&actor=&target_type=&since=&until=")
    expect(page.get_by_role("status").first).to_contain_text("1 entry")
    check(page, "audit")

    page.get_by_role("link", name="Sign-in groups").click()
    page.get_by_role("link", name="New group").click()
    page.fill("#id_claim_value", "nps-billing")
    page.get_by_role("button", name="Save group").click()
    expect(page.get_by_text("A supervisor group needs at least one department.")).to_be_visible()
    check(page, "sso-group-form")
    page.get_by_label("Billing").check()
    page.get_by_role("button", name="Save group").click()
    expect(page.get_by_role("cell", name="nps-billing", exact=True)).to_be_visible()
    check(page, "sso-groups")

    page.get_by_role("link", name="Two-factor").click()
    expect(page.locator(".otp-qr svg")).to_be_visible()
    check(page, "two-factor")
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []  # the 429 and 400 pages
    context.close()
