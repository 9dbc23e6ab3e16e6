"""The one state machine of a post. Nothing else assigns ``Post.status``.

Rules about *who* may trigger a transition (roles, separation of duties) live in
the services that call it; this module knows which moves exist and makes each
one atomically, with its audit entry.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.audit.services import Summary, entry_for, in_site_language, record, record_many

from .enums import PostStatus as S
from .models import Post

ALLOWED: dict[S, frozenset[S]] = {
    S.DRAFT: frozenset({S.IN_REVIEW, S.CANCELLED}),
    S.IN_REVIEW: frozenset({S.APPROVED, S.CHANGES_REQUESTED, S.DRAFT, S.CANCELLED}),
    S.CHANGES_REQUESTED: frozenset({S.DRAFT, S.IN_REVIEW, S.CANCELLED}),
    S.APPROVED: frozenset(
        {S.PUBLISHED, S.PARTLY_FAILED, S.FAILED, S.PAUSED, S.IN_REVIEW, S.DRAFT, S.CANCELLED}
    ),
    S.PAUSED: frozenset({S.APPROVED, S.IN_REVIEW, S.CANCELLED}),
    S.PARTLY_FAILED: frozenset({S.PUBLISHED, S.FAILED, S.APPROVED}),
    S.FAILED: frozenset({S.PUBLISHED, S.PARTLY_FAILED, S.APPROVED, S.CANCELLED}),
    S.PUBLISHED: frozenset(),
    S.CANCELLED: frozenset(),
}


class TransitionError(Exception):
    """An illegal or stale transition; the message is shown to the user."""


def can_transition(current: str, target: str) -> bool:
    return S(target) in ALLOWED[S(current)]


def transition(
    post: Post,
    target: str,
    *,
    by=None,
    action: str | None = None,
    note: Summary = "",
    expected_version: int | None = None,
    extra_fields: dict | None = None,
    on_commit: Callable[[], None] | None = None,
) -> Post:
    """Move ``post`` to ``target`` or raise :class:`TransitionError`, changing nothing.

    The move is a conditional UPDATE on the status read by the caller, so two
    concurrent requests (a double click, a worker and a person) cannot both win.
    ``expected_version`` refuses a move on content someone else changed meanwhile.
    ``extra_fields`` are saved in the same UPDATE (e.g. approved_by).
    """
    target = S(target)
    current = S(post.status)
    if current == target:
        return post
    if target not in ALLOWED[current]:
        raise TransitionError(
            _("Impossibile passare da «%(from)s» a «%(to)s».")
            % {"from": current.label, "to": target.label}
        )
    fields = {"status": target, "updated_at": timezone.now(), **(extra_fields or {})}
    with transaction.atomic():
        rows = Post.objects.filter(pk=post.pk, status=current)
        if expected_version is not None:
            rows = rows.filter(version=expected_version)
        if rows.update(**fields) != 1:
            raise TransitionError(
                _("Il post è stato modificato nel frattempo: ricarica la pagina e riprova.")
            )
        for name, value in fields.items():
            setattr(post, name, value)
        record(
            action=action or f"post.{target.value}",
            actor=by,
            obj=post,
            summary=note,
            before={"status": current.value},
            after={"status": target.value},
        )
        if on_commit is not None:
            transaction.on_commit(on_commit)
    return post


def transition_many(posts: Iterable[Post], target: str, *, note: Summary = "") -> list[Post]:
    """:func:`transition` to one ``target`` for several posts, by nobody (the posts following
    a batch of sends): one conditional UPDATE per status they leave, one INSERT of the audit
    entries. Raises :class:`TransitionError`, changing nothing, when a move is not in the
    table or a post's status is not the one read (the caller then moves each on its own)."""
    target = S(target)
    moving = [post for post in posts if S(post.status) != target]
    by_status: dict[S, list[Post]] = defaultdict(list)
    for post in moving:
        if target not in ALLOWED[S(post.status)]:
            raise TransitionError(f"Post {post.pk}: {post.status} -> {target} is not allowed")
        by_status[S(post.status)].append(post)
    fields = {"status": target, "updated_at": timezone.now()}
    summary = in_site_language(note)
    entries = []
    with transaction.atomic():
        for current, group in by_status.items():
            ids = [post.pk for post in group]
            if Post.objects.filter(pk__in=ids, status=current).update(**fields) != len(ids):
                raise TransitionError(f"{len(ids)} posts were not all {current} any more")
            entries += [
                entry_for(
                    action=f"post.{target.value}",
                    obj=post,
                    summary=summary,
                    before={"status": current.value},
                    after={"status": target.value},
                )
                for post in group
            ]
        record_many(entries)
    for post in moving:
        for name, value in fields.items():
            setattr(post, name, value)
    return moving
