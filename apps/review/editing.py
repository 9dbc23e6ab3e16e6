"""Editing and moving a post, as the office's workflow sees it.

``planning.services`` writes the content; this module decides what the edit means around it:
a slot post moved far from its occurrence asks whether it still fills it; a channel whose
delivery already left keeps its variant; an approved or paused post whose reviewed content
changed goes back to review, and the approvers hear about it.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import record
from apps.core.queue import enqueue
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.planning.services import (
    PostEditError,
    begin_edit,
    check_change_names,
    copy_state,
    removed_variant_ids,
    write_post_content,
)
from apps.planning.transitions import transition
from apps.publishing.selectors import channel_names_already_sent
from apps.slots.models import SlotFill
from apps.slots.queueing import lock_queue, next_free_time
from apps.slots.services import SlotError, still_fills_after_move, take_occurrence, unlink_post

from . import tasks

# An edit of reviewed content sends a post in these states back to review.
RE_REVIEW_STATES = frozenset({PostStatus.APPROVED, PostStatus.PAUSED})


class SlotMoveQuestion(PostEditError):
    """The post fills a slot occurrence far from its new time: ask whether it still fills it,
    then call again with ``keeps_slot`` True (it still does) or False (unlink it)."""

    def __init__(self, fill):
        self.fill = fill
        super().__init__(
            _(
                "Questo post riempie l'uscita della rubrica «%(slot)s» del %(when)s: "
                "con il nuovo orario la riempie ancora?"
            )
            % {
                "slot": fill.slot.name,
                "when": timezone.localtime(fill.occurrence_at).strftime("%d/%m/%Y %H:%M"),
            }
        )


def update_post(
    post: Post, *, by, expected_version: int, keeps_slot: bool | None = None, **changes
) -> Post:
    """Apply ``changes`` to ``post`` as ``by``, or raise :class:`PostEditError`, saving nothing.

    Accepted changes: ``planning.services.SIMPLE_FIELDS`` and ``COLLECTION_CHANGES``.

    An approved or paused post whose reviewed content changes (everything but the notes, see
    ``planning.review_scope``) goes back to review; ``reschedule_only_pending`` says whether
    only the time moved. Whoever changes reviewed content may not approve that version.

    A slot post moved far from its occurrence raises :class:`SlotMoveQuestion` unless
    ``keeps_slot`` answers it: True keeps the link, False unlinks the post from the slot.
    """
    check_change_names(changes)
    with transaction.atomic():
        current = begin_edit(post, by=by, expected_version=expected_version, changes=changes)
        unlink_slot = _slot_answer_needed(current, changes.get("planned_at"), keeps_slot)
        if "channels" in changes:
            _refuse_removing_channels_already_sent(current, changes["channels"])
        edit = write_post_content(
            current, by=by, expected_version=expected_version, changes=changes
        )
        current = edit.post
        if edit.changed:
            if unlink_slot:
                unlink_post(current, by=by)
            _follow_with_approval(current, by=by, edit=edit, expected_version=expected_version)
    copy_state(current, post)
    return post


def reschedule_post(
    post: Post, *, by, planned_at, expected_version: int, keeps_slot: bool | None = None
) -> Post:
    """Move a post to another time (drag and drop or the "Sposta" form in the calendar).

    ``keeps_slot`` answers :class:`SlotMoveQuestion` (see :func:`update_post`)."""
    if planned_at < timezone.now() and planned_at != post.planned_at:
        raise PostEditError(_("Non puoi spostare un post nel passato."))
    return update_post(
        post,
        by=by,
        expected_version=expected_version,
        keeps_slot=keeps_slot,
        planned_at=planned_at,
    )


def queue_post(post: Post, *, by, expected_version: int, slot=None, channel=None) -> Post:
    """ "Metti in coda": move ``post`` to the next free time of ``slot`` (it then fills that
    occurrence) or of ``channel``'s preferred times (``apps.slots.queueing``), through
    :func:`reschedule_post`: an approved post goes back to review for a one-click re-approval.
    A post leaving a rubrica's occurrence for another time no longer fills it."""
    with transaction.atomic():
        # Two people queueing at once wait for each other (PostgreSQL: a row lock on the queue;
        # SQLite serialises writers), so the second one sees the first one's post and moves on.
        lock_queue(slot=slot, channel=channel)
        free = next_free_time(post, slot=slot, channel=channel)
        reschedule_post(
            post, by=by, planned_at=free.at, expected_version=expected_version, keeps_slot=False
        )
        if slot is not None:
            try:
                take_occurrence(slot, free.at, post, by=by)
            except SlotError as exc:
                raise PostEditError(str(exc)) from exc
        where = slot.name if slot is not None else channel.name
        record(
            action="post.queued",
            actor=by,
            obj=post,
            summary=lambda: _("Messo in coda: %(where)s") % {"where": where},
            after={
                "planned_at": free.at.isoformat(),
                "slot": getattr(slot, "pk", None),
                "channel": getattr(channel, "pk", None),
            },
        )
    return post


def _follow_with_approval(current: Post, *, by, edit, expected_version: int) -> None:
    if current.status not in RE_REVIEW_STATES:
        return
    if not edit.reviewed:
        if current.approved_version == expected_version:
            # Notes only: what was approved is unchanged, so the approval follows the new
            # version number.
            Post.objects.filter(pk=current.pk).update(approved_version=current.version)
            current.approved_version = current.version
        return
    post_id, by_id = current.pk, by.pk
    transition(
        current,
        PostStatus.IN_REVIEW,
        by=by,
        action="post.back_to_review",
        note=lambda: _("Modificato dopo l'approvazione: torna in revisione."),
        extra_fields={"reschedule_only_pending": edit.reviewed == {"planned_at"}},
        on_commit=lambda: enqueue(tasks.notify_submitted, post_id=post_id, by_id=by_id),
    )


def _slot_answer_needed(post: Post, planned_at, keeps_slot: bool | None) -> bool:
    """Whether the move unlinks the post from its slot occurrence; asks when unanswered."""
    if planned_at is None or planned_at == post.planned_at:
        return False
    if still_fills_after_move(post, planned_at):
        return False
    if keeps_slot is None:
        raise SlotMoveQuestion(SlotFill.objects.select_related("slot").get(post=post))
    return not keeps_slot


def _refuse_removing_channels_already_sent(post: Post, channels) -> None:
    """A channel whose delivery left (or may have left) keeps its variant: it is the record."""
    names = channel_names_already_sent(removed_variant_ids(post, channels))
    if names:
        raise PostEditError(
            _("Non puoi togliere un canale su cui il post è già in invio o pubblicato: %(names)s.")
            % {"names": ", ".join(names)}
        )
