"""The themes page, the comments page's theme filter, and where themes show up."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics import breakdowns, buckets
from analytics.themes import tagging
from analytics.themes.defaults import ensure_defaults
from tests.factories import AgentFactory, DepartmentFactory, InteractionFactory, ResponseFactory, UserFactory

URL = "/dashboard/themes/"


def answer(department, agent, score: int, why: str, days_ago: int = 3):
    interaction = InteractionFactory(
        agent=agent, department=department, occurred_at=timezone.now() - timedelta(days=days_ago)
    )
    return ResponseFactory(invitation__interaction=interaction, company_score=score, agent_score=score, why=why)


@pytest.fixture
def themed(postgres):
    ensure_defaults()
    billing, claims = DepartmentFactory(code="billing", name="Billing"), DepartmentFactory(code="claims", name="Claims")
    ana = AgentFactory(external_id="ana", name="Ana", department=billing)
    budi = AgentFactory(external_id="budi", name="Budi", department=claims)
    for _ in range(5):
        answer(billing, ana, 2, "waited an hour on hold <script>alert(1)</script>")
    for _ in range(5):
        answer(billing, ana, 10, "lovely agent, solved in one call")
    for _ in range(3):
        answer(claims, budi, 1, "dioper-oper terus, nunggu lama banget")
    answer(claims, budi, 9, "great", days_ago=10)
    tagging.tag_pending()
    return {"billing": billing, "claims": claims, "ana": ana}


@pytest.fixture
def boss(client, postgres):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def test_themes_page_shows_points_lost_and_links_to_comments(boss, themed):
    html = boss.get(URL).content.decode()
    assert "Themes by points lost" in html
    assert "Wait time" in html and "Transfers" in html
    assert "/dashboard/comments/?" in html and "theme=wait_time" in html
    assert "theme-heatmap" in html and "theme-trend" in html
    assert "<script>alert(1)</script>" not in html


def test_themes_page_csv(boss, themed):
    reply = boss.get(URL, {"format": "csv"})
    body = reply.content.decode("utf-8-sig")
    lines = body.splitlines()
    assert lines[0].startswith("theme,name,mentions,comments,share")
    wait = next(line for line in lines if line.startswith("wait_time,"))
    assert wait.split(",")[2:4] == ["8", "14"]  # 5 English + 3 Indonesian of 14 comments


def test_supervisor_sees_only_their_department(client, themed):
    user = UserFactory(username="sup")
    themed["claims"].supervisors.add(user)
    client.force_login(user)
    reply = client.get(URL, {"format": "csv"})
    wait = next(line for line in reply.content.decode("utf-8-sig").splitlines() if line.startswith("wait_time,"))
    assert wait.split(",")[2] == "3"  # only the three Indonesian comments of Claims
    assert client.get(URL, {"department": "billing"}).status_code == 403


def test_bad_filters_answer_400(boss, themed):
    assert boss.get(URL, {"since": "2026-02-30"}).status_code == 400


def test_comments_page_filters_by_theme_and_shows_chips(boss, themed):
    html = boss.get("/dashboard/comments/", {"theme": "transfer"}).content.decode()
    assert "3 comments" in html
    assert "dioper-oper" in html and "waited an hour" not in html
    assert 'class="theme-chip complaint"' in html
    everything = boss.get("/dashboard/comments/").content.decode()
    assert 'class="theme-chip praise"' in everything
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in everything
    assert "<script>alert(1)" not in everything


def test_navigation_links_to_themes(boss, themed):
    assert 'href="/dashboard/themes/' in boss.get("/dashboard/").content.decode()


def test_agent_page_shows_the_agents_top_themes(boss, themed):
    html = boss.get(f"/dashboard/agents/{themed['ana'].pk}/").content.decode()
    assert "Top themes in the comments" in html
    assert "theme=wait_time" in html and "Wait time" in html


def test_drivers_page_shows_themes_beside_handle_time_and_transfers(boss, themed):
    buckets.rebuild()
    breakdowns.rebuild()
    html = boss.get("/dashboard/drivers/").content.decode()
    assert "Theme in the why-text" in html and "Handle time" in html
    csv = boss.get("/dashboard/drivers/", {"format": "csv"}).content.decode("utf-8-sig")
    assert any(line.startswith("theme,Wait time,") for line in csv.splitlines())


def test_new_topics_show_unmatched_comments_and_become_a_theme_in_one_click(
    boss, themed, django_capture_on_commit_callbacks
):
    agent = themed["ana"]
    texts = [f"the parking lot was full, no parking spaces {n}" for n in range(4)]
    texts += [f"loyalty points missing from my loyalty card {n}" for n in range(4)]
    made = [answer(themed["billing"], agent, 5, text) for text in texts]
    tagging.tag_pending()
    html = boss.get(URL).content.decode()
    assert "New topics" in html and "parking" in html and "loyalty" in html
    assert "Make it a theme" in html
    with django_capture_on_commit_callbacks(execute=True):
        reply = boss.post("/manage/themes/from-topic/", {"language": "en", "words": "parking, lot, full"})
    assert reply.status_code == 302
    from analytics.themes.models import ResponseTheme, Theme

    theme = Theme.objects.get(key="parking")
    assert theme.phrases == {"en": ["parking", "lot", "full"]}
    assert ResponseTheme.objects.filter(theme=theme, response__in=made[:4]).count() == 4
    assert boss.post("/manage/themes/from-topic/", {"language": "xx", "words": "a"}).status_code == 400


def test_comments_csv_carries_the_themes(boss, themed):
    body = boss.get("/dashboard/comments/", {"format": "csv", "theme": "transfer"}).content.decode("utf-8-sig")
    lines = body.splitlines()
    assert lines[0].endswith(",themes,why")  # why stays last
    assert len(lines) == 4 and all("transfer-" in line and "wait_time-" in line for line in lines[1:])
