"""What /healthz and the staff banner report: is anything able to publish right now?

Reachability (the database, the Celery broker) is not enough: "health says OK, posts stay
queued" happens when beat or the workers are down. So publishing is healthy only when

- beat has ticked within 3 dispatch intervals, at least 15 s (its heartbeat,
  apps/publishing/heartbeat.py);
- a worker for each kind of queue (scheduling, sends) has been seen within a minute;
- no delivery allowed to go out has been due for longer than a threshold (2 minutes):
  catches workers that are up but stuck, and bursts that do not drain.

``watch()`` also opens and closes incidents and emails administrators once per incident.
Thresholds are settings (``HEALTH_BEAT_STALE_SECONDS``, ``HEALTH_WORKER_STALE_SECONDS``,
``HEALTH_OVERDUE_SECONDS``) or the environment variables of the same name prefixed
``PA_PLANNER_``.
"""

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.mail import administrators, email_people
from apps.core.models import Heartbeat, PublishingIncident
from apps.crisis.gate import sending_blocked_reason
from pa_planner import celery

from .enums import DISPATCHABLE_POST_STATES
from .enums import DeliveryState as D
from .heartbeat import BEAT_NAME
from .models import Delivery

logger = logging.getLogger(__name__)

WORKER_QUEUE_KINDS = ("scheduling", "sends")
OVERDUE_CANDIDATES = 10  # the oldest overdue rows looked at past the crisis gate


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}"
    return None


def check_broker() -> str | None:
    try:
        with celery.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            # Opening a channel proves the broker answers, not only that a socket opened.
            conn.default_channel  # noqa: B018
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


# --- Is publishing moving? ------------------------------------------------------------------


def _seconds(name: str, default: float) -> float:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(f"PA_PLANNER_{name}", default)
    return float(value)


def beat_stale_seconds() -> float:
    """Three dispatch intervals, and never less than 15 s: at one tick a second, a heartbeat
    write waiting a few seconds on a busy SQLite file must not look like a dead beat."""
    return _seconds(
        "HEALTH_BEAT_STALE_SECONDS", max(3 * settings.PUBLISHING_DISPATCH_INTERVAL, 15.0)
    )


def worker_stale_seconds() -> float:
    return _seconds("HEALTH_WORKER_STALE_SECONDS", 60.0)


def overdue_seconds() -> float:
    return _seconds("HEALTH_OVERDUE_SECONDS", 120.0)


@dataclass(frozen=True)
class Problem:
    key: str  # "beat", "workers" or "deliveries": the /healthz field it sets
    detail: str  # for /healthz (operators, English like the other errors)
    text: str  # for people: the email and the banner (Italian, plain words)
    since: datetime | None  # when things stopped, when known


@dataclass
class PublishingHealth:
    checked_at: datetime
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, key: str) -> Problem | None:
        return next((p for p in self.problems if p.key == key), None)

    @property
    def stalled_since(self) -> datetime | None:
        known = [p.since for p in self.problems if p.since is not None]
        return min(known) if known else None

    @property
    def service_down(self) -> bool:
        """Beat or the workers are gone (not only a backlog)."""
        return any(p.key in ("beat", "workers") for p in self.problems)


def _ago(since: datetime, now: datetime) -> int:
    return max(int((now - since).total_seconds()), 0)


def _check_beat(now: datetime) -> Problem | None:
    limit = beat_stale_seconds()
    beat = Heartbeat.objects.filter(name=BEAT_NAME).first()
    if beat is None:
        return Problem(
            "beat",
            "beat has never ticked",
            _("Il pianificatore (celery beat) non è mai stato avviato."),
            None,
        )
    if beat.seen_at >= now - timedelta(seconds=limit):
        return None
    age = _ago(beat.seen_at, now)
    return Problem(
        "beat",
        f"beat last ticked {age} s ago (limit {limit:g} s)",
        _("Il pianificatore (celery beat) non dà segni di vita dalle %(time)s.")
        % {"time": timezone.localtime(beat.seen_at).strftime("%H:%M:%S")},
        beat.seen_at,
    )


def _check_workers(now: datetime) -> Problem | None:
    limit = worker_stale_seconds()
    last_seen: dict[str, datetime] = {}
    for queues, seen_at in Heartbeat.objects.filter(role="worker").values_list("queues", "seen_at"):
        for kind in queues.split(","):
            if kind and (kind not in last_seen or seen_at > last_seen[kind]):
                last_seen[kind] = seen_at
    cutoff = now - timedelta(seconds=limit)
    missing = [kind for kind in WORKER_QUEUE_KINDS if last_seen.get(kind, cutoff) <= cutoff]
    if not missing:
        return None
    seen = [last_seen[kind] for kind in missing if kind in last_seen]
    since = min(seen) if len(seen) == len(missing) else None
    return Problem(
        "workers",
        f"no worker for queue(s) {', '.join(missing)} seen in the last {limit:g} s",
        _("Nessun esecutore (celery worker) attivo per: %(queues)s.")
        % {"queues": ", ".join(missing)},
        since,
    )


