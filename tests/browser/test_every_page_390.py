"""Every page a person can open, on a 390 px phone, for each role (admin, supervisor, agent,
and nobody signed in): the page never scrolls sideways (the document is no wider than the
screen; wide tables become stacked cards or scroll inside a keyboard-reachable region) and
axe finds nothing serious or critical.

The page list comes from Django's URL resolver with the scoping walk's fillers for path
parameters (tests/test_scoping_walk.py), so a page added later is checked without anyone
remembering to add it here. A URL whose GET does not answer an HTML document (JSON, CSV, a
file, an empty 405 for a POST-only action) is not a page and is left out by that rule.
"""

import re
import time
from io import StringIO
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import resolve
from playwright.sync_api import Error as PlaywrightError

from accounts.models import GroupMapping
from agents.models import Department
from followups.models import AlertRule
from integrations.models import Connector, WebhookSubscription
from surveys.models import Invitation, Survey
from surveys.services_tokens import create_api_token
from tests.factories import InvitationFactory, ResponseFactory
from tests.test_scoping_walk import UNWALKED, _fillers, plan_walk, url_patterns
from tests.test_scoping_walk import fill as fill_route

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 390
PHONE = {"width": WIDTH, "height": 844}
ROLES = ("admin", "supervisor", "agent")  # seed_demo's logins: the password is the username

# Patterns that are not pages of ours, each with its reason.
NOT_PAGES = {
    "oidc_authentication_init": "single sign-on: redirects to the identity provider",
    "oidc_authentication_callback": "single sign-on: the identity provider's redirect back",
    "oidc_logout": "single sign-on: signs out at the identity provider",
    "logout": "a POST that signs out; the check would end the session",
    "api-docs": "Swagger UI, a third-party page drawn by its own bundle",
}
NOT_PAGES_NAMESPACES = {"admin": "Django's own admin (its own stylesheet), staff only"}
API = "/api/v1/"  # the REST API answers JSON to machines

# The public patterns the scoping walk leaves out: filled here with a real survey link, or
# with a made-up token, which shows the "link not valid" page a customer can land on.
PUBLIC_FILLERS = {
    "recovery-page": [{"token": "not-a-real-token"}],
    "recovery-thanks": [{"token": "not-a-real-token"}],
    "password_reset_confirm": [{"uidb64": "MQ", "token": "not-a-real-token"}],
    "break-glass": [{"token": "not-a-real-token"}],
    "connector-receive": [{"key": "not-a-real-key"}],
}

