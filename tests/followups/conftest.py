"""People and answers for the follow-up tests: two departments with a supervisor each, an
admin, and a way to answer a survey the way a customer does (through submit_response,
so the case opens from the real signal after commit)."""

import pytest
from django.contrib.auth import get_user_model

from surveys import services
from surveys.models import Response
from tests.factories import AgentFactory, DepartmentFactory, InvitationFactory

User = get_user_model()


@pytest.fixture
def billing(db):
    return DepartmentFactory(code="billing", name="Billing")


@pytest.fixture
def claims(db):
    return DepartmentFactory(code="claims", name="Claims")


@pytest.fixture
def sam(billing):
    """Billing's supervisor."""
    user = User.objects.create_user("sam", email="sam@example.com", password="pw-sam-123", first_name="Sam")
    billing.supervisors.add(user)
    return user


@pytest.fixture
def claire(claims):
    """Claims' supervisor: must never see Billing's cases."""
    user = User.objects.create_user("claire", email="claire@example.com", password="pw-claire-123")
    claims.supervisors.add(user)
    return user


@pytest.fixture
def boss(db):
    return User.objects.create_user(
        "boss", email="boss@example.com", password="pw-boss-123", is_staff=True, is_superuser=True
    )


@pytest.fixture
def budi(billing):
    return AgentFactory(name="Budi Santoso", department=billing)


@pytest.fixture
def answer(django_capture_on_commit_callbacks, budi):
    """Answer a fresh invitation as the customer; after-commit work (signals, tasks) runs."""

    def submit(company: int, agent: int, *, why: str = "Nobody called me back", language: str = "en", **kwargs):
        kwargs.setdefault("interaction__agent", budi)
        kwargs.setdefault("interaction__language", language)
        invitation = InvitationFactory(language=language, **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            response = services.submit_response(
                invitation=invitation, company_score=company, agent_score=agent, why=why, language=language
            )
        return Response.objects.get(pk=response.pk)

    return submit


@pytest.fixture
def mail_server_back(settings):
    def back() -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    return back


# --- Coaching: agents with logins in both departments --------------------------------------------


@pytest.fixture
def budi_user(db):
    return User.objects.create_user("budi", email="budi@example.com", password="pw-budi-123", first_name="Budi")


@pytest.fixture
def budi_with_login(budi, budi_user):
    budi.user = budi_user
    budi.save(update_fields=["user"])
    return budi


@pytest.fixture
def ani(billing):
    """Billing's other agent, with a login: must never see Budi's coaching."""
    user = User.objects.create_user("ani", email="ani@example.com", password="pw-ani-123", first_name="Ani")
    return AgentFactory(name="Ani Wijaya", department=billing, user=user)


@pytest.fixture
def citra(claims):
    return AgentFactory(name="Citra Dewi", department=claims)