def _check_overdue(now: datetime) -> Problem | None:
    """The oldest delivery that should have gone out by now, past the threshold.

    Rows held by the crisis gate (an open crisis, a blackout) or backing off before a retry are
    waiting on purpose; they are not a stall.
    """
    limit = overdue_seconds()
    cutoff = now - timedelta(seconds=limit)
    candidates = (
        Delivery.objects.filter(
            state__in=(D.WAITING, D.QUEUED),
            due_at__lte=cutoff,
            variant__post__status__in=DISPATCHABLE_POST_STATES,
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=cutoff))
        .select_related("variant__post", "variant__channel")
        .order_by("due_at", "id")[:OVERDUE_CANDIDATES]
    )
    for delivery in candidates:
        if sending_blocked_reason(delivery.variant, at=now):
            continue
        due = max(delivery.due_at, delivery.next_attempt_at or delivery.due_at)
        return Problem(
            "deliveries",
            f"delivery {delivery.pk} has been due for {_ago(due, now)} s (limit {limit:g} s)",
            _("Un post doveva partire alle %(time)s e non è ancora stato inviato.")
            % {"time": timezone.localtime(due).strftime("%H:%M")},
            due,
        )
    return None


def publishing_health(*, now: datetime | None = None) -> PublishingHealth:
    now = now or timezone.now()
    report = PublishingHealth(checked_at=now)
    for check in (_check_beat, _check_workers, _check_overdue):
        problem = check(now)
        if problem is not None:
            report.problems.append(problem)
    return report


# --- Incidents: administrators hear once ----------------------------------------------------


def watch(*, now: datetime | None = None) -> PublishingHealth:
    """Checks publishing; opens an incident (and emails administrators, once) when it stalls,
    closes it when it moves again. Safe to run from several processes at once."""
    report = publishing_health(now=now)
    now = report.checked_at
    if report.ok:
        PublishingIncident.objects.filter(open_marker="open").update(open_marker=None, ended_at=now)
        return report
    if PublishingIncident.objects.filter(open_marker="open").exists():
        return report
    summary = "\n".join(p.text for p in report.problems)
    try:
        with transaction.atomic():
            incident = PublishingIncident.objects.create(
                started_at=report.stalled_since or now, summary=summary, open_marker="open"
            )
    except IntegrityError:  # another process opened it a moment ago: it sends the email
        return report
    _email_administrators(incident, report)
    return report


def _email_administrators(incident, report: PublishingHealth) -> None:
    sent = email_people(
        administrators(),
        subject=lambda: _("PA Planner: le pubblicazioni sono ferme"),
        template="publishing/email/stalled.txt",
        context={
            "report": report,
            "banner": lambda: banner_text(report),
            "status_url": settings.SITE_URL + "/healthz",
        },
    )
    if not sent:
        logger.error("Publishing stalled and no administrator could be emailed")
        return
    type(incident).objects.filter(pk=incident.pk).update(notified_at=timezone.now())


# --- The staff banner -----------------------------------------------------------------------


def banner_text(report: PublishingHealth, *, now: datetime | None = None) -> str:
    """One sentence in plain Italian: how long publishing has been stopped, and why."""
    now = now or timezone.now()
    since = report.stalled_since
    if report.service_down:
        if since is None:
            return _("Le pubblicazioni sono ferme: il servizio di invio non è in funzione.")
        minutes = max(_ago(since, now) // 60, 1)
        return ngettext(
            "Le pubblicazioni sono ferme da %(minutes)d minuto: il servizio di invio non risponde.",
            "Le pubblicazioni sono ferme da %(minutes)d minuti: il servizio di invio non risponde.",
            minutes,
        ) % {"minutes": minutes}
    minutes = max(_ago(since or now, now) // 60, 1)
    return ngettext(
        "Le pubblicazioni sono in ritardo di %(minutes)d minuto: "
        "il servizio di invio non riesce a smaltire i post programmati.",
        "Le pubblicazioni sono in ritardo di %(minutes)d minuti: "
        "il servizio di invio non riesce a smaltire i post programmati.",
        minutes,
    ) % {"minutes": minutes}
