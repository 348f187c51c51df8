"""Single sign-on by OpenID Connect against a fake provider on 127.0.0.1 (real HTTP, RS256
id tokens, JWKS, PKCE): the full authorization-code flow through Django's test client;
users created and updated, roles and departments from the groups claim via GroupMapping."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from accounts.models import GroupMapping
from agents.models import Agent
from privacy.models import ChangeRecord
from tests.accounts.helpers import make_user
from tests.factories import TEST_PASSWORD, AgentFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


def sign_in(client, provider, claims: dict, *, next_url: str = ""):
    """Click "Sign in with …", let the provider redirect back, follow to the end."""
    provider.user = claims
    start = client.get("/oidc/authenticate/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(provider.issuer + "/authorize?")
    query = parse_qs(urlparse(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["openid email profile"]
    back = requests.get(authorize, allow_redirects=False, timeout=5)
    assert back.status_code == 302, back.text
    callback = urlparse(back.headers["Location"])
    assert callback.path == "/oidc/callback/"
    return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture
def billing(db):
    return DepartmentFactory(code="billing", name="Billing")


@pytest.fixture
def claims():
    return {
        "sub": "00u1abc",
        "email": "rina@example.com",
        "email_verified": True,
        "preferred_username": "rina",
        "given_name": "Rina",
        "family_name": "Wijaya",
        "groups": ["nps-supervisors-billing"],
    }


def test_the_login_page_offers_sso_only_when_configured(client, settings):
    assert "Sign in with" not in client.get("/login/").content.decode()
    settings.OIDC_RP_CLIENT_ID = "x"
    settings.OIDC_PROVIDER_NAME = "Okta"
    page = client.get("/login/").content.decode()
    assert 'href="/oidc/authenticate/"' in page
    assert "Sign in with Okta" in page


def test_a_new_user_signs_in_and_gets_the_mapped_department(client, provider, billing, claims):
    mapping = GroupMapping.objects.create(claim_value="nps-supervisors-billing", role="supervisor")
    mapping.departments.add(billing)
    response = sign_in(client, provider, claims)
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="rina")
    assert (user.email, user.first_name, user.last_name, user.is_staff) == ("rina@example.com", "Rina", "Wijaya", False)
    assert not user.has_usable_password()
    assert list(user.supervised_departments.values_list("code", flat=True)) == ["billing"]
    assert provider.requests.count("POST /token") == 1
    assert "GET /jwks" in provider.requests and "GET /userinfo" in provider.requests
    login = ChangeRecord.objects.get(action="auth.login")
    assert (login.actor_name, login.details) == ("rina", {"via": "sso"})
    assert ChangeRecord.objects.filter(action="user.created", target_id=str(user.pk)).exists()


def test_roles_follow_the_groups_at_every_sign_in(client, provider, billing, claims):
    GroupMapping.objects.create(claim_value="nps-admins", role="admin")
    GroupMapping.objects.create(claim_value="nps-supervisors-billing", role="supervisor").departments.add(billing)
    sign_in(client, provider, {**claims, "groups": ["nps-admins", "other"]})
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="rina")
    assert user.is_staff
    assert client.get("/manage/surveys/").status_code == 200
    client.post("/logout/")
    sign_in(client, provider, {**claims, "email": "rina.w@example.com"})  # moved teams, changed address
    user.refresh_from_db()
    assert not user.is_staff
    assert user.email == "rina.w@example.com"
    assert get_user_model().objects.filter(email__startswith="rina").count() == 1  # found by subject
    assert list(user.supervised_departments.values_list("code", flat=True)) == ["billing"]
    assert client.get("/manage/surveys/").status_code == 403
    change = ChangeRecord.objects.filter(action="user.roles_changed").latest("pk")
    assert change.details["before"]["admin"] is True and change.details["after"]["admin"] is False


def test_groups_sent_only_in_the_id_token_count_too(client, provider, billing, claims):
    """Azure AD (Entra ID) sends groups in the id token, not from its userinfo endpoint."""
    GroupMapping.objects.create(claim_value="nps-supervisors-billing", role="supervisor").departments.add(billing)
    provider.groups_in_id_token = True
    assert sign_in(client, provider, claims)["Location"] == "/dashboard/"
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="rina")
    assert list(user.supervised_departments.values_list("code", flat=True)) == ["billing"]


def test_an_agent_group_links_the_agent_with_that_id(client, provider, claims):
    GroupMapping.objects.create(claim_value="agents", role="agent")
    agent = AgentFactory(external_id="rina", name="Rina Wijaya")
    sign_in(client, provider, {**claims, "groups": ["agents"]})
    agent.refresh_from_db()
    assert agent.user.username == "rina"
    assert Agent.objects.filter(user=agent.user).count() == 1


def test_an_existing_local_user_is_found_by_verified_email(client, provider, claims):
    local = make_user("rwijaya", email="rina@example.com")
    sign_in(client, provider, claims)
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(email="rina@example.com").count() == 1
    assert int(client.session["_auth_user_id"]) == local.pk


def test_an_unverified_email_does_not_take_over_a_local_user(client, provider, claims):
    local = make_user("rwijaya", email="rina@example.com")
    sign_in(client, provider, {**claims, "email_verified": False})
    assert int(client.session["_auth_user_id"]) != local.pk


def test_a_token_for_another_client_is_refused(client, provider, claims):
    provider.audience = "some-other-app"
    response = sign_in(client, provider, claims)
    assert response.status_code == 302
    assert response["Location"] == "/login/?sso=failed"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "Single sign-on did not work" in page


def test_a_token_from_another_issuer_is_refused(client, provider, claims):
    provider.issuer_override = "https://evil.example.com"
    response = sign_in(client, provider, claims)
    assert response["Location"] == "/login/?sso=failed"
    assert "_auth_user_id" not in client.session


def test_a_forged_callback_without_the_state_signs_nobody_in(client, provider, claims):
    response = client.get("/oidc/callback/?code=made-up&state=made-up")
    assert response.status_code in (302, 400)
    assert "_auth_user_id" not in client.session


def test_local_passwords_off_leaves_sso_only(client, provider, settings, claims):
    make_user("bob")
    settings.LOCAL_LOGIN_ENABLED = False
    page = client.get("/login/").content.decode()
    assert 'name="password"' not in page
    assert 'href="/oidc/authenticate/"' in page
    refused = client.post("/login/", {"username": "bob", "password": TEST_PASSWORD})
    assert refused.status_code == 403
    assert "_auth_user_id" not in client.session
    assert client.post("/admin/login/", {"username": "bob", "password": TEST_PASSWORD}).status_code == 200
    assert "_auth_user_id" not in client.session
    assert sign_in(client, provider, claims)["Location"] == "/dashboard/"


def test_the_discovery_command_prints_the_settings(provider, capsys):
    from django.core.management import call_command

    call_command("oidc_discover", provider.issuer)
    out = capsys.readouterr().out.splitlines()
    assert f"OIDC_OP_TOKEN_ENDPOINT={provider.issuer}/token" in out
    assert f"OIDC_OP_JWKS_ENDPOINT={provider.issuer}/jwks" in out


@pytest.mark.parametrize("path", ["/oidc/authenticate/", "/oidc/callback/?code=x&state=y"])
def test_without_sso_configured_the_oidc_urls_are_not_found(client, settings, path):
    """Not a redirect to an empty provider address (which looped back to itself)."""
    settings.OIDC_RP_CLIENT_ID = ""
    assert client.get(path).status_code == 404
    client.force_login(make_user("someone"))
    assert client.get(path).status_code == 404
