"""TOTP second factor (django-otp): set up with an authenticator app, verify after the
password, recover with single-use backup codes (or `manage.py otp_reset <username>`)."""

import io
from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from privacy import audit

NO_DEVICE_KEY = "_otp_none"  # session: this user had no device when last checked
BACKUP_CODES = 10


def has_device(user: AbstractBaseUser, request: HttpRequest | None = None) -> bool:
    """Whether the user has a confirmed second factor (remembered per session when not)."""
    if request is not None and request.session.get(NO_DEVICE_KEY):
        return False
    found = django_otp.user_has_device(user, confirmed=True)
    if request is not None and not found:
        request.session[NO_DEVICE_KEY] = True
    return found


def pending_device(user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed TOTP device being set up (one per user, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def qr_svg(data: str) -> str:
    """The QR code of `data` as inline SVG markup (no image library needed)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


@transaction.atomic
def confirm(*, user: AbstractBaseUser, device: TOTPDevice, code: str, request: HttpRequest) -> list[str] | None:
    """Confirm the device with a code from the app; return fresh backup codes, or None when wrong."""
    if not device.verify_token(code.strip().replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    codes = new_backup_codes(user)
    django_otp.login(request, device)
    request.session.pop(NO_DEVICE_KEY, None)
    audit.record("user.2fa_enabled", target=user, request=request)
    return codes


def new_backup_codes(user: AbstractBaseUser) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODES new ones (each works once)."""
    static, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes", defaults={"confirmed": True})
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def verify(*, user: AbstractBaseUser, code: str, request: HttpRequest) -> bool:
    """Check a code from the app or a backup code; on success the session is verified."""
    code = code.strip().replace(" ", "")
    if not code:
        return False
    device = django_otp.match_token(user, code)
    if device is None:
        return False
    django_otp.login(request, device)
    if isinstance(device, StaticDevice):
        audit.record("user.2fa_backup_code_used", target=user, request=request)
    return True


@transaction.atomic
def remove(*, user: AbstractBaseUser, by: AbstractBaseUser | None, request: HttpRequest | None = None) -> int:
    """Switch the second factor off for `user` (every device); return how many were removed."""
    removed = sum(model.objects.filter(user=user).delete()[0] for model in (TOTPDevice, StaticDevice))
    audit.record("user.2fa_removed", target=user, actor=by, request=request, details={"devices": removed})
    return removed
