"""Writes of the notification centre: ``notify`` (one row per person, and the email each person
chose), the emails that wait (quiet hours, daily digest), marking read, preferences.

Domain apps call :func:`notify` where they used to call ``email_people``: they still decide
*who* hears about *what* and may pass the email they always sent; this module decides *how*
each person hears about it.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.mail import email_people
from apps.audit.services import record

from .enums import DEFAULT_DELIVERY, Delivery, Kind, notification_text
from .models import Notification, NotificationSettings, is_site_path
from .selectors import unread_cache_key

logger = logging.getLogger(__name__)

# The daily digest leaves at this local hour (or at the end of the reader's quiet hours).
DIGEST_HOUR = 8
# One run of the due emails reads at most this many rows (one email per person); the rest go
# on the next run, a minute later.
EMAIL_BATCH = 5000


@dataclass(frozen=True)
class Email:
    """The email a caller has always sent for this event: used for whoever wants it at once.
    Whoever gets it later (quiet hours, digest) gets the notification's line and link."""

    subject: Callable[[], str]
    template: str = ""
    context: dict | None = None
    body: Callable[[], str] | None = None


# --- When an email may leave ------------------------------------------------------------------


def quiet_hours_end(prefs: NotificationSettings | None, at: datetime) -> datetime | None:
    """The end of the quiet hours ``at`` falls in (local time), or None when it is outside them
    or the person has none. Quiet hours may wrap midnight (22:00 → 07:00)."""
    if prefs is None or prefs.quiet_from is None or prefs.quiet_until is None:
        return None
    start, end = prefs.quiet_from, prefs.quiet_until
    if start == end:
        return None
    local = timezone.localtime(at)
    now = local.time()
    day = local.date()
    if start < end:
        if not start <= now < end:
            return None
    elif now >= start:
        day += timedelta(days=1)
    elif now >= end:
        return None
    return timezone.make_aware(datetime.combine(day, end))


def next_digest_at(prefs: NotificationSettings | None, at: datetime) -> datetime:
    """The next daily digest after ``at``: DIGEST_HOUR local, later if quiet hours cover it."""
    local = timezone.localtime(at)
    due = timezone.make_aware(datetime.combine(local.date(), time(DIGEST_HOUR)))
    if due <= at:
        due = timezone.make_aware(
            datetime.combine(local.date() + timedelta(days=1), time(DIGEST_HOUR))
        )
    return quiet_hours_end(prefs, due) or due


def delivery_for(prefs: NotificationSettings | None, kind: str) -> str:
    choice = (prefs.choices or {}).get(kind) if prefs is not None else None
    return choice if choice in Delivery.values else DEFAULT_DELIVERY


# --- notify ---------------------------------------------------------------------------------


def notify(
    people: Iterable[User],
    kind: Kind,
    *,
    params: dict | None = None,
    url: str = "",
    email: Email | None = None,
    now: datetime | None = None,
) -> int:
    """One notification for each active person among ``people``, and the email each chose for
    ``kind``: at once (``email`` if given, else the notification's line and link), deferred to
    the end of their quiet hours, in tomorrow's digest, or none. ``params`` render the line in
    the reader's language (``enums.notification_text``); ``url`` is a path on this site.
    Returns how many addresses took an email now."""
    now = now or timezone.now()
    params = dict(params or {})
    if url and not is_site_path(url):
        raise ValueError("A notification links to a path on this site")
    pks = (
        people.values_list("pk", flat=True)
        if hasattr(people, "values_list")
        else [p.pk for p in people]
    )
    users = list(User.objects.filter(pk__in=pks, is_active=True).order_by("pk"))
    if not users:
        return 0
    prefs = {
        p.user_id: p for p in NotificationSettings.objects.filter(user__in=[u.pk for u in users])
    }
    rows, at_once = [], []
    for user in users:
        due = _email_due(prefs.get(user.pk), kind, now) if user.email else None
        immediate = due is not None and due <= now
        if immediate:
            at_once.append(user)
        rows.append(
            Notification(
                user=user,
                kind=kind,
                params=params,
                url=url,
                email_due_at=due,
                # Claimed here: the beat task never sends it a second time.
                emailed_at=now if immediate else None,
            )
        )
    Notification.objects.bulk_create(rows)
    _forget_unread([u.pk for u in users])
    if not at_once:
        return 0
    if email is None:
        email = _plain_email(kind, params, url)
    return email_people(
        at_once,
        subject=email.subject,
        template=email.template,
        context=email.context,
        body=email.body,
    )


def _email_due(prefs, kind: str, now: datetime) -> datetime | None:
    delivery = delivery_for(prefs, kind)
    if delivery == Delivery.IN_APP:
        return None
    if delivery == Delivery.DIGEST:
        return next_digest_at(prefs, now)
    return quiet_hours_end(prefs, now) or now


