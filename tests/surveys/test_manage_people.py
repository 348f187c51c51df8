"""The admin area's other pages: departments (target NPS, supervisors), users and their
roles, and integration tokens (the key is shown once; a revoked token stops working)."""

import pytest
from django.contrib.auth import get_user_model

from agents.models import Agent, Department
from agents.roles import viewer_for
from surveys.models import ApiToken
from tests.factories import AgentFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def html(reply) -> str:
    return reply.content.decode()


# --- Departments ------------------------------------------------------------------------------


def test_an_admin_creates_a_department_with_a_target_and_supervisors(staff_client):
    sam = UserFactory(username="sam", first_name="Sam")

    reply = staff_client.post(
        "/manage/departments/new/",
        {"name": "Claims & Refunds", "code": "claims", "target_nps": "25", "supervisors": [sam.pk]},
    )

    assert reply.status_code == 302
    department = Department.objects.get(code="claims")
    assert (department.name, department.target_nps) == ("Claims & Refunds", 25)
    assert list(department.supervisors.all()) == [sam]
    assert viewer_for(sam).can_see_department(department)
    listing = html(staff_client.get("/manage/departments/"))
    assert "Claims &amp; Refunds" in listing and "Sam" in listing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target_nps": "101"}, "An NPS is never above 100."),
        ({"target_nps": "-101"}, "An NPS is never below −100."),
        ({"code": "billing"}, "Department with this Code already exists."),
        ({"code": "not a slug"}, "Enter a valid “slug”"),
    ],
)
def test_an_invalid_department_is_refused_and_nothing_changes(staff_client, data, message):
    DepartmentFactory(code="billing", name="Billing")

    reply = staff_client.post("/manage/departments/new/", {"name": "Claims", "code": "claims", **data})

    assert reply.status_code == 400
    assert message in html(reply)
    assert list(Department.objects.values_list("code", flat=True)) == ["billing"]


# --- Users and roles -----------------------------------------------------------------------------


def test_an_admin_creates_a_supervisor_who_can_sign_in(staff_client, client):
    billing = DepartmentFactory(code="billing", name="Billing")

    reply = staff_client.post(
        "/manage/users/new/",
        {
            "username": "nadia",
            "first_name": "Nadia",
            "email": "nadia@example.com",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
            "departments": [billing.pk],
        },
    )

    assert reply.status_code == 302, html(reply)[:2000]
    nadia = User.objects.get(username="nadia")
    assert not nadia.is_staff
    assert viewer_for(nadia).role == "supervisor" and viewer_for(nadia).department_ids == {billing.pk}
    assert "Supervisor of Billing" in html(staff_client.get("/manage/users/"))


def test_a_weak_or_mismatched_password_is_refused(staff_client):
    reply = staff_client.post(
        "/manage/users/new/", {"username": "nadia", "password1": "password", "password2": "passw0rd"}
    )

    assert reply.status_code == 400
    assert not User.objects.filter(username="nadia").exists()


def test_roles_are_changed_on_the_users_page(staff_client):
    billing, claims = DepartmentFactory(code="billing"), DepartmentFactory(code="claims")
    budi = AgentFactory(name="Budi Santoso")
    user = UserFactory(username="budi")
    billing.supervisors.add(user)

    reply = staff_client.post(
        f"/manage/users/{user.pk}/",
        {"first_name": "Budi", "is_active": "on", "departments": [claims.pk], "agent": budi.pk},
    )

    assert reply.status_code == 302
    assert list(user.supervised_departments.all()) == [claims]
    assert Agent.objects.get(pk=budi.pk).user == user


def test_an_agent_already_linked_to_another_login_is_refused(staff_client):
    budi = AgentFactory(name="Budi Santoso", user=UserFactory(username="budi"))
    other = UserFactory(username="other")

    reply = staff_client.post(f"/manage/users/{other.pk}/", {"is_active": "on", "agent": budi.pk})

    assert reply.status_code == 400
    assert "already linked to the login budi" in html(reply)
    assert Agent.objects.get(pk=budi.pk).user.username == "budi"


def test_an_admin_cannot_remove_their_own_admin_role(staff_client, staff_user):
    reply = staff_client.post(f"/manage/users/{staff_user.pk}/", {"is_active": "on"})

    assert reply.status_code == 400
    assert "You cannot remove your own admin role" in html(reply)
    staff_user.refresh_from_db()
    assert staff_user.is_staff


# --- Integration tokens ---------------------------------------------------------------------------


def test_a_new_tokens_key_is_shown_once_and_works(staff_client, client):
    reply = staff_client.post("/manage/tokens/", {"name": "zendesk-production"})

    assert reply.status_code == 200
    assert reply["Cache-Control"].startswith("max-age=0") or "no-store" in reply["Cache-Control"]
    key = reply.context["created"]["key"]
    assert key in html(reply) and "shown only this once" in html(reply)
    token = ApiToken.objects.get(name="zendesk-production")
    assert token.created_by.username == "olivia" and key.startswith(token.prefix)
    assert key not in html(staff_client.get("/manage/tokens/")), "never shown again"

    api = client.get("/api/v1/nps/", HTTP_AUTHORIZATION=f"Token {key}")
    assert api.status_code == 200


def test_a_duplicate_token_name_is_refused(staff_client):
    staff_client.post("/manage/tokens/", {"name": "zendesk"})

    reply = staff_client.post("/manage/tokens/", {"name": "zendesk"})

    assert reply.status_code == 400
    assert "A token named &#x27;zendesk&#x27; already exists." in html(reply)
    assert ApiToken.objects.count() == 1


def test_a_revoked_token_stops_working(staff_client, client):
    key = staff_client.post("/manage/tokens/", {"name": "five9"}).context["created"]["key"]
    token = ApiToken.objects.get(name="five9")

    reply = staff_client.post(f"/manage/tokens/{token.pk}/revoke/", follow=True)

    assert "revoked" in html(reply)
    assert not ApiToken.objects.get(pk=token.pk).active
    assert client.get("/api/v1/nps/", HTTP_AUTHORIZATION=f"Token {key}").status_code in (401, 403)
