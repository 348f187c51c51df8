"""The themes page in Chromium at desktop and phone widths: charts drawn, no console errors,
axe finds nothing serious or critical; a theme opens the comments filtered to it."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.utils import timezone

from analytics.themes import tagging
from analytics.themes.defaults import ensure_defaults
from analytics.themes.models import Theme
from tests.factories import AgentFactory, DepartmentFactory, InteractionFactory, ResponseFactory

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = [
    (2, "waited an hour on hold, then transferred twice"),
    (3, "nunggu lama banget, dioper-oper terus"),
    (1, "me cobraron dos veces y nadie me devolvio la llamada"),
    (10, "lovely agent, solved in one call"),
    (9, "mbaknya ramah banget, langsung beres"),
    (4, "the app keeps crashing <b>again</b>"),
    (8, "ok"),
]


@pytest.fixture
def themed(postgres_tx):
    ensure_defaults()
    departments = [DepartmentFactory(code=code, name=name) for code, name in [("billing", "Billing"), ("tech", "Tech")]]
    for week in range(6):
        for i, (score, why) in enumerate(TEXTS):
            department = departments[i % 2]
            interaction = InteractionFactory(
                agent=AgentFactory(department=department),
                department=department,
                occurred_at=timezone.now() - timedelta(days=7 * week + 1),
            )
            ResponseFactory(invitation__interaction=interaction, company_score=score, agent_score=score, why=why)
    tagging.tag_pending()
    get_user_model().objects.create_user("boss", password="pw-boss-123", is_staff=True)
    billing = Theme.objects.get(key="billing")
    return {"billing": billing}


def sign_in(page, live_server) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-boss-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/**")
    return errors


@pytest.mark.parametrize("width", [1440, 390])
def test_themes_page_is_accessible_and_draws_its_charts(page, live_server, themed, width, tmp_path):
    page.set_viewport_size({"width": width, "height": 900})
    errors = sign_in(page, live_server)
    paths = ["/dashboard/themes/", "/dashboard/comments/?theme=billing", "/manage/themes/"]
    paths.append(f"/manage/themes/{themed['billing'].pk}/")
    for path in paths:
        reply = page.goto(f"{live_server.url}{path}")
        assert reply.status == 200
        if path.startswith("/dashboard/themes/"):
            for plot in ("theme-cost", "theme-trend", "theme-heatmap"):
                page.wait_for_selector(f"#{plot}.js-plotly-plot .main-svg", timeout=10_000)
            # Nothing wider than the window: the wide table scrolls inside its card.
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        results = Axe().run(page)
        serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, f"{path}: {[(v['id'], [n['target'] for n in v['nodes']][:3]) for v in serious]}"
        name = "-".join(part for part in path.split("?")[0].split("/") if part)
        page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
    assert not errors, errors


def test_clicking_a_theme_opens_its_comments(page, live_server, themed):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/dashboard/themes/")
    page.get_by_role("link", name="Billing", exact=True).click()
    page.wait_for_url("**theme=billing**")
    assert "me cobraron dos veces" in page.content()
    assert "waited an hour" not in page.content()
    assert page.locator("#id_theme").input_value() == "billing"


def test_preview_then_save_a_theme_in_the_browser(page, live_server, themed):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/manage/themes/{themed['billing'].pk}/")
    page.fill("#id_phrases_es", "cobraron")
    page.get_by_role("button", name="Preview on recent comments").click()
    page.wait_for_selector("#preview-h")
    assert "Nothing is saved yet" in page.content()
    page.get_by_role("button", name="Save theme").click()
    page.wait_for_url("**/manage/themes/")
    assert "Comments are being tagged again" in page.content()
