"""Logins in each role for the admin-area tests (survey editor, people, tokens)."""

import pytest

from tests.factories import AgentFactory, DepartmentFactory, UserFactory


@pytest.fixture
def staff_user(db):
    return UserFactory(username="olivia", first_name="Olivia", is_staff=True)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def supervisor_client(client, db):
    user = UserFactory(username="sam")
    DepartmentFactory(code="billing", name="Billing").supervisors.add(user)
    client.force_login(user)
    return client


@pytest.fixture
def agent_client(client, db):
    user = UserFactory(username="budi")
    AgentFactory(name="Budi Santoso", user=user)
    client.force_login(user)
    return client
