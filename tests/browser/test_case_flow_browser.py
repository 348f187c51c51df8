"""The follow-up loop in a real browser: a customer's low score through the survey page
opens a case in the supervisor's list with an email alert; the supervisor contacts the
customer, resolves the case and sends the recovery survey; the customer answers it and the
case shows the old and the new score. axe finds nothing serious on the case pages."""

import re
from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from followups.models import FollowUpCase
from tests.browser.helpers import PHONE, console_errors, survey_path
from tests.factories import AgentFactory, DepartmentFactory, InvitationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def script_errors(errors: list[str]) -> list[str]:
    return [error for error in errors if not error.startswith("Failed to load resource")]


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/**")


@pytest.fixture
def customer_invitation(db):
    billing = DepartmentFactory(code="billing", name="Billing")
    supervisor = get_user_model().objects.create_user(
        "sam", email="sam@example.com", password="pw-sam-123", first_name="Sam"
    )
    billing.supervisors.add(supervisor)
    agent = AgentFactory(name="Budi Santoso", department=billing)
    return InvitationFactory(
        interaction__agent=agent,
        interaction__language="id",
        interaction__customer_email="tono@example.com",
        interaction__customer_name="Tono",
        language="id",
    )


def test_detractor_to_case_to_recovery_answered(page, chromium, live_server, customer_invitation):
    mail.outbox.clear()
    errors = console_errors(page)

    # The customer answers 3 and 5 on the survey page.
    page.goto(f"{live_server.url}{survey_path(customer_invitation)}")
    page.click("label[for=company_score-3]")
    page.click("label[for=agent_score-5]")
    page.fill("#why-input", "Tagihan saya salah dua kali")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/thanks/$"))
    case = FollowUpCase.objects.get(response__invitation=customer_invitation)

    # The supervisor got the alert by email.
    alert = next(email for email in mail.outbox if email.to == ["sam@example.com"])
    assert f"/dashboard/cases/{case.pk}/" in alert.body
    assert "Tagihan saya salah dua kali" in alert.body

    # ... and finds the case in "My open cases".
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "sam", "pw-sam-123")
    page.click("nav.nav >> text=Cases")
    page.wait_for_url("**/dashboard/cases/mine/")
    row = page.locator("table.cases tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Tagihan saya salah dua kali")
    assert not serious_violations(page)
    page.goto(f"{live_server.url}/dashboard/cases/")
    assert not serious_violations(page)
    page.goto(f"{live_server.url}/dashboard/cases/mine/")
    page.click(f"text=Case {case.pk}")
    page.wait_for_url(f"**/dashboard/cases/{case.pk}/")
    expect(page.locator("h1")).to_have_text(f"Case {case.pk} · Billing")
    assert not serious_violations(page)

    # Contacted, with a note.
    page.select_option("#id_status-status", "contacted")
    page.fill("#id_status-note", "Called Tono, the invoice was doubled.")
    page.click("text=Save status")
    expect(page.locator(".notice")).to_contain_text("The case is now contacted.")
    expect(page.locator(".history")).to_contain_text("Open → Contacted")
    expect(page.locator(".history")).to_contain_text("Called Tono, the invoice was doubled.")

    # Resolving needs an outcome: the message sits next to the field.
    page.select_option("#id_status-status", "resolved")
    page.click("text=Save status")
    expect(page.locator("#id_status-outcome-error")).to_contain_text("Write the outcome")
    assert not serious_violations(page)

    # Resolved with the outcome, and the recovery survey sent.
    page.select_option("#id_status-status", "resolved")
    page.fill("#id_status-outcome", "Refunded the second charge and apologised.")
    page.check("#id_status-send_recovery")
    page.click("text=Save status")
    expect(page.locator(".notice")).to_contain_text("The case is now resolved.")
    recovery_url = page.input_value("#recovery-link")
    recovery_email = next(email for email in mail.outbox if email.to == ["tono@example.com"])
    assert recovery_url in recovery_email.body
    assert recovery_email.subject == "Satu pertanyaan lagi dari Acme Support"

    # The customer opens the link on their phone and answers 8.
    customer = chromium.new_context(viewport=PHONE).new_page()
    customer_errors = console_errors(customer)
    customer.goto(f"{live_server.url}{urlparse(recovery_url).path}")
    expect(customer.locator("h1")).to_have_text("Satu pertanyaan lagi")
    assert not serious_violations(customer)
    customer.click("label[for=score-8]")
    customer.click("button[type=submit]")
    customer.wait_for_url(re.compile(r"/thanks/$"))
    expect(customer.locator("h1")).to_have_text("Terima kasih!")
    customer.context.close()

    # The case shows the old score next to the new one.
    page.reload()
    expect(page.locator("#recovery-tile")).to_contain_text("before 3 → after 8")
    expect(page.locator(".history")).to_contain_text("before 3 → after 8")
    assert not serious_violations(page)
    # Script errors and CSP violations only: the 400 above is on purpose, /favicon.ico not ours.
    assert not script_errors(errors), errors
    assert not script_errors(customer_errors), customer_errors


def test_the_alert_settings_page_has_no_serious_accessibility_problems(page, live_server, customer_invitation):
    sign_in(page, live_server, "sam", "pw-sam-123")
    page.goto(f"{live_server.url}/dashboard/cases/alerts/")
    page.check("text=Hourly digest")
    page.click("button[type=submit]:has-text('Save')")
    expect(page.locator(".notice")).to_contain_text("Saved: hourly digest.")
    assert not serious_violations(page)
