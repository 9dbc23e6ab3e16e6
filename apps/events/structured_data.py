"""schema.org ``Event`` JSON-LD for the public event pages, so search engines can show the
Comune's events (Google's event rich results read these properties).

A data block, not a script: the CSP (``script-src 'self'``) governs what runs, and browsers
never run ``application/ld+json``. The JSON is escaped so no text can close the element.
"""

import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from .ical import public_url
from .models import Event, EventStatus
from .selectors import Occurrence

STATUS = {
    EventStatus.CONFIRMED: "https://schema.org/EventScheduled",
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
    EventStatus.POSTPONED: "https://schema.org/EventPostponed",
}
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _when(event: Event, starts_at, ends_at) -> dict:
    if event.all_day:
        first = timezone.localtime(starts_at).date()
        last = timezone.localtime(ends_at - timedelta(days=1)).date()
        return {"startDate": first.isoformat(), "endDate": max(first, last).isoformat()}
    return {
        "startDate": timezone.localtime(starts_at).isoformat(),
        "endDate": timezone.localtime(ends_at).isoformat(),
    }


def event_data(event: Event, upcoming: list[Occurrence] = ()) -> dict:
    """The event as schema.org describes one; a series by its next date (with the others
    as ``subEvent``), since a search result shows dated events."""
    occurrences = list(upcoming) or [Occurrence(event, event.starts_at, event.ends_at)]
    first, *rest = occurrences
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "url": public_url(event),
        **_when(event, first.starts_at, first.ends_at),
        "eventStatus": STATUS[event.status],
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": {
            "@type": "Place",
            "name": event.location_name or settings.COMUNE_NAME,
            "address": event.address or event.location_name or settings.COMUNE_NAME,
        },
        "organizer": {
            "@type": "Organization",
            "name": event.organiser or settings.COMUNE_NAME,
            "url": event.link or settings.SITE_URL,
        },
    }
    if event.description:
        data["description"] = event.description
    if event.image:
        url = event.image.url
        data["image"] = [url if url.startswith("http") else settings.SITE_URL + url]
    if rest:
        data["subEvent"] = [
            {"@type": "Event", "name": event.title, **_when(event, o.starts_at, o.ends_at)}
            for o in rest
        ]
    return data


def event_json_ld(event: Event, upcoming: list[Occurrence] = ()) -> SafeString:
    text = json.dumps(event_data(event, upcoming), ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(_ESCAPES))  # noqa: S308 - escaped just above
