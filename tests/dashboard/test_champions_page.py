"""The champions page: the concentration picture, how surprising it is, the plan, and the
same figures as the API; supervisors see their own agents by name and nothing else."""

import csv
import io
from datetime import date

import pytest
from django.contrib.auth import get_user_model

from analytics import buckets, champions
from analytics.models import ChampionSnapshot
from tests.analytics.champion_data import concentrated_company

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(settings):
    settings.CHAMPION_MIN_RESPONSES = 10
    settings.CHAMPION_TOP_N = 20
    departments = concentrated_company()
    buckets.rebuild()
    return departments


def test_admin_sees_the_concentration_its_odds_and_the_plan(client, admin_user, company):
    client.force_login(admin_user)
    reply = client.get("/dashboard/champions/")
    html = reply.content.decode()
    assert reply.status_code == 200
    assert "Champions are concentrated." in html
    assert "15 of the top 20 agents work in Retention" in html
    assert 'id="concentration"' in html and 'id="ranking"' in html
    assert "Plan to spread them" in html and ("pair</span>" in html or "move</span>" in html)
    assert "Billing" in html  # Billing has the most low scorers: the plan reaches it
    assert "Retention 01" in html and "Billing 03" in html


def test_page_figures_equal_the_api_for_the_same_period(client, admin_user, company):
    client.force_login(admin_user)
    reply = client.get("/dashboard/champions/?since=2020-01-01&until=2030-01-01&format=csv")
    rows = list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))
    expected = champions.analyse(since=date(2020, 1, 1), until=date(2030, 1, 1)).as_dict()["ranking"]
    assert [(r["rank"], r["agent"], r["adjusted_nps"]) for r in rows] == [
        (str(e["rank"]), e["key"], str(e["shrunk_nps"])) for e in expected
    ]
    assert sum(r["champion"] == "yes" for r in rows) == 20


def test_supervisor_sees_department_counts_but_only_their_own_agents(client, company):
    user = get_user_model().objects.create_user("claims-lead", password="pw-claims-123")
    company["claims"].supervisors.add(user)
    client.force_login(user)
    html = client.get("/dashboard/champions/").content.decode()
    assert "15 of the top 20 agents work in Retention" in html  # the aggregate is the benchmark
    assert "Claims 01" in html
    assert "Sales 01" not in html and "Billing 07" not in html
    assert client.get("/dashboard/champions/?department=sales").status_code == 403
    csv_text = client.get("/dashboard/champions/?format=csv").content.decode()
    assert "sales-01" not in csv_text and "claims-01" in csv_text


def test_default_period_reads_the_fresh_snapshot(client, admin_user, company):
    snapshot = champions.refresh_snapshot()
    data = dict(snapshot.data)
    data["summary"] = "From the stored snapshot."
    ChampionSnapshot.objects.filter(pk=snapshot.pk).update(data=data)
    client.force_login(admin_user)
    assert "From the stored snapshot." in client.get("/dashboard/champions/").content.decode()
    chosen = client.get("/dashboard/champions/?since=2020-01-01").content.decode()
    assert "From the stored snapshot." not in chosen and "15 of the top 20" in chosen


def test_nobody_ranked_shows_a_plain_empty_state(client, admin_user, db):
    client.force_login(admin_user)
    html = client.get("/dashboard/champions/").content.decode()
    assert "nobody is ranked yet" in html
