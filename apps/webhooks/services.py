"""Outgoing event webhooks: registering one, collecting events from the audit log into one
delivery per (webhook, event), sending each signed, with retries, and disabling a webhook that
keeps failing.

Events are read from the audit log (every action is already recorded there) after a stored
cursor, so the action that caused one never waits for a receiver, and a tick run twice builds
nothing twice (``WebhookDelivery`` is unique per webhook and event key).
"""

import json
import logging
import random
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.mail import administrators
from apps.audit.models import AuditEntry
from apps.audit.services import record
from apps.channels.addresses import AddressRefused, check_public, normalise_instance
from apps.crisis.models import Blackout
from apps.notifications.enums import Kind
from apps.notifications.services import notify
from apps.publishing.adapters._http import client_for, scrub, send
from apps.publishing.adapters.base import AdapterError
from apps.publishing.adapters.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from . import payloads
from .enums import EVENT_OF_ACTION, DeliveryState, EventType
from .models import Webhook, WebhookCursor, WebhookDelivery

logger = logging.getLogger(__name__)

EVENT_HEADER = "X-PA-Planner-Event"
# A claimed delivery is not claimed again before this, so a worker that dies mid-send leaves
# it to the next tick after it (the send itself times out well before).
CLAIM_LEASE = timedelta(seconds=60)
# Audit entries younger than this are left to the next tick: a transaction still open may
# commit an entry with a lower id meanwhile.
SETTLE = timedelta(seconds=1)
COLLECT_BATCH = 500
DUE_BATCH = 200
# Receivers answer quickly or not at all: a slow one must not hold a worker.
HTTP_CONFIG = {"connect_timeout": 5, "read_timeout": 10}


class WebhookError(Exception):
    """Refused input; the message is for the administrator who typed it."""


