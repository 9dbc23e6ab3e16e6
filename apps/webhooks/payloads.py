"""What a webhook is told: the ``data`` of each event, read from the objects an audit entry
names (their state when the event is collected). Only what the Comune would publish anyway:
titles, times, public addresses; never notes, secrets or people's addresses."""

from apps.audit.models import AuditEntry
from apps.crisis.models import Blackout, Crisis
from apps.events.models import Event
from apps.planning.models import Post
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery

from .enums import EventType


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _post(post_id) -> dict:
    post = Post.objects.filter(pk=post_id).only("pk", "title", "status", "planned_at").first()
    if post is None:
        return {"id": post_id}
    return {
        "id": post.pk,
        "title": post.title,
        "status": post.status,
        "planned_at": _iso(post.planned_at),
    }


def _public_urls(post_id) -> list[dict]:
    rows = (
        Delivery.objects.filter(variant__post_id=post_id, state=DeliveryState.SENT)
        .select_related("variant__channel")
        .order_by("variant__channel__name", "pk")
    )
    return [
        {
            "channel": d.variant.channel.name,
            "kind": d.variant.channel.kind,
            "url": d.external_url,
            "sent_at": _iso(d.sent_at),
        }
        for d in rows
    ]


def _delivery(entry: AuditEntry) -> dict:
    delivery = (
        Delivery.objects.filter(pk=entry.object_id if entry.object_id.isdigit() else None)
        .select_related("variant__channel")
        .first()
    )
    data = {"error": entry.summary}
    if delivery is not None:
        data["delivery"] = {
            "id": delivery.pk,
            "channel": delivery.variant.channel.name,
            "kind": delivery.variant.channel.kind,
            "attempts": delivery.attempts,
        }
        data["post"] = _post(delivery.variant.post_id)
    elif entry.post_id:
        data["post"] = _post(entry.post_id)
    return data


def _crisis(entry: AuditEntry) -> dict:
    crisis = Crisis.objects.filter(pk=entry.object_id if entry.object_id.isdigit() else None)
    crisis = crisis.first()
    if crisis is None:
        return {"summary": entry.summary}
    return {
        "crisis": {
            "id": crisis.pk,
            "declared_at": _iso(crisis.declared_at),
            "ended_at": _iso(crisis.ended_at),
            "all_channels": crisis.all_channels,
        }
    }


def event_data(event: Event) -> dict:
    return {
        "event": {
            "uid": str(event.uid),
            "title": event.title,
            "starts_at": _iso(event.starts_at),
            "ends_at": _iso(event.ends_at),
            "all_day": event.all_day,
            "location_name": event.location_name,
            "status": event.status,
            "link": event.link,
        }
    }


def _event(entry: AuditEntry) -> dict:
    event = Event.objects.filter(pk=entry.object_id if entry.object_id.isdigit() else None).first()
    return event_data(event) if event is not None else {"summary": entry.summary}


def data_for(entry: AuditEntry, event: EventType) -> dict:
    """The ``data`` of the event ``entry`` records."""
    if event == EventType.POST_APPROVED:
        return {"post": _post(entry.post_id)}
    if event == EventType.POST_PUBLISHED:
        return {"post": _post(entry.post_id), "public_urls": _public_urls(entry.post_id)}
    if event == EventType.DELIVERY_FAILED:
        return _delivery(entry)
    if event in (EventType.CRISIS_DECLARED, EventType.CRISIS_ENDED):
        return _crisis(entry)
    return _event(entry)


def blackout_data(blackout: Blackout) -> dict:
    return {
        "blackout": {
            "id": blackout.pk,
            "kind": blackout.kind,
            "reason": blackout.reason,
            "starts_at": _iso(blackout.starts_at),
            "ends_at": _iso(blackout.ends_at),
            "all_channels": blackout.all_channels,
        }
    }
