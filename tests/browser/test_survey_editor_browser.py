"""The survey editor in a real browser: an admin builds a survey with a CSAT question, watches
the live preview in Indonesian, saves it; a customer then answers it on a phone through a real
invitation link and the extra answer is stored with the version. The editor also works without
JavaScript, and axe finds nothing serious on the editor or on the customer's page."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import expect

from surveys import services
from surveys.models import Response, Survey
from surveys.services import InteractionInput, record_interaction
from tests.browser.helpers import PHONE, console_errors
from tests.factories import TEST_PASSWORD, AgentFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1440, "height": 1000}
CSAT_EN = "How satisfied are you with the answer you got?"
CSAT_ID = "Seberapa puas Anda dengan jawaban yang Anda terima?"


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "olivia")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/**")


@pytest.fixture
def setup(db):
    services.default_survey()
    billing = DepartmentFactory(code="billing", name="Billing")
    AgentFactory(external_id="agent-7", name="Budi Santoso", department=billing)
    UserFactory(username="olivia", first_name="Olivia", is_staff=True)
    return billing


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(viewport=DESKTOP)
    yield context.new_page()
    context.close()


def test_admin_builds_a_csat_survey_previews_it_in_indonesian_and_a_customer_answers_it(
    desktop, chromium, live_server, setup
):
    page = desktop
    errors = console_errors(page)
    sign_in(page, live_server)

    page.get_by_role("link", name="Surveys", exact=True).first.click()
    page.get_by_role("link", name="New survey").click()
    page.fill("#id_name", "Billing chat survey")
    page.select_option("#id_questions-0-kind", "csat")
    page.fill("#id_questions-0-text_en", CSAT_EN)
    page.fill("#id_questions-0-text_id", CSAT_ID)
    page.check("#id_questions-0-required")
    page.select_option("#id_rules-0-department", label="Billing")
    page.select_option("#id_rules-0-channel", "chat")
    page.fill("#id_accent_colour", "#7C2D12")

    # The live preview follows the form as it is typed, in the language chosen beside it.
    page.select_option("#preview-language", "id")
    preview = page.frame_locator("#survey-preview")
    expect(preview.locator("html")).to_have_attribute("lang", "id", timeout=10_000)
    expect(preview.locator("fieldset.extra legend")).to_contain_text(CSAT_ID)
    expect(preview.locator(".preview-banner")).to_contain_text("your unsaved changes")
    expect(preview.locator("h1")).to_have_text("Beberapa pertanyaan singkat")
    assert not Survey.objects.filter(name="Billing chat survey").exists(), "previewing saves nothing"

    page.evaluate("window.scrollTo(0, 0)")  # the preview is sticky: show it where it starts
    page.screenshot(path="/tmp/editor-1440.png", full_page=True)
    violations = serious_violations(page)
    assert not violations, f"editor: {violations}"

    page.get_by_role("button", name="Create survey").click()
    page.wait_for_url(re.compile(r"/manage/surveys/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("created (version 1)")
    survey = Survey.objects.get(name="Billing chat survey")
    assert list(survey.questions.values_list("key", "kind", "required")) == [("csat_1", "csat", True)]

    # The saved survey's preview, in Indonesian, through the switcher on the preview itself.
    page.goto(f"{live_server.url}/manage/surveys/{survey.pk}/preview/?lang=en")
    page.get_by_role("link", name="Bahasa Indonesia").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#q_csat_1-field legend")).to_contain_text(CSAT_ID)

    # A customer of Billing who chatted gets this survey through a real invitation link.
    recorded = record_interaction(
        InteractionInput(external_id="chat-1", channel="chat", agent="agent-7", language="id", delivery_method="link")
    )
    invitation = recorded.interaction.invitation
    assert recorded.interaction.survey == survey
    link = services.survey_url(invitation).replace(settings.PUBLIC_BASE_URL, live_server.url)

    phone = chromium.new_context(viewport=PHONE)
    customer = phone.new_page()
    customer_errors = console_errors(customer)
    customer.goto(link)
    expect(customer.locator("#q_csat_1-field legend")).to_contain_text(CSAT_ID)
    expect(customer.locator("#q_csat_1-ends")).to_contain_text("1 = sangat tidak puas")
    boxes = [customer.locator(f"label[for=q_csat_1-{n}]").bounding_box() for n in range(1, 6)]
    assert all(min(box["width"], box["height"]) >= 44 for box in boxes), "tap targets of 44 px"
    assert len({round(box["y"]) for box in boxes}) == 1, "1–5 on one row"
    assert customer.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    customer.screenshot(path="/tmp/editor-customer-375.png", full_page=True)
    violations = serious_violations(customer)
    assert not violations, f"customer page with an extra question: {violations}"

    customer.click("label[for=company_score-9]")
    customer.click("label[for=agent_score-10]")
    customer.click("label[for=q_csat_1-4]")
    customer.fill("#why-input", "Cepat sekali")
    customer.click("button[type=submit]")
    customer.wait_for_url(re.compile(r"/thanks/$"))
    phone.close()

    stored = Response.objects.get(invitation=invitation)
    assert (stored.company_score, stored.agent_score, stored.extra_answers) == (9, 10, {"csat_1": 4})
    assert stored.survey_version == survey.versions.get(number=1)
    assert not [e for e in errors + customer_errors if not e.startswith("Failed to load resource")]


def test_the_editor_works_without_javascript(chromium, live_server, setup):
    context = chromium.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/manage/surveys/new/")
    page.fill("#id_name", "No-script survey")
    page.select_option("#id_questions-0-kind", "yes_no")
    page.fill("#id_questions-0-text_en", "Was your problem solved?")

    page.select_option("#preview-language", "es")
    page.get_by_role("button", name="Preview changes").click()
    preview = page.frame_locator("#survey-preview")
    expect(preview.locator("html")).to_have_attribute("lang", "es")
    expect(preview.locator("fieldset.extra legend")).to_contain_text("Was your problem solved?")

    page.fill("#id_link_expiry_days", "0")
    page.get_by_role("button", name="Create survey").click()
    expect(page.locator(".error-summary")).to_contain_text("A link must stay valid for at least 1 day.")
    assert not Survey.objects.filter(name="No-script survey").exists()

    page.fill("#id_link_expiry_days", "5")
    page.get_by_role("button", name="Create survey").click()
    page.wait_for_url(re.compile(r"/manage/surveys/\d+/$"))
    survey = Survey.objects.get(name="No-script survey")
    assert (survey.link_expiry_days, survey.questions.get().kind) == (5, "yes_no")
    context.close()
