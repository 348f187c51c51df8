"""The admin area is for admins only: anonymous visitors are sent to sign in, supervisors and
agents get 403, on every page and every action."""

import pytest

from agents.models import Agent
from surveys.models import ApiToken, Survey
from tests.factories import AgentFactory, DepartmentFactory, SurveyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def things():
    survey = SurveyFactory()
    department = DepartmentFactory(code="claims", name="Claims")
    agent = AgentFactory(department=department)
    user = UserFactory(username="someone")
    token = ApiToken.objects.create(name="zendesk", prefix="abc", key_hash="0" * 64)
    return {"survey": survey.pk, "department": department.pk, "agent": agent.pk, "user": user.pk, "token": token.pk}


PAGES = [
    "/manage/surveys/",
    "/manage/surveys/new/",
    "/manage/surveys/new/preview/",
    "/manage/surveys/{survey}/",
    "/manage/surveys/{survey}/preview/",
    "/manage/surveys/{survey}/versions/",
    "/manage/departments/",
    "/manage/departments/new/",
    "/manage/departments/{department}/",
    "/manage/agents/",
    "/manage/agents/{agent}/",
    "/manage/users/",
    "/manage/users/new/",
    "/manage/users/{user}/",
    "/manage/tokens/",
]
ACTIONS = [
    ("/manage/surveys/new/", {"name": "Sneaky"}),
    ("/manage/surveys/{survey}/", {"name": "Sneaky"}),
    ("/manage/surveys/{survey}/duplicate/", {}),
    ("/manage/surveys/{survey}/active/", {"active": "0"}),
    ("/manage/surveys/{survey}/default/", {}),
    ("/manage/departments/new/", {"name": "Sneaky", "code": "sneaky"}),
    ("/manage/agents/{agent}/", {"action": "details", "name": "Sneaky"}),
    ("/manage/users/{user}/", {"is_staff": "on", "is_active": "on"}),
    ("/manage/tokens/", {"name": "sneaky"}),
    ("/manage/tokens/{token}/revoke/", {}),
]


def unchanged(things) -> bool:
    return (
        Survey.objects.count() == 1
        and Survey.objects.get().active
        and not Survey.objects.filter(name="Sneaky").exists()
        and not Agent.objects.filter(name="Sneaky").exists()
        and ApiToken.objects.get().active
        and ApiToken.objects.count() == 1
        and not UserFactory._meta.model.objects.get(pk=things["user"]).is_staff
    )


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, things, url):
    reply = client.get(url.format(**things))

    assert reply.status_code == 302
    assert reply["Location"].startswith("/login/?next=/manage/")


@pytest.mark.parametrize("role", ["supervisor_client", "agent_client"])
@pytest.mark.parametrize("url", PAGES)
def test_supervisors_and_agents_get_403_on_every_page(request, things, role, url):
    client = request.getfixturevalue(role)
    assert client.get(url.format(**things)).status_code == 403


@pytest.mark.parametrize("role", ["client", "supervisor_client", "agent_client"])
@pytest.mark.parametrize(("url", "data"), ACTIONS)
def test_nobody_but_an_admin_can_change_anything(request, things, role, url, data):
    client = request.getfixturevalue(role)

    reply = client.post(url.format(**things), data)

    assert reply.status_code in (302, 403)
    if reply.status_code == 302:
        assert reply["Location"].startswith("/login/")
    assert unchanged(things)


@pytest.mark.parametrize("url", PAGES)
def test_admins_open_every_page(staff_client, things, url):
    assert staff_client.get(url.format(**things)).status_code == 200


def test_only_admins_see_the_surveys_link_in_the_navigation(client, things):
    supervisor = UserFactory(username="sup2")
    DepartmentFactory(code="billing").supervisors.add(supervisor)

    client.force_login(UserFactory(username="admin2", is_staff=True))
    as_admin = client.get("/dashboard/").content.decode()
    client.force_login(supervisor)
    as_supervisor = client.get("/dashboard/").content.decode()

    assert 'href="/manage/surveys/"' in as_admin
    assert 'href="/manage/surveys/"' not in as_supervisor
