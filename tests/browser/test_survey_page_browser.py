"""The survey page as a customer on a phone meets it: in their language, answerable with the
keyboard alone and without JavaScript, large tap targets, nothing inline for the CSP to block."""

import re

import pytest
from playwright.sync_api import expect

from surveys.models import Response
from tests.browser.helpers import PHONE, console_errors, invitation_for, survey_path

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone_without_javascript(chromium):
    """A 375 × 812 phone screen with JavaScript switched off: the page must not need it."""
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_indonesian_customer_answers_with_the_keyboard_only(phone_without_javascript, live_server):
    page = phone_without_javascript
    invitation = invitation_for(language="id", agent_name="Budi Santoso")
    page.goto(f"{live_server.url}{survey_path(invitation)}")

    assert page.locator("html").get_attribute("lang") == "id"
    expect(page.locator("h1")).to_have_text("Dua pertanyaan singkat")
    expect(page.locator("#agent_score-field legend")).to_contain_text(
        "Seberapa besar kemungkinan Anda merekomendasikan Budi"
    )

    page.keyboard.press("Tab")  # into the company question: one tab stop for the whole scale
    assert focused_id(page) == "company_score-0"
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    assert focused_id(page) == "company_score-9"

    page.keyboard.press("Tab")  # on to the agent question
    assert focused_id(page) == "agent_score-0"
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    assert focused_id(page) == "agent_score-10"

    page.keyboard.press("Tab")
    assert focused_id(page) == "why-input"
    page.keyboard.type("Budi sangat sabar dan masalah saya langsung selesai.")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Kirim jawaban saya")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/thanks/$"))
    assert page.locator("html").get_attribute("lang") == "id"
    expect(page.locator("h1")).to_have_text("Terima kasih!")
    expect(page.locator("main")).to_contain_text("Jawaban Anda membantu Budi")
    stored = Response.objects.get(invitation=invitation)
    assert (stored.company_score, stored.agent_score, stored.language) == (9, 10, "id")
    assert stored.why == "Budi sangat sabar dan masalah saya langsung selesai."


def test_keyboard_focus_on_a_score_is_clearly_visible(page, live_server):
    invitation = invitation_for(language="id")
    page.goto(f"{live_server.url}{survey_path(invitation)}")
    label = page.locator("label[for=company_score-0]")
    before = label.evaluate("el => getComputedStyle(el).outlineStyle")

    page.keyboard.press("Tab")

    ring = label.evaluate("el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }")
    assert before == "none"
    assert ring[0] == "solid" and float(ring[1].removesuffix("px")) >= 3


def test_scores_are_big_enough_to_tap_and_wrap_into_two_rows_on_a_phone(page, live_server):
    invitation = invitation_for(language="es")
    page.goto(f"{live_server.url}{survey_path(invitation)}")

    for question in ("company_score", "agent_score"):
        boxes = [page.locator(f"label[for={question}-{n}]").bounding_box() for n in range(11)]
        small = [
            (n, box["width"], box["height"]) for n, box in enumerate(boxes) if min(box["width"], box["height"]) < 44
        ]
        assert not small, f"{question}: tap targets under 44×44 px: {small}"
        first_row, second_row = {round(b["y"]) for b in boxes[:6]}, {round(b["y"]) for b in boxes[6:]}
        assert len(first_row) == 1 and len(second_row) == 1, "0–5 on one row, 6–10 on the next"
        assert second_row.pop() > first_row.pop()
        assert all(box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] for box in boxes)
        ends = page.locator(f"#{question}-ends")
        expect(ends).to_contain_text("0 = nada probable")
        expect(ends).to_contain_text("10 = muy probable")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"


def test_page_runs_under_a_strict_content_security_policy(page, live_server):
    errors = console_errors(page)
    invitation = invitation_for(language="id")

    reply = page.goto(f"{live_server.url}{survey_path(invitation)}")

    policy = reply.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.locator("[style], style, script").count() == 0
    # The stylesheet applied (it is not blocked): the scale is a grid, the radios are hidden.
    assert page.locator(".scale-options").first.evaluate("el => getComputedStyle(el).display") == "grid"
    assert not errors, errors


def test_submitting_without_scores_shows_what_to_fix_in_the_customers_language(phone_without_javascript, live_server):
    page = phone_without_javascript
    invitation = invitation_for(language="id", agent_name="Budi Santoso")
    page.goto(f"{live_server.url}{survey_path(invitation)}")

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("button[type=submit]").click()

    assert posted.value.status == 400
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Pilih nilai 0 sampai 10 untuk Budi.")
    expect(page.locator("#company_score-error")).to_have_text("Silakan pilih nilai dari 0 sampai 10.")
    assert not Response.objects.exists()
