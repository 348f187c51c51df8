"""The overview page shows the headline figures a supervisor starts the week with."""

import pytest

pytestmark = pytest.mark.django_db


def test_overview_shows_headline_nps_with_n_and_charts(client, admin_user, answered):
    client.force_login(admin_user)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    # 9 answers; agent question: 6 promoters, 1 passive... computed from the fixture's scores
    assert "n = 9" in html
    for chart in ("trend", "distribution", "funnel", "channels"):
        assert f'id="{chart}-data"' in html
    assert "Content-Security-Policy" in page.headers


def test_overview_without_answers_says_so(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/dashboard/").content.decode()
    assert "No answers in this period" in html


def test_departments_page_lists_each_department_with_n_and_target(client, admin_user, answered):
    client.force_login(admin_user)
    page = client.get("/dashboard/departments/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Billing" in html and "Claims" in html
    assert 'id="dept-heatmap-data"' in html
    csv = client.get("/dashboard/departments/?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("code,department,responses")
    assert any(line.startswith("billing,Billing,5,") for line in lines)
