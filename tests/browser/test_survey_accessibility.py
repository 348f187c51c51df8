"""axe-core finds nothing serious on the customer's pages: the survey, its error state, the
thank-you page and the closed pages, in each language we speak."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from surveys.models import Invitation
from tests.browser.helpers import invitation_for, survey_path

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ["en", "id", "es"]


def serious_violations(page) -> list[dict]:
    results = Axe().run(page)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [node["target"] for node in v["nodes"]][:5],
        }
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_survey_page_has_no_serious_accessibility_violations(page, live_server, language):
    invitation = invitation_for(language=language)
    page.goto(f"{live_server.url}{survey_path(invitation)}")

    violations = serious_violations(page)

    assert not violations, f"{language} survey page: {violations}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_error_state_has_no_serious_accessibility_violations(page, live_server, language):
    invitation = invitation_for(language=language)
    page.goto(f"{live_server.url}{survey_path(invitation)}")
    page.fill("#why-input", "Forgot the scores")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("button[type=submit]").click()
    assert posted.value.status == 400
    assert page.locator(".error-summary").is_visible()

    violations = serious_violations(page)

    assert not violations, f"{language} error state: {violations}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_thank_you_page_has_no_serious_accessibility_violations(page, live_server, language):
    invitation = invitation_for(language=language)
    page.goto(f"{live_server.url}{survey_path(invitation)}")
    page.locator("label[for=company_score-7]").click()
    page.locator("label[for=agent_score-9]").click()
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/thanks/$"))

    violations = serious_violations(page)

    assert not violations, f"{language} thank-you page: {violations}"


@pytest.mark.parametrize("status", [Invitation.Status.EXPIRED, Invitation.Status.ANSWERED])
def test_closed_pages_have_no_serious_accessibility_violations(page, live_server, status):
    invitation = invitation_for(language="id")
    Invitation.objects.filter(pk=invitation.pk).update(status=status)
    reply = page.goto(f"{live_server.url}{survey_path(invitation)}")
    assert reply.status in (409, 410)

    violations = serious_violations(page)

    assert not violations, f"{status} page: {violations}"
