"""Login lockout: django-axes per account and address, plus a limit per address alone."""

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from .client_ip import client_ip


def failures_from_address(ip_address: str | None) -> int:
    """Failed logins from this address within the cool-off, whatever the usernames."""
    if not ip_address:
        return 0
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    total = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def address_is_blocked(ip_address: str | None) -> bool:
    return failures_from_address(ip_address) >= settings.LOGIN_FAILURES_PER_ADDRESS


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' own check (``[username, address]``), then the spraying check.

    Password spraying tries one or two passwords against many usernames: each account stays
    under its own limit, so the address as a whole has a (higher) limit of its own.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        super().authenticate(request, username=username, password=password, **kwargs)
        if settings.AXES_ENABLED and request is not None and address_is_blocked(client_ip(request)):
            request.axes_locked_out = True
            request.pa_address_locked_out = True
            raise AxesBackendPermissionDenied("Too many failed logins from this address")
        return None
