"""The break-glass sign-in: a signed, single-use link for a superuser, made on the server
(`manage.py breakglass_login <username>`), for when SSO is down or local passwords are off.

Single use: the signature covers the user's last sign-in time, which signing in changes.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.urls import reverse

SALT = "accounts.break-glass"
MAX_AGE_SECONDS = 15 * 60


def _stamp(user: AbstractBaseUser) -> str:
    return user.last_login.isoformat() if user.last_login else ""


def make_link(user: AbstractBaseUser) -> str:
    if not (user.is_superuser and user.is_active):
        raise ValueError("Only an active superuser gets a break-glass link.")
    token = signing.dumps({"u": user.pk, "l": _stamp(user)}, salt=SALT)
    return settings.PUBLIC_BASE_URL + reverse("break-glass", args=[token])


def user_for(token: str) -> AbstractBaseUser | None:
    """The superuser the link is for, or None when it is forged, expired or used."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    user = get_user_model().objects.filter(pk=data.get("u"), is_superuser=True, is_active=True).first()
    if user is None or _stamp(user) != data.get("l"):
        return None
    return user
