from datetime import timedelta

from django.utils import timezone

from apps.events.models import EventCategory
from tests.factories import EventFactory
from tests.permissions import NOT_FOUND, Access, public, staff


def _event(cast, **kwargs):
    kwargs.setdefault("starts_at", timezone.now() + timedelta(days=3))
    kwargs.setdefault("created_by", cast["editor"])
    return {"pk": EventFactory(**kwargs).pk}


def _draft(cast):
    return _event(cast, published=False)


def _retired(cast):
    EventCategory.objects.update_or_create(
        slug="vecchia", defaults={"name": "Vecchia", "retired": True}
    )
    return {"slug": "vecchia"}


def nowhere(url_name: str, **kwargs) -> Access:
    """Answers 404 to everyone, logged in or not (drafts, unknown feeds)."""
    return Access(
        url_name,
        anonymous=NOT_FOUND,
        outsider=NOT_FOUND,
        editor=NOT_FOUND,
        other_editor=NOT_FOUND,
        approver=NOT_FOUND,
        admin=NOT_FOUND,
        **kwargs,
    )


def _event_form(cast, kwargs):
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    return {
        "title": "Concerto di Natale",
        "category": EventCategory.objects.get(slug="cultura").pk,
        "start_date": day,
        "start_time": "21:00",
        "end_time": "23:00",
        "published": "on",
    }


ROWS = [
    public("events:public_list"),
    public("events:public_list", query="?dal=2026-02-31&al=ieri&categoria=nessuna", label=" bad"),
    public("events:public_detail", make_kwargs=_event),
    # A draft: staff see a preview, anyone else gets 404 (not 403: nothing to reveal).
    Access(
        "events:public_detail",
        make_kwargs=_draft,
        anonymous=NOT_FOUND,
        outsider=NOT_FOUND,
        label=" draft",
    ),
    public("events:event_ics", make_kwargs=_event),
    nowhere("events:event_ics", make_kwargs=_draft, label=" draft"),
    public("events:subscribe"),
    public("events:feed"),
    public("events:category_feed", make_kwargs=lambda cast: {"slug": "cultura"}),
    nowhere("events:category_feed", make_kwargs=lambda cast: {"slug": "ignota"}, label=" unknown"),
    nowhere("events:category_feed", make_kwargs=_retired, label=" retired"),
    staff("events:manage_list"),
    staff("events:manage_create"),
    staff("events:manage_create", method="POST", data=_event_form),
    staff("events:manage_edit", make_kwargs=_event),
    staff("events:manage_edit", method="POST", make_kwargs=_event, data=_event_form),
    staff("events:manage_cancel", make_kwargs=_event),
    staff("events:manage_cancel", method="POST", make_kwargs=_event),
    staff("events:manage_postpone", make_kwargs=_event),
    staff("events:manage_postpone", method="POST", make_kwargs=_event),
    staff(
        "events:manage_confirm",
        method="POST",
        make_kwargs=lambda cast: _event(cast, status="postponed"),
    ),
]
