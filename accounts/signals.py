"""Audit entries for sign-ins, sign-outs and lockouts (privacy.audit)."""

from axes.signals import user_locked_out
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from accounts.middleware import SEEN_KEY
from accounts.two_factor import NO_DEVICE_KEY
from privacy import audit


@receiver(user_logged_in, dispatch_uid="accounts-audit-login")
def audit_login(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:  # a fresh sign-in: forget what the session remembered of the last one
        session.pop(SEEN_KEY, None)
        session.pop(NO_DEVICE_KEY, None)
    backend = (session or {}).get(BACKEND_SESSION_KEY, "")
    via = "sso" if backend.endswith("OidcBackend") else "password"
    if getattr(request, "break_glass", False):
        via = "break-glass"
    audit.record("auth.login", target=user, actor=user, request=request, details={"via": via})


@receiver(user_logged_out, dispatch_uid="accounts-audit-logout")
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        reason = getattr(request, "logout_reason", "")
        details = {"reason": reason} if reason else None
        audit.record("auth.logout", target=user, actor=user, request=request, details=details)


@receiver(user_locked_out, dispatch_uid="accounts-audit-lockout")
def audit_lockout(sender, request, username, ip_address, **kwargs) -> None:
    """Once per lockout: on the failure that reaches the limit (later refusals are not news)."""
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    audit.record(
        "auth.locked_out",
        request=request,
        target_type="auth.user",
        target_repr=username or "",
        details={"failures": request.axes_failures_since_start},
    )
