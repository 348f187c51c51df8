"""Sign-in pages: the login form (local passwords and/or SSO), password reset by email,
the second factor (set up, verify) and the break-glass link for the superuser."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import break_glass, two_factor
from accounts.oidc import sso_enabled
from privacy import audit


def _login_context(request: HttpRequest) -> dict:
    return {
        "local_login_enabled": settings.LOCAL_LOGIN_ENABLED,
        "sso_enabled": sso_enabled(),
        "sso_name": settings.OIDC_PROVIDER_NAME,
        "sso_failed": request.GET.get("sso") == "failed",
    }


class LoginView(auth_views.LoginView):
    """Django's login view; with LOCAL_LOGIN_ENABLED=false it only offers single sign-on."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not settings.LOCAL_LOGIN_ENABLED:
            response = render(request, "registration/login.html", _login_context(request), status=403)
            return response
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_login_context(self.request)}


def _local_passwords_only(view):
    """Password reset exists only while local passwords do."""

    def guarded(request, *args, **kwargs):
        if not settings.LOCAL_LOGIN_ENABLED:
            raise Http404("Passwords are managed by the single sign-on provider.")
        return view(request, *args, **kwargs)

    return guarded


class PasswordResetView(auth_views.PasswordResetView):
    """Sends the link to every active account with that email, and says the same either way."""

    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"

    def get_extra_email_context(self) -> dict:
        return {"base_url": settings.PUBLIC_BASE_URL, "minutes": settings.PASSWORD_RESET_TIMEOUT // 60}

    def form_valid(self, form):
        self.extra_email_context = self.get_extra_email_context()
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        from accounts import lockout

        # A new password ends a lockout: the person proved they own the mailbox.
        if lockout.locked_until(user.get_username()):
            lockout.unlock(username=user.get_username(), by=user, request=self.request)
        audit.record("user.password_reset", target=user, actor=user, request=self.request)
        return response


password_reset = _local_passwords_only(PasswordResetView.as_view())
password_reset_done = _local_passwords_only(auth_views.PasswordResetDoneView.as_view())
password_reset_confirm = _local_passwords_only(PasswordResetConfirmView.as_view())
password_reset_complete = _local_passwords_only(auth_views.PasswordResetCompleteView.as_view())


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The code from the authenticator app (or a backup code), after the password."""
    if request.user.is_verified() or not two_factor.has_device(request.user, request):
        return redirect(_next_url(request))
    error, status = "", 200
    if request.method == "POST":
        if two_factor.verify(user=request.user, code=request.POST.get("code", ""), request=request):
            return redirect(_next_url(request))
        error, status = "That code is not right. Use the current code from the app, or a backup code.", 400
    context = {"error": error, "next": _next_url(request)}
    return render(request, "accounts/otp_verify.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Set up (or replace, or switch off) the second factor of one's own account."""
    user = request.user
    has = two_factor.has_device(user)
    if has and not user.is_verified():
        return redirect("otp-verify")
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "remove" and has:
        if settings.OTP_REQUIRED_FOR_ADMINS and user.is_staff:
            raise PermissionDenied("Admins must keep a second factor on this server.")
        two_factor.remove(user=user, by=user, request=request)
        messages.success(request, "The second factor is off. Sign-in asks only for your password.")
        return redirect("otp-setup")
    if action == "codes" and has:
        codes = two_factor.new_backup_codes(user)
        audit.record("user.2fa_backup_codes_renewed", target=user, request=request)
        return render(request, "accounts/otp_codes.html", {"codes": codes})
    device = two_factor.pending_device(user)
    error, status = "", 200
    if action == "confirm":
        codes = two_factor.confirm(user=user, device=device, code=request.POST.get("code", ""), request=request)
        if codes is not None:
            return render(request, "accounts/otp_codes.html", {"codes": codes, "new": True})
        error, status = "That code is not right. Enter the 6 digits the app shows now.", 400
    context = {
        "has_device": has,
        "secret": two_factor.secret_of(device),
        "uri": device.config_url,
        "qr": two_factor.qr_svg(device.config_url),
        "error": error,
        "required": settings.OTP_REQUIRED_FOR_ADMINS and user.is_staff,
    }
    return render(request, "accounts/otp_setup.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def break_glass_login(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time sign-in link for a superuser from `manage.py breakglass_login` (works
    when local passwords are off or SSO is down). GET shows a button; POST signs in."""
    user = break_glass.user_for(token)
    if user is None:
        return render(request, "accounts/break_glass.html", {"invalid": True}, status=400)
    if request.method == "POST":
        request.break_glass = True
        auth_login(request, user, backend="accounts.backends.LocalPasswordBackend")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/break_glass.html", {"account": user})
