"""Everyone sees only their scope: supervisors their departments, agents their own page."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

PAGES = ["/dashboard/", "/dashboard/departments/", "/dashboard/agents/", "/dashboard/comments/", "/dashboard/drivers/"]


@pytest.mark.parametrize("path", PAGES)
def test_supervisor_cannot_ask_for_another_department(client, supervisor, answered, path):
    client.force_login(supervisor)
    assert client.get(path + "?department=billing").status_code == 200
    assert client.get(path + "?department=claims").status_code == 403


def test_supervisor_sees_only_own_department_rows(client, supervisor, answered):
    client.force_login(supervisor)
    html = client.get("/dashboard/agents/").content.decode()
    assert "Budi Santoso" in html and "Carl Jones" not in html
    comments = client.get("/dashboard/comments/").content.decode()
    assert "Comment 0-0" in comments and "Comment 2-0" not in comments


def test_supervisor_cannot_open_another_departments_agent(client, supervisor, answered):
    client.force_login(supervisor)
    budi, _ana, carl, _dewi = answered
    assert client.get(f"/dashboard/agents/{budi.pk}/").status_code == 200
    assert client.get(f"/dashboard/agents/{carl.pk}/").status_code == 403


def test_agent_sees_only_their_own_page(client, answered):
    budi, ana, *_ = answered
    user = get_user_model().objects.create_user("budi", password="pw-budi-123")
    budi.user = user
    budi.save()
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 302
    me = client.get("/dashboard/me/")
    assert me.status_code == 302 and me["Location"].startswith(f"/dashboard/agents/{budi.pk}/")
    assert client.get(f"/dashboard/agents/{budi.pk}/").status_code == 200
    assert client.get(f"/dashboard/agents/{ana.pk}/").status_code == 403
    for path in PAGES[1:]:
        assert client.get(path).status_code == 302  # sent to their own page


def test_user_without_role_is_refused_and_anonymous_goes_to_login(client, answered):
    assert client.get("/dashboard/")["Location"].startswith("/login/")
    nobody = get_user_model().objects.create_user("nobody", password="pw-nobody-123")
    client.force_login(nobody)
    assert client.get("/dashboard/").status_code == 403


def test_bad_filters_answer_400_with_a_message(client, admin_user, answered):
    client.force_login(admin_user)
    page = client.get("/dashboard/?since=2026-13-40")
    assert page.status_code == 400
    assert "Enter a valid date" in page.content.decode()
    assert client.get("/dashboard/?since=2026-05-02&until=2026-05-01").status_code == 400
    assert client.get("/dashboard/?department=nope").status_code == 400


def test_refusal_explains_itself_on_a_styled_page(client, supervisor, answered):
    client.force_login(supervisor)
    reply = client.get("/dashboard/agents/?department=claims")
    html = reply.content.decode()
    assert reply.status_code == 403
    assert "Not for your account" in html and "That department is outside your scope." in html
    assert client.get("/dashboard/no-such-page/").content.decode().count("Page not found") >= 1
