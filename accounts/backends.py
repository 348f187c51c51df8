"""Authentication backends: the lockout check (django-axes) and local passwords that an
operator can switch off (LOCAL_LOGIN_ENABLED=false) when everyone signs in through SSO."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a sign-in for a locked-out username, even with the right password.

    A call without a request is not a sign-in over the web (the shell, the test client's
    login()): there is no form to lock, so it is left to the other backends.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kw):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kw)


class LocalPasswordBackend(ModelBackend):
    """Username and password from our own user table, unless local sign-in is switched off.

    Switched off, no password is accepted anywhere (the sign-in page, the Django admin's);
    sessions already open and the break-glass link keep working (get_user is unchanged).
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kw):
        if not settings.LOCAL_LOGIN_ENABLED:
            return None
        return super().authenticate(request, username=username, password=password, **kw)
