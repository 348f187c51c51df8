"""API calls made with an API token skip the middleware made for signed-in people.

An integration calls /api/v1/ with `Authorization: Token <key>`: no session cookie, no
sign-in, no CSRF cookie. For a view whose first authentication is the API token
(surveys/authentication.py), such a header decides alone: the token is good, or the answer
is 401; the session is never consulted. Loading the session, the lazy user and the second
factor, the messages, the idle sign-out, the CSRF view check (DRF views are CSRF-exempt
anyway) and the sign-in lockouts cost a fifth of a single POST /api/v1/interactions/.

This middleware sits below the request log, SecurityMiddleware, WhiteNoise and the public
survey path. For those requests it runs the view inside the middleware that shapes the
answer, the same classes as in settings.MIDDLEWARE and in the same order (language, common,
X-Frame-Options, Content-Security-Policy, private caching), so the response carries the
same headers as through the whole chain (tests/test_api_token_path.py compares them).
Everything else, and a token request to a view that is not token-first, goes through the
whole chain.
"""

from collections.abc import Callable

from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.locale import LocaleMiddleware
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from nps_project.csp import ContentSecurityPolicyMiddleware
from nps_project.request_log import PrivateCacheMiddleware

PREFIX = "/api/v1/"
# Outermost first, as in settings.MIDDLEWARE.
KEPT = (
    LocaleMiddleware,
    CommonMiddleware,
    XFrameOptionsMiddleware,
    ContentSecurityPolicyMiddleware,
    PrivateCacheMiddleware,
)


def token_first(view: Callable) -> bool:
    """A DRF view whose first authentication is the API token's."""
    from surveys.authentication import ApiTokenAuthentication  # loads models: not at import time

    cls = getattr(view, "cls", None)
    classes = getattr(cls, "authentication_classes", None) or ()
    return bool(classes) and classes[0] is ApiTokenAuthentication


def _call_view(request: HttpRequest) -> HttpResponse:
    """What Django's handler does between the middleware and the view, for a DRF view
    (no view middleware applies: the skipped CSRF check is the only one, and DRF views are
    exempt from it)."""
    match = request.resolver_match
    response = match.func(request, *match.args, **match.kwargs)
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    return response


class TokenApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        handler = convert_exception_to_response(_call_view)
        for middleware in reversed(KEPT):
            handler = convert_exception_to_response(middleware(handler))
        self.token_handler = handler

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX) or not _has_token_header(request):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if not token_first(match.func):
            return self.get_response(request)
        request.resolver_match = match
        response = self.token_handler(request)
        # What SessionMiddleware adds through the whole chain (the idle check reads the session).
        patch_vary_headers(response, ("Cookie",))
        return response


def _has_token_header(request: HttpRequest) -> bool:
    return request.META.get("HTTP_AUTHORIZATION", "")[:6].lower() == "token "
