"""Single sign-on by OpenID Connect (mozilla-django-oidc), off unless OIDC_RP_CLIENT_ID is set.

One set of settings serves Azure AD (Entra ID), Okta, Google and Keycloak: the provider's
endpoints (from its discovery document; `manage.py oidc_discover <issuer>` prints them),
client id and secret, scopes, RS256 with the provider's JWKS. The id token must come from
OIDC_OP_ISSUER (when set) for our client id. A user is found by the subject claim they
had before, then by email; new users are created. Roles and departments follow the groups
claim (OIDC_GROUPS_CLAIM) through the GroupMapping table on every sign-in.
"""

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.db.models import Q
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.models import GroupMapping
from agents.models import Agent, Department
from privacy import audit

SUBJECT_PREFIX = "oidc:"
logger = logging.getLogger(__name__)


def sso_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


def groups_of(claims: dict[str, Any]) -> list[str]:
    """The groups claim as a list of strings (providers send a list, some a single string)."""
    value = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(value, str):
        value = [value]
    return [str(group) for group in value if isinstance(group, str | int)]


class GroupMappingOidcBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        """The user, or None (the callback then sends them to the login page saying SSO failed).

        A token that does not verify or a provider that does not answer is a failed sign-in,
        never a 500: it is logged and recorded in the audit log with the reason.
        """
        if not sso_enabled() or request is None:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError, ValueError, KeyError) as error:
            logger.warning("SSO sign-in failed: %s", error)
            audit.record("auth.sso_failed", request=request, details={"reason": str(error)[:200]})
            return None

    def verify_token(self, token: str, **kwargs) -> dict:
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The id token was issued for another client.")
        issuer = settings.OIDC_OP_ISSUER
        if issuer and payload.get("iss", "").rstrip("/") != issuer.rstrip("/"):
            raise SuspiciousOperation("The id token comes from another issuer.")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict) -> dict:
        """The userinfo answer on top of the verified id token's claims: Azure AD puts the
        groups only in the id token, Okta and Keycloak can put them in either."""
        info = super().get_userinfo(access_token, id_token, payload)
        if info.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo answer is about another subject than the id token.")
        claims = {key: value for key, value in payload.items() if key not in ("aud", "exp", "iat", "nonce", "at_hash")}
        return {**claims, **info}

    def verify_claims(self, claims: dict) -> bool:
        return bool(claims.get("sub")) and bool(claims.get("email") or claims.get(settings.OIDC_USERNAME_CLAIM))

    def filter_users_by_claims(self, claims: dict):
        users = get_user_model().objects.filter(sso_identity__subject=_subject(claims))
        if users.exists():
            return users
        email = claims.get("email") or ""
        if not email or claims.get("email_verified") is False:
            return users
        return get_user_model().objects.filter(email__iexact=email, sso_identity__isnull=True)

    @transaction.atomic
    def create_user(self, claims: dict) -> AbstractBaseUser:
        users = get_user_model()
        base = (claims.get(settings.OIDC_USERNAME_CLAIM) or claims.get("email") or claims["sub"])[:140]
        username, n = base, 1
        while users.objects.filter(username__iexact=username).exists():
            n += 1
            username = f"{base}-{n}"
        user = users.objects.create_user(username=username, email=claims.get("email", ""))
        user.set_unusable_password()
        user.save(update_fields=["password"])
        audit.record("user.created", target=user, actor=user, request=self.request, details={"via": "sso"})
        return self.update_user(user, claims)

    @transaction.atomic
    def update_user(self, user: AbstractBaseUser, claims: dict) -> AbstractBaseUser:
        from accounts.models import SsoIdentity

        SsoIdentity.objects.update_or_create(user=user, defaults={"subject": _subject(claims)})
        user.first_name = (claims.get("given_name") or user.first_name)[:150]
        user.last_name = (claims.get("family_name") or user.last_name)[:150]
        if claims.get("email"):
            user.email = claims["email"][:254]
        before = roles_snapshot(user)
        apply_group_mappings(user, groups_of(claims))
        after = roles_snapshot(user)
        if before != after:
            audit.record(
                "user.roles_changed",
                target=user,
                actor=user,
                request=self.request,
                details={"via": "sso", "groups": groups_of(claims)[:50], "before": before, "after": after},
            )
        return user


def _subject(claims: dict) -> str:
    issuer = settings.OIDC_OP_ISSUER or settings.OIDC_OP_TOKEN_ENDPOINT
    return f"{SUBJECT_PREFIX}{issuer}|{claims['sub']}"[:255]


def roles_snapshot(user: AbstractBaseUser) -> dict:
    return {
        "admin": bool(user.is_staff),
        "departments": sorted(user.supervised_departments.values_list("code", flat=True)),
        "agent": Agent.objects.filter(user=user).values_list("external_id", flat=True).first(),
    }


def apply_group_mappings(user: AbstractBaseUser, groups: list[str]) -> None:
    """Make the user's roles exactly what the mappings of their groups grant.

    A superuser keeps admin whatever the provider says (the break-glass account).
    """
    mappings = list(GroupMapping.objects.filter(claim_value__in=groups).prefetch_related("departments"))
    roles = {mapping.role for mapping in mappings}
    user.is_staff = GroupMapping.Role.ADMIN in roles or user.is_superuser
    user.save()
    departments = {d.pk for m in mappings if m.role == GroupMapping.Role.SUPERVISOR for d in m.departments.all()}
    user.supervised_departments.set(Department.objects.filter(pk__in=departments))
    if GroupMapping.Role.AGENT in roles:
        _link_agent(user)
    else:
        Agent.objects.filter(user=user).update(user=None)


def _link_agent(user: AbstractBaseUser) -> None:
    """An agent signs in as the Agent whose external id is their username or email."""
    if Agent.objects.filter(user=user).exists():
        return
    names = [name for name in (user.get_username(), user.email) if name]
    agent = Agent.objects.filter(user__isnull=True).filter(Q(external_id__in=names)).first()
    if agent is not None:
        Agent.objects.filter(pk=agent.pk).update(user=user)
