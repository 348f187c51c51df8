"""Locked sign-ins (django-axes, configured in settings): when a username is locked, until
when, the page that says so, and an admin's unlock.

Axes keeps one AccessAttempt row per username, address and browser with the failures
since the first; a username is locked once its rows add up to AXES_FAILURE_LIMIT, until
AXES_COOLOFF_TIME after its last failure (failures during the lockout do not extend it).
"""

from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from privacy import audit


def client_ip(request: HttpRequest) -> str:
    """The address axes records: REMOTE_ADDR, as for the audit log (the proxy sets it)."""
    return request.META.get("REMOTE_ADDR") or ""


def _attempts(username: str):
    return AccessAttempt.objects.filter(username=username)


def locked_until(username: str) -> datetime | None:
    """When `username` may sign in again, or None when it is not locked."""
    if not username:
        return None
    cutoff = timezone.now() - settings.AXES_COOLOFF_TIME
    found = (
        _attempts(username)
        .filter(attempt_time__gt=cutoff)
        .aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    )
    if not found["n"] or found["n"] < settings.AXES_FAILURE_LIMIT:
        return None
    return found["last"] + settings.AXES_COOLOFF_TIME


def locked_usernames() -> dict[str, datetime]:
    """Every username locked right now, with when it opens again."""
    cutoff = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(attempt_time__gt=cutoff)
        .values("username")
        .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(n__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"]: row["last"] + settings.AXES_COOLOFF_TIME for row in rows}


def unlock(*, username: str, by: AbstractBaseUser | None, request: HttpRequest | None = None) -> int:
    """Forget the failed attempts of `username` (it may sign in at once); return rows removed."""
    if not username:
        raise ValueError("Which username to unlock?")
    until = locked_until(username)
    removed = AxesProxyHandler.reset_attempts(username=username)
    audit.record(
        "user.unlocked",
        actor=by,
        request=request,
        target_type="auth.user",
        target_repr=username,
        details={"was_locked_until": until.isoformat() if until else None, "attempts_removed": removed},
    )
    return removed


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The sign-in page saying the username is locked, why, and until when (HTTP 429)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    until = locked_until(username) or timezone.now() + settings.AXES_COOLOFF_TIME
    seconds = max(1, int((until - timezone.now()).total_seconds()))
    context = {
        "username": username,
        "until": until,
        "minutes": (seconds + 59) // 60,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "window_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    response = render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(seconds)
    return response
