"""/manage/themes/: admins edit themes per language, add their own, preview, and saving
re-tags the comments."""

import pytest

from analytics.themes import tagging
from analytics.themes.defaults import ensure_defaults
from analytics.themes.models import ResponseTheme, Theme
from tests.factories import ResponseFactory, UserFactory


@pytest.fixture
def boss(client, postgres):
    ensure_defaults()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def form_data(**overrides) -> dict:
    data = {"key": "parking", "active": "on", "name_en": "Parking", "name_id": "Parkir", "name_es": "Estacionamiento"}
    data.update(overrides)
    return data


def test_list_shows_the_ten_defaults(boss):
    html = boss.get("/manage/themes/").content.decode()
    assert "Wait time" in html and "Call-backs" in html and "Add a theme" in html


def test_preview_shows_which_recent_comments_would_get_the_theme_and_saves_nothing(boss):
    ResponseFactory(why="no <b>parking</b> spaces near the shop")
    ResponseFactory(why="estacionamiento lleno")
    ResponseFactory(why="rude agent")
    tagging.tag_pending()
    reply = boss.post(
        "/manage/themes/new/",
        form_data(phrases_en="parking spaces", phrases_es="estacionamiento", preview="1"),
    )
    html = reply.content.decode()
    assert reply.status_code == 200
    assert "2 comments would get the theme" in " ".join(html.split())
    assert "&lt;b&gt;parking&lt;/b&gt;" in html and "<b>parking</b>" not in html
    assert not Theme.objects.filter(key="parking").exists()


def test_saving_a_new_theme_retags_the_comments(boss, django_capture_on_commit_callbacks):
    response = ResponseFactory(why="the parking lot was full")
    tagging.tag_pending()
    with django_capture_on_commit_callbacks(execute=True):
        reply = boss.post("/manage/themes/new/", form_data(phrases_en="parking lot"))
    assert reply.status_code == 302
    theme = Theme.objects.get(key="parking")
    assert theme.names == {"en": "Parking", "id": "Parkir", "es": "Estacionamiento"}
    assert not theme.builtin
    assert ResponseTheme.objects.filter(response=response, theme=theme, polarity="-").exists()


def test_editing_a_default_theme_keeps_its_key(boss, django_capture_on_commit_callbacks):
    billing = Theme.objects.get(key="billing")
    with django_capture_on_commit_callbacks(execute=True):
        reply = boss.post(
            f"/manage/themes/{billing.pk}/",
            form_data(key="other", name_en="Money", description_en="Charges", phrases_id="pulsa kepotong"),
        )
    assert reply.status_code == 302
    billing.refresh_from_db()
    assert billing.key == "billing" and billing.names["en"] == "Money" and billing.phrases == {"id": ["pulsa kepotong"]}


@pytest.mark.parametrize(
    "data",
    [
        form_data(key="wait_time"),  # taken
        form_data(key="no spaces!"),
        form_data(name_en=""),
        form_data(phrases_en="x" * 81),
    ],
)
def test_bad_input_is_refused_with_400_and_nothing_saved(boss, data):
    count = Theme.objects.count()
    reply = boss.post("/manage/themes/new/", data)
    assert reply.status_code == 400
    assert Theme.objects.count() == count


def test_only_admins(client, postgres):
    client.force_login(UserFactory(username="sup"))
    assert client.get("/manage/themes/").status_code == 403