# --- Registering ------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """An absolute https URL (http only outside production, for local receivers), without
    credentials in it. Its addresses are checked at every send (the pinned transport)."""
    url = (url or "").strip()
    if "://" not in url:
        raise WebhookError(_("Scrivi l'indirizzo completo, es. https://sito.example/webhook."))
    if settings.PRODUCTION_MODE and not url.lower().startswith("https://"):
        raise WebhookError(_("L'indirizzo deve usare https."))
    try:
        normalise_instance(url)
        check_public(url)
    except AddressRefused as exc:
        raise WebhookError(str(exc)) from None
    return url


def _cursor() -> WebhookCursor:
    cursor, _created = WebhookCursor.objects.get_or_create(
        singleton=True,
        defaults={
            "last_audit_id": AuditEntry.objects.aggregate(m=Max("id"))["m"] or 0,
            "blackouts_seen_until": timezone.now(),
        },
    )
    return cursor


def _skip_backlog_when_idle() -> None:
    """With no active webhook the collector reads nothing; the first one to be (re)activated
    starts the cursor from now, instead of from wherever it stopped."""
    _cursor()
    if not Webhook.objects.filter(active=True).exists():
        WebhookCursor.objects.filter(singleton=True).update(
            last_audit_id=AuditEntry.objects.aggregate(m=Max("id"))["m"] or 0,
            blackouts_seen_until=timezone.now(),
        )


def create_webhook(*, by, name: str, url: str, events: list[str]) -> tuple[Webhook, str]:
    """A new webhook and its secret (shown once to whoever created it)."""
    url = check_url(url)
    events = [e for e in EventType.values if e in set(events)]
    if not events:
        raise WebhookError(_("Scegli almeno un evento."))
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        _skip_backlog_when_idle()
        webhook = Webhook.objects.create(
            name=name.strip()[:100],
            url=url,
            secret=secret,
            events=events,
            created_by=by,
            since_audit_id=AuditEntry.objects.aggregate(m=Max("id"))["m"] or 0,
        )
        record(
            action="webhook.created",
            actor=by,
            obj=webhook,
            summary=lambda: (
                _("Webhook verso %(url)s per: %(events)s")
                % {"url": url, "events": ", ".join(events)}
            ),
        )
    return webhook, secret


def set_active(webhook: Webhook, *, active: bool, by) -> None:
    fields = {"active": active}
    if active:
        fields.update(consecutive_failures=0, disabled_at=None, disabled_reason="")
    else:
        fields.update(disabled_at=timezone.now(), disabled_reason=_("Disattivato a mano."))
    with transaction.atomic():
        if active:
            _skip_backlog_when_idle()
        Webhook.objects.filter(pk=webhook.pk).update(**fields)
        record(
            action="webhook.enabled" if active else "webhook.disabled",
            actor=by,
            obj=webhook,
        )


def delete_webhook(webhook: Webhook, *, by) -> None:
    with transaction.atomic():
        record(action="webhook.deleted", actor=by, obj=webhook, summary=webhook.url)
        webhook.delete()


def resend(delivery: WebhookDelivery, *, by) -> None:
    """The delivery again, at once, with a fresh series of attempts."""
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryState.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        record(
            action="webhook.resent",
            actor=by,
            obj=delivery.webhook,
            summary=lambda: _("Evento %(event)s inviato di nuovo") % {"event": delivery.event},
        )


# --- Collecting -------------------------------------------------------------------------------


def _envelope(uid, event: str, occurred_at, data: dict) -> dict:
    return {"id": str(uid), "event": event, "occurred_at": occurred_at.isoformat(), "data": data}


def _build(found: list[tuple[str, str, object, int, dict]], webhooks: list[Webhook]) -> int:
    """One delivery per (webhook that wants it, event); ``found`` is (key, event, occurred_at,
    audit id or None, data). Existing pairs are left as they are."""
    now = timezone.now()
    rows = []
    for key, event, occurred_at, audit_id, data in found:
        for webhook in webhooks:
            if event not in webhook.events:
                continue
            if (audit_id is None and occurred_at >= webhook.created_at) or (
                audit_id is not None and audit_id > webhook.since_audit_id
            ):
                delivery = WebhookDelivery(
                    webhook=webhook, event_key=key, event=event, next_attempt_at=now
                )
                delivery.payload = _envelope(delivery.uid, event, occurred_at, data)
                rows.append(delivery)
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


BLACKOUT_ACTIONS = frozenset({"blackout.created", "blackout.updated"})


def _blackout_started(blackout: Blackout, audit_id: int | None) -> tuple:
    # One key per blackout and start: seen by the clock and by its creation, it is built once.
    key = f"blackout:{blackout.pk}:{blackout.starts_at:%Y%m%dT%H%M%S}"
    data = payloads.blackout_data(blackout)
    return (key, EventType.BLACKOUT_STARTED, blackout.starts_at, audit_id, data)


def collect_events(now=None) -> int:
    """Reads the audit log after the cursor (and the blackouts started since the last read)
    and builds the deliveries. Safe to run twice at once: the cursor row is locked."""
    now = now or timezone.now()
    if not Webhook.objects.filter(active=True).exists():
        return 0  # idle installations write nothing (see _skip_backlog_when_idle)
    with transaction.atomic():
        _cursor()
        cursor = WebhookCursor.objects.select_for_update().get(singleton=True)
        webhooks = list(Webhook.objects.filter(active=True))
        entries = list(
            AuditEntry.objects.filter(id__gt=cursor.last_audit_id, at__lte=now - SETTLE)
            .order_by("id")
            .only("id", "at", "action", "object_id", "post_id", "summary")[:COLLECT_BATCH]
        )
        found = []
        wanted = {e for w in webhooks for e in w.events}
        for entry in entries:
            event = EVENT_OF_ACTION.get(entry.action)
            if event is not None and event in wanted:
                data = payloads.data_for(entry, event)
                found.append((f"audit:{entry.pk}", event, entry.at, entry.pk, data))
            elif entry.action in BLACKOUT_ACTIONS and EventType.BLACKOUT_STARTED in wanted:
                # Created (or moved) with a start already past: it starts now.
                blackout = Blackout.objects.filter(
                    pk=entry.object_id if entry.object_id.isdigit() else None,
                    starts_at__lte=entry.at,
                    ends_at__gt=entry.at,
                ).first()
                if blackout is not None:
                    found.append(_blackout_started(blackout, entry.pk))
        since = cursor.blackouts_seen_until or now
        if EventType.BLACKOUT_STARTED in wanted:
            for blackout in Blackout.objects.filter(starts_at__gt=since, starts_at__lte=now):
                found.append(_blackout_started(blackout, None))
        built = _build(found, webhooks) if webhooks else 0
        if entries:
            cursor.last_audit_id = entries[-1].pk
        cursor.blackouts_seen_until = now
        cursor.save(update_fields=["last_audit_id", "blackouts_seen_until"])
    return built


def due_ids(now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryState.PENDING, next_attempt_at__lte=now, webhook__active=True
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:DUE_BATCH]
    )


# --- Sending ----------------------------------------------------------------------------------


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter: base, 2×base, 4×base… up to the maximum."""
    base = settings.WEBHOOKS_RETRY_BASE_SECONDS
    delay = min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOKS_RETRY_MAX_SECONDS)
    return delay * random.uniform(0.9, 1.1)  # noqa: S311 - jitter, not security


