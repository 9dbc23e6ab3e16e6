"""Multi-factor authentication with django-otp: one TOTP app per person, recovery codes."""

import base64

import segno
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .roles import Role, has_role

TOTP_NAME = "Autenticatore"
RECOVERY_NAME = "Codici di recupero"


def mfa_required_for(user) -> bool:
    """Approvers and administrators must enrol (when MFA_REQUIRED); everyone else may."""
    if not settings.MFA_REQUIRED or not user.is_authenticated:
        return False
    return user.is_superuser or user.is_staff or has_role(user, Role.APPROVER, Role.ADMIN)


def pending_totp_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same one across reloads of the page)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def qr_code_data_uri(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def base32_secret(device: TOTPDevice) -> str:
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def confirm_enrolment(device: TOTPDevice) -> list[str]:
    """Confirm the app, replace any other TOTP device, issue fresh recovery codes."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(device.user)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Single-use codes for a lost phone; the old ones stop working."""
    static, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def has_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
