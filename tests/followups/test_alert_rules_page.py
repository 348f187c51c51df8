"""/manage/alerts/: admins create, change and delete rules; bad input is a 400 with the
field's message and nothing stored; other roles are kept out."""

import pytest

from followups.models import AlertFiring, AlertRule

VALID = {
    "name": "Unhappy VIPs",
    "active": "on",
    "kind": "answer",
    "score_max": "6",
    "question": "either",
    "tag": "vip",
    "channels": ["inapp", "email"],
    "quiet_minutes": "30",
}


def test_only_admins_see_the_page(client, sam, boss):
    client.force_login(sam)
    assert client.get("/manage/alerts/").status_code in (302, 403)
    client.force_login(boss)
    page = client.get("/manage/alerts/")
    assert page.status_code == 200
    assert 'href="/manage/alerts/"' in page.content.decode()  # in the manage navigation


def test_an_admin_creates_and_changes_a_rule(client, boss):
    client.force_login(boss)
    reply = client.post("/manage/alerts/new/", VALID)
    assert reply.status_code == 302
    rule = AlertRule.objects.get()
    assert rule.conditions == {"score_max": 6, "question": "either", "tag": "vip"}
    assert rule.channels == ["inapp", "email"] and rule.quiet_minutes == 30
    listing = client.get("/manage/alerts/").content.decode()
    assert "Unhappy VIPs" in listing and "tag=vip" in listing

    edit = client.get(f"/manage/alerts/{rule.pk}/").content.decode()
    assert 'value="vip"' in edit
    client.post(f"/manage/alerts/{rule.pk}/", {**VALID, "kind": "agent", "weeks": "6", "min_responses": "15"})
    rule.refresh_from_db()
    assert rule.kind == "agent" and rule.conditions == {"weeks": 6, "min_responses": 15}

    assert client.post(f"/manage/alerts/{rule.pk}/delete/").status_code == 302
    assert not AlertRule.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"score_max": "", "tag": ""}, "score_max", "Give at least one condition"),
        ({"score_max": "11"}, "score_max", "less than or equal to 10"),
        ({"channels": ["slack"]}, "slack_url", "Give the incoming-webhook URL"),
        ({"channels": ["teams"], "teams_url": "http://127.0.0.1:9/hook"}, "teams_url", "private or local address"),
        ({"channels": ["slack"], "slack_url": "ftp://example.com/x"}, "slack_url", "Use an http:// or https:// URL"),
        ({"quiet_minutes": "0"}, "quiet_minutes", "at least one minute"),
        ({"channels": []}, "channels", "This field is required"),
        ({"kind": "department", "driver": "vip"}, "driver", "dimension=value"),
    ],
)
def test_bad_input_is_a_400_and_nothing_is_stored(client, boss, change, field, message):
    client.force_login(boss)
    reply = client.post("/manage/alerts/new/", {**VALID, **change})
    assert reply.status_code == 400
    assert message in reply.content.decode()
    assert not AlertRule.objects.exists()
    assert not AlertFiring.objects.exists()
