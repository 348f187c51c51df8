"""`Authorization: Token <key>` for integrations, checked against ApiToken's stored hash.

Every request looks its token up in the database (nothing is cached: a token revoked in
/manage/tokens/ or the admin fails from the very next request, on every process). On
PostgreSQL that is one plain SQL statement that also reads the survey configuration's stamp
(surveys/survey_config.py), so the ingest knows without another round trip whether the
rules and versions its process keeps are still current: the ORM spent longer composing
this one-row query than PostgreSQL answering it.
"""

import functools
import hashlib

from django.db import connection
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication, exceptions, permissions

from surveys.models import ApiToken


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


TOKEN_FIELDS = [f.attname for f in ApiToken._meta.concrete_fields]


@functools.cache
def _lookup_sql(vendor: str) -> str:
    """The token's columns and the survey configuration's stamp, in one statement."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in ApiToken._meta.concrete_fields)
    stamp = "(SELECT stamp FROM surveys_config_stamp WHERE id = 1)"
    # Table and columns come from the model; the hash is a parameter.
    return f"SELECT {columns}, {stamp} FROM {quote(ApiToken._meta.db_table)} WHERE key_hash = %s AND active"  # noqa: S608


def find_active_token(key_hash: str) -> ApiToken | None:
    """The active token with this hash, its `config_stamp` set to the survey configuration's
    stamp as read in the same statement (None where there is no stamp: SQLite)."""
    if connection.vendor != "postgresql":
        token = ApiToken.objects.filter(key_hash=key_hash, active=True).first()
        if token is not None:
            token.config_stamp = None
        return token
    with connection.cursor() as cursor:
        cursor.execute(_lookup_sql(connection.vendor), [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    token = ApiToken.from_db(connection.alias, TOKEN_FIELDS, row[:-1])
    token.config_stamp = row[-1]
    return token


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
        token = find_active_token(hash_api_key(key))
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
