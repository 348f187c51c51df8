"""The customer's survey page and thank-you page skip the middleware made for signed-in users.

Every customer makes these requests, with no session, no login and no CSRF cookie (the
link's token authorises the answer; surveys/views_public.py checks the origin). Sessions,
authentication, the second factor, messages, idle sign-out, sign-in lockouts and private
caching have nothing to do there, yet walking them cost about a third of a page's CPU.
This middleware sits below the request log, SecurityMiddleware and WhiteNoise and calls
those two views directly, doing for them what the skipped middleware would have done:
the language from the request (LocaleMiddleware) and X-Frame-Options
(XFrameOptionsMiddleware); the views set their own Content-Security-Policy, and are
exempt from CSRF. Every other path goes through the whole chain.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

PREFIX = "/s/"
VIEWS = frozenset({"survey-page", "survey-thanks"})


class PublicSurveyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if match.url_name not in VIEWS:
            return self.get_response(request)
        request.resolver_match = match
        language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = match.func(request, *match.args, **match.kwargs)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        if response.get("X-Frame-Options") is None:
            response["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
        if not response.streaming and "Content-Length" not in response:
            response["Content-Length"] = str(len(response.content))
        return response
