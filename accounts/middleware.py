"""Session rules on every request: the idle timeout, and the second factor for admins.

The idle timeout writes the session at most once a minute (REFRESH_SECONDS) instead of on
every request (SESSION_SAVE_EVERY_REQUEST): a dashboard page stays a read.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import pgettext

SEEN_KEY = "_last_seen"
REFRESH_SECONDS = 60


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and settings.SESSION_IDLE_MINUTES > 0:
            now = int(time.time())
            seen = request.session.get(SEEN_KEY)
            if seen is not None and now - seen > settings.SESSION_IDLE_MINUTES * 60:
                request.logout_reason = "idle"
                logout(request)
                messages.info(
                    request,
                    pgettext("sign-in", "You were signed out after a while without activity. Please sign in again."),
                )
                return redirect_to_login(request.get_full_path())
            if seen is None or now - seen >= REFRESH_SECONDS:
                request.session[SEEN_KEY] = now
        return self.get_response(request)


def _second_factor_exempt(path: str) -> bool:
    prefixes = [reverse("otp-verify"), reverse("otp-setup"), reverse("logout"), settings.STATIC_URL, "/healthz"]
    return any(path.startswith(prefix) for prefix in prefixes)


class SecondFactorMiddleware:
    """Signed in with a password but not yet with the code: only the code page (or setting
    one up, when OTP_REQUIRED_FOR_ADMINS demands it) and signing out are reachable.

    Sign-ins through SSO rely on the identity provider's own second factor.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified() or _second_factor_exempt(request.path):
            return self.get_response(request)
        if request.session.get(BACKEND_SESSION_KEY, "").endswith("OidcBackend"):
            return self.get_response(request)
        from accounts.two_factor import has_device

        if has_device(user, request):
            return redirect_to_login(request.get_full_path(), login_url=reverse("otp-verify"))
        if settings.OTP_REQUIRED_FOR_ADMINS and (user.is_staff or user.is_superuser):
            messages.info(request, "Admins must set up a second factor before going on.")
            return redirect("otp-setup")
        return self.get_response(request)
