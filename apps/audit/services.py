from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import models
from django.utils import translation

from .models import AuditEntry

# Set for the length of a request that acts through an access token (``acting_via``): every
# entry written meanwhile, by whichever service, says so. A context variable, not a parameter
# of every service: the services stay the same for the web pages and the API.
_via: ContextVar[str] = ContextVar("audit_via", default="")


# An audit summary: text, or a callable that builds it. The register is the Comune's, so
# translated words in it are in the site's language (``settings.LANGUAGE_CODE``), not in the
# language of whoever acts: callers pass ``lambda: _("...") % {...}`` (or a lazy string) and
# ``entry_for`` evaluates it under the site's language.
Summary = str | Callable[[], str]


def in_site_language(summary: Summary) -> str:
    """The summary's text in ``settings.LANGUAGE_CODE``, whatever language is active."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(summary() if callable(summary) else summary)


@contextmanager
def acting_via(label: str) -> Iterator[None]:
    """Entries recorded inside this block carry ``label`` (e.g. "API: sito del Comune")."""
    token = _via.set(label[:200])
    try:
        yield
    finally:
        _via.reset(token)


def entry_for(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    post_id: int | None = None,
    summary: Summary = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """One audit entry, not saved yet (:func:`record` saves one, :func:`record_many` a batch)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    entry = AuditEntry(
        action=action,
        actor=actor,
        summary=in_site_language(summary),
        before=before,
        after=after,
        post_id=post_id,
        via=_via.get(),
    )
    if obj is not None:
        entry.object_type = obj._meta.label_lower
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:300]
        if post_id is None and obj._meta.label_lower == "planning.post":
            entry.post_id = obj.pk
    return entry


def record(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    post_id: int | None = None,
    summary: Summary = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one audit entry; every service that changes something calls this."""
    entry = entry_for(
        action=action,
        actor=actor,
        obj=obj,
        post_id=post_id,
        summary=summary,
        before=before,
        after=after,
    )
    entry.save()
    return entry


def record_many(entries: list[AuditEntry]) -> None:
    """Append a batch of entries (from :func:`entry_for`) in one INSERT."""
    AuditEntry.objects.bulk_create(entries)
