"""Model rows as the API's JSON: plain functions over what the selectors preloaded."""

from django.urls import get_urlconf, reverse
from django.utils import timezone

from apps.crisis.models import Blackout
from apps.events.models import Event
from apps.planning.models import ContentCategory, Post
from apps.slots.models import Slot

from .schemas import absolute

_PLACEHOLDER = 987654321987
_url_templates: dict = {}


def _detail_url(name: str, pk: int) -> str:
    """``absolute(reverse(name, args=[pk]))``, reversed once per URL name: ``reverse`` per row
    was the largest cost of a list of 200 events."""
    key = (name, get_urlconf())
    if key not in _url_templates:
        _url_templates[key] = absolute(reverse(name, args=[_PLACEHOLDER]))
    return _url_templates[key].replace(str(_PLACEHOLDER), str(pk))


def _local(value):
    """Times in Italian wall time with their offset (what the office reads), or None."""
    return timezone.localtime(value) if value is not None else None


def category_ref(category: ContentCategory) -> dict:
    return {"id": category.pk, "slug": category.slug, "name": category.name}


def channel_ref(channel) -> dict:
    return {"id": channel.pk, "name": channel.name, "kind": channel.kind}


def category(category: ContentCategory) -> dict:
    return {
        **category_ref(category),
        "description": category.description,
        "colour": category.colour,
        "target_share": category.target_share,
        "active": category.active,
    }


def _delivery(variant) -> dict | None:
    try:
        delivery = variant.delivery
    except variant._meta.get_field("delivery").related_model.DoesNotExist:
        return None
    return {
        "state": delivery.state,
        "due_at": _local(delivery.due_at),
        "sent_at": _local(delivery.sent_at),
        "attempts": delivery.attempts,
        "public_url": delivery.external_url,
    }


def post(post: Post) -> dict:
    return {
        "id": post.pk,
        "title": post.title,
        "status": post.status,
        "status_label": str(post.get_status_display()),
        "version": post.version,
        "category": category_ref(post.category),
        "planned_at": _local(post.planned_at),
        "base_text": post.base_text,
        "link": post.link,
        "event_id": post.event_id,
        "notes": post.notes,
        "author": post.author.get_full_name() or post.author.get_username(),
        "is_crisis_communication": post.is_crisis_communication,
        "is_indispensable": post.is_indispensable,
        "indispensable_reason": post.indispensable_reason,
        "variants": [
            {
                "id": v.pk,
                "channel": channel_ref(v.channel),
                "text": v.text,
                "delivery": _delivery(v),
            }
            for v in post.variants.all()
        ],
        "created_at": _local(post.created_at),
        "updated_at": _local(post.updated_at),
        "url": _detail_url("planning:post_detail", post.pk),
    }


def slot(slot: Slot) -> dict:
    return {
        "id": slot.pk,
        "name": slot.name,
        "rrule": slot.rrule,
        "time": slot.time.strftime("%H:%M"),
        "category": category_ref(slot.category),
        "channels": [channel_ref(c) for c in slot.channels.all()],
        "brief": slot.brief,
        "start_date": slot.start_date,
        "end_date": slot.end_date,
        "active": slot.active,
    }


def occurrence(occurrence) -> dict:
    if occurrence.is_filled:
        state = "filled"
    elif occurrence.skip is not None:
        state = "skipped"
    else:
        state = "open"
    return {
        "slot_id": occurrence.slot.pk,
        "slot_name": occurrence.slot.name,
        "at": _local(occurrence.at),
        "state": state,
        "post_id": occurrence.post.pk if occurrence.is_filled else None,
        "skip_reason": occurrence.skip.reason if occurrence.skip is not None else "",
    }


def event(event: Event) -> dict:
    return {
        "id": event.pk,
        "uid": str(event.uid),
        "title": event.title,
        "description": event.description,
        "all_day": event.all_day,
        "starts_at": _local(event.starts_at),
        "ends_at": _local(event.ends_at),
        "location_name": event.location_name,
        "address": event.address,
        "category": {
            "id": event.category.pk,
            "slug": event.category.slug,
            "name": event.category.name,
        },
        "organiser": event.organiser,
        "link": event.link,
        "status": event.status,
        "published": event.published,
        "rrule": event.rrule,
        "repeat_until": event.repeat_until,
        "sequence": event.sequence,
        "updated_at": _local(event.updated_at),
        "url": _detail_url("events:public_detail", event.pk),
    }


def crisis(crisis) -> dict:
    if crisis is None:
        return {
            "active": False,
            "reason": "",
            "all_channels": False,
            "channels": [],
            "declared_at": None,
        }
    return {
        "active": True,
        "reason": crisis.reason,
        "all_channels": crisis.all_channels,
        "channels": [channel_ref(c) for c in crisis.channels.all()],
        "declared_at": _local(crisis.declared_at),
    }


def blackout(blackout: Blackout) -> dict:
    return {
        "id": blackout.pk,
        "kind": blackout.kind,
        "reason": blackout.reason,
        "starts_at": _local(blackout.starts_at),
        "ends_at": _local(blackout.ends_at),
        "all_channels": blackout.all_channels,
        "channels": [channel_ref(c) for c in blackout.channels.all()],
        "allowed_categories": [category_ref(c) for c in blackout.allowed_categories.all()],
    }