# Scroll width, the elements sticking out past the right edge (to name in a failure).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") { return true; }
    }
    return false;
  };
  const name = (el) => {
    const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/).filter(Boolean) : [];
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes.map((c) => "." + c).join("");
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1 && !clipped(el)) {
      out.push(`${name(el)} (right edge ${Math.round(box.right)} px)`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, sticking: out.slice(0, 4)};
}"""

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
PLOTS_DRAWN = """() => Array.from(document.querySelectorAll(".plot[data-figure]"))
  .every((el) => el.dataset.drawn === "true")"""


@pytest.fixture
def demo(settings) -> dict[str, list[dict]]:
    """The seeded demo (a smaller one), plus one of each object a path parameter names."""
    settings.CHAMPION_MIN_RESPONSES = 5
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", interactions=3000, months=3, stdout=StringIO())
    departments = list(Department.objects.order_by("pk"))
    create_api_token(name="phone-check")
    connector = Connector.objects.create(name="Zendesk", platform="zendesk")
    webhook = WebhookSubscription.objects.create(url="https://crm.example.com/hooks", events=["case.opened"])
    own, others, survey = departments[0], departments[1:3], Survey.objects.first()
    fill = _fillers(billing=own, others=others, survey=survey, connector=connector, webhook=webhook)
    # Admin-only pages the walk fills with pk 1: real objects here, so the admin sees the page itself.
    rule = AlertRule.objects.create(name="Low scores", conditions={"score_max": 6}, channels=["in_app"])
    mapping = GroupMapping.objects.create(claim_value="nps-supervisors")
    fill |= {"manage-alert-rule": [{"pk": rule.pk}], "manage-sso-group": [{"pk": mapping.pk}]}
    open_link = InvitationFactory()
    answered = ResponseFactory(invitation__status=Invitation.Status.ANSWERED).invitation
    fill |= PUBLIC_FILLERS | {
        "survey-page": [{"token": open_link.token}],
        "survey-thanks": [{"token": answered.token}],
        "dashboard-digest-unsubscribe": [{"token": "not-a-real-token"}],
    }
    return fill


def every_url(fill: dict[str, list[dict]]) -> list[str]:
    """Every URL pattern filled in (the walk's own, then the public ones it leaves out)."""
    urls, unknown = plan_walk(fill)
    for route, name, _namespace in url_patterns():
        if name in UNWALKED:
            if name in fill:
                urls += [fill_route(route, values) for values in fill[name]]
            else:
                unknown.append(f"{route} ({name}): add a filler to PUBLIC_FILLERS or a reason to NOT_PAGES")
    assert not unknown, "URL patterns the phone check cannot fill:\n" + "\n".join(unknown)
    return [url for url in urls if not url.startswith(API) and not _not_a_page(url)]


def _not_a_page(url: str) -> bool:
    match = resolve(urlsplit(url).path)
    return match.url_name in NOT_PAGES or match.namespace in NOT_PAGES_NAMESPACES


def sign_in(page, base: str, role: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", role)
    page.fill("#id_password", role)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/**")


def check_pages(page, base: str, urls: list[str], who: str, axe: Axe, axed_errors: set[int]) -> tuple[list, int]:
    """Open each URL that answers an HTML page; the problems found, and the pages checked."""
    problems, seen = [], set()
    for url in urls:
        try:
            head = page.context.request.get(f"{base}{url}", timeout=30_000)
        except PlaywrightError as exc:
            problems.append(f"{who} {url}: could not be opened ({str(exc).splitlines()[0]})")
            continue
        text = head.text()
        if "text/html" not in head.headers.get("content-type", "") or not text.strip():
            continue  # not a page: JSON, CSV, a file, an empty answer to a POST-only action
        # A page already checked is not opened again: a redirect to it (the sign-in page, the
        # agent's own page), or the same error page (403, 404: same status and title).
        landed = urlsplit(head.url).path
        title = TITLE.search(text)
        error = (head.status, title.group(1).strip() if title else "")
        key = landed if landed != urlsplit(url).path else error if head.status >= 400 else url
        if key in seen:
            continue
        seen.add(key)
        reply = page.goto(f"{base}{url}")
        try:
            page.wait_for_function(PLOTS_DRAWN, timeout=10_000)
        except PlaywrightError:
            problems.append(f"{who} {url}: charts not drawn within 10 s")
        status = reply.status if reply else 0
        measured = page.evaluate(OVERFLOW)
        if measured["scrollWidth"] > WIDTH:
            problems.append(
                f"{who} {url} (HTTP {status}) at {WIDTH} px: the page is {measured['scrollWidth']} px wide; "
                f"sticking out: {', '.join(measured['sticking']) or 'nothing visible'}"
            )
        if status >= 400:
            if error in axed_errors:
                continue  # the same error page, already checked by axe for another role
            axed_errors.add(error)
        violations = axe.run(page).response["violations"]
        for violation in violations:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(
                    f"{who} {url} (HTTP {status}) at {WIDTH} px: axe {violation['impact']} {violation['id']}: "
                    f"{violation['help']} {targets}"
                )
    return problems, len(seen)


def test_every_page_fits_a_390_px_phone_for_every_role(chromium, live_server, demo):
    started = time.monotonic()
    urls = every_url(demo)
    axe, axed_errors = Axe(), set()
    problems, checked = [], {}
    for role in (*ROLES, "nobody signed in"):
        context = chromium.new_context(viewport=PHONE)
        page = context.new_page()
        try:
            if role in ROLES:
                sign_in(page, live_server.url, role)
            found, checked[role] = check_pages(page, live_server.url, urls, role, axe, axed_errors)
            problems += found
        finally:
            context.close()
    print(f"phone check: {len(urls)} URLs, pages checked {checked}, {time.monotonic() - started:.0f} s")
    assert checked["admin"] > 30 and checked["supervisor"] > 15, f"too few pages were reached: {checked}"
    assert not problems, f"{len(problems)} problems on a {WIDTH} px phone:\n" + "\n".join(problems)


def test_every_skipped_pattern_still_exists():
    """NOT_PAGES must not hide a renamed page: each name listed is a real pattern."""
    names = {name for _route, name, _ns in url_patterns()}
    assert set(NOT_PAGES) <= names
    assert set(PUBLIC_FILLERS) <= set(UNWALKED)