def _plain_email(kind: str, params: dict, url: str) -> Email:
    def body() -> str:
        text = notification_text(kind, params)
        if url:
            text += "\n\n" + _("Apri: %(url)s") % {"url": settings.SITE_URL + url}
        return text + "\n"

    return Email(subject=lambda: notification_text(kind, params), body=body)


# --- Emails that waited: quiet hours and the daily digest ------------------------------------


def send_due_emails(*, now: datetime | None = None) -> int:
    """One email per person with the notifications whose email is due (their quiet hours
    ended, or their digest time came). Safe to run twice at once: the rows are claimed by one
    conditional UPDATE (``emailed_at IS NULL``) stamped with this run's instant before anything
    is sent, so a row is one run's. A refused send is tried again on the next run.
    Returns how many emails left."""
    now = now or timezone.now()
    # One read of the partial index of due rows (not of each person's whole history).
    ids = list(
        Notification.objects.filter(email_due_at__lte=now, emailed_at__isnull=True)
        .order_by()
        .values_list("pk", flat=True)[:EMAIL_BATCH]
    )
    if not ids:
        return 0
    stamp = timezone.now()
    with transaction.atomic():
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=stamp)
    by_user: dict[int, list[Notification]] = {}
    claimed = (
        Notification.objects.filter(pk__in=ids, emailed_at=stamp)
        .select_related("user")
        .order_by("user_id", "created_at", "id")
    )
    for row in claimed:
        by_user.setdefault(row.user_id, []).append(row)
    sent = 0
    for rows in by_user.values():
        if _send_digest(rows, stamp=stamp):
            sent += 1
    return sent


def _send_digest(rows: list[Notification], *, stamp: datetime) -> bool:
    """One email to one person with these claimed rows; un-claims them if it is refused."""
    user = rows[0].user
    count = len(rows)
    accepted = email_people(
        [user],
        subject=lambda: (
            ngettext("PA Planner: %(n)s notifica", "PA Planner: %(n)s notifiche", count)
            % {"n": count}
        ),
        template="notifications/email/digest.txt",
        context={"rows": rows, "site_url": settings.SITE_URL, "user": user},
    )
    if accepted:
        return True
    if user.is_active and user.email:  # the mail server refused: the next run tries again
        Notification.objects.filter(pk__in=[r.pk for r in rows], emailed_at=stamp).update(
            emailed_at=None
        )
    return False


# --- Reading ----------------------------------------------------------------------------------


def mark_read(*, user, notification_id: int, now: datetime | None = None) -> bool:
    """Marks one of ``user``'s notifications read; False when it is not theirs or was read."""
    changed = Notification.objects.filter(
        pk=notification_id, user=user, read_at__isnull=True
    ).update(read_at=now or timezone.now())
    _forget_unread([user.pk])
    return bool(changed)


def mark_all_read(*, user, now: datetime | None = None) -> int:
    changed = Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
    _forget_unread([user.pk])
    return changed


def _forget_unread(user_ids: list[int]) -> None:
    """The header's cached counts of these people are stale (see selectors.unread_count)."""
    cache.delete_many([unread_cache_key(pk) for pk in user_ids])


# --- Preferences --------------------------------------------------------------------------------


def save_preferences(
    *, user, choices: dict[str, str], quiet_from: time | None, quiet_until: time | None
) -> NotificationSettings:
    """Stores how ``user`` hears about each kind and their quiet hours (both or neither)."""
    clean = {
        kind: value
        for kind, value in choices.items()
        if kind in Kind.values and value in Delivery.values
    }
    if (quiet_from is None) != (quiet_until is None):
        raise ValueError("quiet hours need both ends")
    with transaction.atomic():
        prefs, _created = NotificationSettings.objects.select_for_update().get_or_create(user=user)
        before = {"choices": prefs.choices, "quiet": _quiet_label(prefs)}
        prefs.choices = clean
        prefs.quiet_from, prefs.quiet_until = quiet_from, quiet_until
        prefs.save(update_fields=["choices", "quiet_from", "quiet_until"])
        record(
            action="notifications.preferences_changed",
            actor=user,
            obj=prefs,
            summary=lambda: _("Preferenze di notifica aggiornate."),
            before=before,
            after={"choices": clean, "quiet": _quiet_label(prefs)},
        )
    return prefs


def _quiet_label(prefs: NotificationSettings) -> str:
    if prefs.quiet_from is None or prefs.quiet_until is None:
        return ""
    return f"{prefs.quiet_from:%H:%M}-{prefs.quiet_until:%H:%M}"
