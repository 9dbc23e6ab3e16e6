"""Helpers for tests that exercise MFA for real: devices and the codes an app would show."""

from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def enrolled_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Autenticatore", confirmed=True)


def recovery_device(user, *codes: str) -> StaticDevice:
    device = StaticDevice.objects.create(user=user, name="Codici di recupero", confirmed=True)
    for code in codes:
        device.token_set.create(token=code)
    return device
