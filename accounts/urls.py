"""Sign-in URLs: login, password reset, the second factor, SSO (mozilla-django-oidc), break-glass."""

from django.urls import include, path

from accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password-reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("account/two-factor/", views.otp_setup, name="otp-setup"),
    path("account/two-factor/verify/", views.otp_verify, name="otp-verify"),
    path("login/break-glass/<str:token>/", views.break_glass_login, name="break-glass"),
    path("oidc/", include("mozilla_django_oidc.urls")),
]