def _claim(pk: int) -> WebhookDelivery | None:
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=pk, status=DeliveryState.PENDING, next_attempt_at__lte=now, webhook__active=True
    ).update(next_attempt_at=now + CLAIM_LEASE, attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("webhook").get(pk=pk)


def signed_request(delivery: WebhookDelivery) -> tuple[bytes, dict]:
    """The body and headers of one attempt: the envelope with ``sent_at``, signed like the
    webhook channel (HMAC-SHA256 of the raw body with the secret, and the timestamp)."""
    timestamp = str(int(time.time()))
    body = json.dumps(
        {**delivery.payload, "sent_at": timestamp}, ensure_ascii=False, separators=(",", ":")
    ).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign(delivery.webhook.secret, body),
        TIMESTAMP_HEADER: timestamp,
        EVENT_HEADER: delivery.event,
        "Idempotency-Key": str(delivery.uid),
    }
    return body, headers


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """(HTTP status, error) of one attempt; status None when no answer came."""
    body, headers = signed_request(delivery)
    secret = delivery.webhook.secret
    try:
        with client_for(HTTP_CONFIG, base_url="", pinned=True) as client:
            response = send(
                client,
                "POST",
                delivery.webhook.url,
                secret=secret,
                kind="webhook",
                content=body,
                headers=headers,
            )
    except AdapterError as exc:
        return None, scrub(str(exc), secret)
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, scrub(f"HTTP {response.status_code}", secret)


def send_delivery(pk: int) -> str:
    """One attempt of a due delivery (nothing when another worker took it or it is not due)."""
    delivery = _claim(pk)
    if delivery is None:
        return "skipped"
    status, error = _post(delivery)
    now = timezone.now()
    webhook = delivery.webhook
    if not error:
        WebhookDelivery.objects.filter(pk=pk).update(
            status=DeliveryState.SENT, sent_at=now, last_status=status, last_error=""
        )
        Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=0)
        return "sent"
    fields = {"last_status": status, "last_error": error[:300]}
    if delivery.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS:
        fields["status"] = DeliveryState.FAILED
        outcome = "failed"
    else:
        fields["next_attempt_at"] = now + timedelta(seconds=retry_delay(delivery.attempts))
        outcome = "retry"
    WebhookDelivery.objects.filter(pk=pk).update(**fields)
    Webhook.objects.filter(pk=webhook.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    logger.info("webhook %s: delivery %s %s (%s)", webhook.pk, pk, outcome, error)
    _disable_if_failing(webhook.pk)
    return outcome


def _disable_if_failing(webhook_pk: int) -> None:
    limit = settings.WEBHOOKS_DISABLE_AFTER
    reason = _("Disattivato dopo %(n)s tentativi falliti di fila.") % {"n": limit}
    with transaction.atomic():
        disabled = Webhook.objects.filter(
            pk=webhook_pk, active=True, consecutive_failures__gte=limit
        ).update(active=False, disabled_at=timezone.now(), disabled_reason=reason)
        if not disabled:
            return
        webhook = Webhook.objects.get(pk=webhook_pk)
        record(action="webhook.auto_disabled", obj=webhook, summary=reason)
        transaction.on_commit(lambda: _tell_administrators(webhook, limit))


def _tell_administrators(webhook: Webhook, failures: int) -> None:
    try:
        notify(
            administrators(),
            Kind.WEBHOOK_DISABLED,
            params={"name": webhook.name, "n": failures},
            url=reverse("webhooks:detail", args=[webhook.pk]),
        )
    except Exception:  # the webhook is disabled all the same; the page says so
        logger.exception("Webhook %s disabled; administrators not notified", webhook.pk)


def purge_old(now=None) -> int:
    """Settled deliveries older than ``WEBHOOKS_KEEP_DAYS`` are deleted (pending ones stay)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.WEBHOOKS_KEEP_DAYS)
    deleted, _by_model = WebhookDelivery.objects.filter(
        status__in=[DeliveryState.SENT, DeliveryState.FAILED], created_at__lt=cutoff
    ).delete()
    return deleted
