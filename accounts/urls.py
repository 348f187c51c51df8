"""Sign-in URLs: login, password reset, the second factor, SSO (mozilla-django-oidc), break-glass."""

from functools import wraps

from django.http import Http404
from django.urls import path
from mozilla_django_oidc import urls as oidc_urls

from accounts import views
from accounts.oidc import sso_enabled


def _only_with_sso(view):
    """mozilla-django-oidc's views, answering 404 while single sign-on is not configured
    (with no provider endpoint, /oidc/authenticate/ would redirect to itself forever)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        return view(request, *args, **kwargs)

    return wrapped


urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password-reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("account/two-factor/", views.otp_setup, name="otp-setup"),
    path("account/two-factor/verify/", views.otp_verify, name="otp-verify"),
    path("login/break-glass/<str:token>/", views.break_glass_login, name="break-glass"),
    *(
        path(f"oidc/{pattern.pattern}", _only_with_sso(pattern.callback), name=pattern.name)
        for pattern in oidc_urls.urlpatterns
    ),
]
