"""Reads about channels for other pages (home page, editor)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ChannelConnection, ConnectionStatus

# Administrators hear about a token that cannot be refreshed this many days before it lapses.
EXPIRY_WARNING_DAYS = (14, 3, 1)
# Tokens that refresh themselves ahead of their end (Threads': a week ahead, see
# connections.REFRESH_MARGINS): only when one is still not renewed this close to its end, its
# refresh keeps failing and a person is told, as for any other expiry.
LAGGING_REFRESH_WARNING = {"threads": timedelta(days=3)}


@dataclass(frozen=True)
class ExpiringConnection:
    connection: ChannelConnection
    days_left: int  # whole days, 0 when less than one is left; negative once lapsed

    @property
    def within_days(self) -> int:
        """ "Lapses within N days": 13.2 days left reads "within 14"."""
        return self.days_left + 1

    @property
    def lapses_at(self) -> datetime:
        return self.connection.lapses_at

    @property
    def lapsed(self) -> bool:
        return self.lapses_at <= timezone.now()


def expiring_connections(*, now: datetime | None = None) -> list[ExpiringConnection]:
    """Connected channels that lapse within the first warning period (or already lapsed) unless
    a person reconnects them: a token that cannot be refreshed, or a refresh token that itself
    expires (LinkedIn's). Soonest first. One query, the channel joined."""
    now = now or timezone.now()
    horizon = now + timedelta(days=max(EXPIRY_WARNING_DAYS))
    cannot_refresh = Q(refresh_token="", expires_at__isnull=False, expires_at__lte=horizon)
    lagging = Q(pk__in=[])
    for provider, days in LAGGING_REFRESH_WARNING.items():
        lagging |= Q(provider=provider, refresh_expires_at__lte=now + days)
    refresh_lapses = (
        ~Q(refresh_token="")
        & Q(refresh_expires_at__isnull=False)
        & (
            (~Q(provider__in=list(LAGGING_REFRESH_WARNING)) & Q(refresh_expires_at__lte=horizon))
            | lagging
        )
    )
    rows = ChannelConnection.objects.filter(
        cannot_refresh | refresh_lapses, status=ConnectionStatus.CONNECTED
    ).select_related("channel")
    found = [ExpiringConnection(row, (row.lapses_at - now).days) for row in rows]
    return sorted(found, key=lambda item: (item.lapses_at, item.connection.pk))


def warning_due(expiring: ExpiringConnection, now: datetime) -> int | None:
    """The warning (14, 3 or 1 days) this token has reached, or None."""
    left = expiring.lapses_at - now
    reached = [days for days in EXPIRY_WARNING_DAYS if left <= timedelta(days=days)]
    return min(reached) if reached else None


def connection_problem(channel, *, now: datetime | None = None) -> str:
    """Why a channel a person connects in the app cannot publish now, or "" (it can, or it
    needs no connection). Callers ``select_related("connection", "credential")``: the pasted
    credential is publishing's row, read here only through its reverse relation."""
    if not channel.connects_in_app:
        return ""
    connection = getattr(channel, "connection", None)
    if connection is None:
        if getattr(channel, "credential", None) is not None:
            return ""  # a pasted token
        return _("non collegato: i post aspettano finché un amministratore lo collega")
    if connection.status == ConnectionStatus.NEEDS_RECONNECT:
        return _("da ricollegare: i post aspettano finché un amministratore lo ricollega")
    now = now or timezone.now()
    if connection.lapses_at and connection.lapses_at <= now:
        return _("accesso scaduto: va ricollegato, i post aspettano")
    return ""
