"""`Authorization: Token <key>` for integrations, checked against ApiToken's stored hash."""

import hashlib

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication, exceptions, permissions

from surveys.models import ApiToken


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: expected 'Token <key>'.")
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header.") from exc
        token = ApiToken.objects.filter(key_hash=hash_api_key(key), active=True).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return (token, token)

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Declares `Authorization: Token <key>` in the OpenAPI schema (and Swagger's Authorize)."""

    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=self.target.keyword)


class ReportsInteractions(permissions.BasePermission):
    """Only integrations (an API token) and admins may report interactions.

    A signed-in agent could otherwise report an interaction of their own with delivery
    "link", receive the survey URL and answer it themselves.
    """

    message = "Reporting interactions needs an API token."

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiToken):
            return True
        user = request.user
        return bool(user is not None and user.is_authenticated and user.is_staff)
