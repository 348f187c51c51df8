"""Who sees which cases: supervisors their departments' only (another department's case
does not exist for them), admins all, agents none; the lists and their filters."""

import pytest

from followups import services
from followups.models import FollowUpCase
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(answer, sam, claire, claims):
    carl = AgentFactory(name="Carl Jones", department=claims)
    billing_case = FollowUpCase.objects.get(response=answer(2, 9, why="Billing trouble"))
    claims_case = FollowUpCase.objects.get(response=answer(9, 2, why="Claims trouble", interaction__agent=carl))
    return billing_case, claims_case


def test_a_supervisor_of_another_department_cannot_see_or_change_the_case(client, cases, claire):
    billing_case, claims_case = cases
    client.force_login(claire)

    assert client.get(f"/dashboard/cases/{claims_case.pk}/").status_code == 200
    assert client.get(f"/dashboard/cases/{billing_case.pk}/").status_code == 404
    for data in (
        {"action": "status", "status-status": "contacted", "status-note": "sneaky"},
        {"action": "note", "note-text": "sneaky"},
        {"action": "assign", "assign-assignee": str(claire.pk)},
    ):
        assert client.post(f"/dashboard/cases/{billing_case.pk}/", data).status_code == 404
    billing_case.refresh_from_db()
    assert billing_case.status == FollowUpCase.Status.OPEN
    assert billing_case.assignee.username == "sam"
    assert not billing_case.events.filter(text__contains="sneaky").exists()
    listing = client.get("/dashboard/cases/").content.decode()
    assert "Claims trouble" in listing and "Billing trouble" not in listing


def test_an_agent_never_sees_cases(client, cases, budi, django_user_model):
    budi.user = django_user_model.objects.create_user("budi", password="pw-budi-123")
    budi.save()
    client.force_login(budi.user)
    billing_case, _ = cases

    for path in ("/dashboard/cases/", "/dashboard/cases/mine/", f"/dashboard/cases/{billing_case.pk}/"):
        reply = client.get(path)
        assert reply.status_code == 302 and reply["Location"] == "/dashboard/me/", path
    reply = client.post(f"/dashboard/cases/{billing_case.pk}/", {"action": "note", "note-text": "hi"})
    assert reply.status_code == 302
    assert not billing_case.events.filter(text="hi").exists()


def test_no_role_is_refused_and_anonymous_goes_to_sign_in(client, cases, django_user_model):
    assert client.get("/dashboard/cases/")["Location"].startswith("/login/")
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get("/dashboard/cases/").status_code == 403


def test_an_admin_sees_every_case(client, cases, boss):
    client.force_login(boss)

    listing = client.get("/dashboard/cases/").content.decode()

    assert "Billing trouble" in listing and "Claims trouble" in listing
    for case in cases:
        assert client.get(f"/dashboard/cases/{case.pk}/").status_code == 200


def test_my_open_cases_lists_only_mine_and_only_open_ones(client, cases, answer, sam, boss):
    billing_case, _ = cases
    closed = FollowUpCase.objects.get(response=answer(1, 1, why="Closed already"))
    services.change_status(closed, status="wont_fix", outcome="Customer unreachable", by=boss)
    client.force_login(sam)

    page = client.get("/dashboard/cases/mine/").content.decode()

    assert "1 case assigned to you" in page
    assert f"Case {billing_case.pk}<" in page and "Closed already" not in page
    assert "Claims trouble" not in page


def test_the_case_list_filters_by_status_department_assignee_and_overdue(client, cases, answer, boss, sam):
    billing_case, claims_case = cases
    services.change_status(billing_case, status="contacted", note="Called", by=sam)
    client.force_login(boss)

    def listed(query: str) -> set[int]:
        reply = client.get(f"/dashboard/cases/?{query}")
        assert reply.status_code == 200
        return {case.pk for case in reply.context["page_obj"]}

    assert listed("") == {billing_case.pk, claims_case.pk}
    assert listed("status=contacted") == {billing_case.pk}
    assert listed("status=open") == {claims_case.pk}
    assert listed("department=claims") == {claims_case.pk}
    assert listed("assignee=none") == set()
    assert listed(f"assignee={sam.pk}") == {billing_case.pk}
    assert listed("overdue=on") == set()
    assert listed("status=resolved") == set()


def test_a_bad_filter_answers_400_with_a_message_by_the_field(client, cases, sam):
    client.force_login(sam)

    reply = client.get("/dashboard/cases/?department=claims&status=lost")

    assert reply.status_code == 400
    html = reply.content.decode()
    assert "That department is not one you can see." in html
    assert "Select a valid choice" in html


def test_the_overview_shows_open_and_overdue_cases_from_one_query(client, cases, sam, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = services.case_counts(frozenset({cases[0].department_id}))
    assert counts == {"open": 1, "overdue": 0}

    client.force_login(sam)
    html = client.get("/dashboard/").content.decode()
    assert "Open follow-up cases" in html and "none overdue" in html


def test_cases_appear_in_the_navigation(client, cases, sam):
    client.force_login(sam)

    html = client.get("/dashboard/").content.decode()

    assert 'href="/dashboard/cases/mine/"' in html and ">Cases</a>" in html
