"""Correcting a post already sent: proposed by whoever may edit the post, decided by an
approver who did not write it, then applied (a new version of the post) and pushed to the
channels that edit their items (``publishing.corrections``).

Nothing goes out that a person did not decide: the post keeps its texts, and the channels
their items, until an approver approves the exact correction; every step is audited and the
proposer hears of the decision.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.roles import can
from apps.audit.services import record
from apps.core.queue import enqueue
from apps.planning.access import can_manage_post
from apps.planning.models import Post
from apps.planning.news import NewsFields
from apps.planning.services import PostEditError, write_correction
from apps.publishing.corrections import (
    CorrectionError,
    schedule_correction,
    texts_of,
    why_not_correctable,
)
from apps.publishing.enums import CorrectionStatus
from apps.publishing.models import Correction

from . import tasks
from .services import approval_route

COMMENT_MAX_LENGTH = 5000


def can_propose_correction(user, post: Post) -> bool:
    """Whoever may edit the post, while it can take a correction."""
    return can_manage_post(user, post) and not why_not_correctable(post)


def decision_refusal(correction: Correction, user) -> str:
    """Why ``user`` may not approve or reject ``correction`` (shown), or ``""``: the same rules
    as approving a post (an approver; never the one who wrote the words, unless the office
    allows self-approval or the crisis fast track applies), with the proposer as the writer."""
    if not can(user, "review"):
        return _("Solo gli approvatori possono decidere su una correzione.")
    if correction.status != CorrectionStatus.PENDING:
        return _("Questa correzione è già stata decisa.")
    if not approval_route(correction.post, user, writers={correction.proposed_by_id}):
        return _(
            "Non puoi approvare una correzione che hai scritto tu: serve un altro approvatore."
        )
    return ""


def propose_correction(post: Post, *, by, expected_version: int, after: dict) -> Correction:
    """Save ``after`` (the shape of ``publishing.corrections.texts_of``) as a correction of
    ``post`` waiting for an approver; the post itself does not change. The approvers hear of
    it after commit."""
    if not can_manage_post(by, post):
        raise CorrectionError(_("Solo l'autore del post o un approvatore può correggerlo."))
    with transaction.atomic():
        current = Post.objects.select_for_update().filter(pk=post.pk).first()
        if current is None:
            raise CorrectionError(_("Il post non esiste più."))
        refusal = why_not_correctable(current)
        if refusal:
            raise CorrectionError(refusal)
        if current.version != expected_version:
            raise CorrectionError(
                _("Il post è cambiato dopo che lo hai aperto: ricarica la pagina e riprova.")
            )
        before = texts_of(current)
        after = {**after, "variants": _known_variants(after, before)}
        if after == before:
            raise CorrectionError(_("Non hai cambiato nulla: non c'è niente da correggere."))
        try:
            with transaction.atomic():
                correction = Correction.objects.create(
                    post=current,
                    proposed_by=by,
                    base_version=current.version,
                    before=before,
                    after=after,
                )
        except IntegrityError:  # a colleague's correction got in first
            raise CorrectionError(
                _("Una correzione di questo post attende già una decisione.")
            ) from None
        record(
            action="correction.proposed",
            actor=by,
            obj=correction,
            post_id=current.pk,
            summary=current.title,
            before=before,
            after=after,
        )
        correction_id = correction.pk
        transaction.on_commit(
            lambda: enqueue(tasks.notify_correction, correction_id=correction_id, event="proposed")
        )
    return correction


def _known_variants(after: dict, before: dict) -> dict:
    """Only the channels the correction covers (from ``before``), with every field present."""
    wanted = after.get("variants") or {}
    return {
        cid: {name: (wanted.get(cid) or {}).get(name, old[name]) for name in old}
        for cid, old in (before.get("variants") or {}).items()
    }


def _decided(correction: Correction, *, by, status: str, comment: str) -> Correction:
    """The correction locked and moved ``pending → status`` (conditional UPDATE), or refused."""
    locked = Correction.objects.select_for_update().select_related("post").get(pk=correction.pk)
    refusal = decision_refusal(locked, by)
    if refusal:
        raise CorrectionError(refusal)
    now = timezone.now()
    rows = Correction.objects.filter(pk=locked.pk, status=CorrectionStatus.PENDING).update(
        status=status, decided_by=by, decided_at=now, decision_comment=comment
    )
    if rows != 1:
        raise CorrectionError(_("Questa correzione è già stata decisa."))
    locked.status, locked.decided_by, locked.decided_at = status, by, now
    locked.decision_comment = comment
    return locked


def approve_correction(correction: Correction, *, by, comment: str = "") -> Correction:
    """The post's texts take the correction (a new version, approved), then every channel
    already sent that edits its items is updated (``publishing.push_correction``, after
    commit); the others keep what they published. The proposer hears of it."""
    comment = _comment(comment, required=False)
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=correction.post_id)
        locked = _decided(correction, by=by, status=CorrectionStatus.APPROVED, comment=comment)
        refusal = why_not_correctable(post, deciding=locked)
        if refusal:
            raise CorrectionError(refusal)
        after = locked.after
        variants = after.get("variants") or {}
        try:
            write_correction(
                post,
                by=by,
                expected_version=locked.base_version,
                changes={
                    "title": after["title"],
                    "base_text": after["base_text"],
                    "variant_texts": {cid: v["text"] for cid, v in variants.items()},
                    "public_titles": {cid: v["public_title"] for cid, v in variants.items()},
                    "news": {
                        cid: NewsFields(
                            summary=v["news_summary"],
                            topics=tuple(v["news_topics"]),
                            news_type=v["news_type"],
                            office=v["news_office"],
                        )
                        for cid, v in variants.items()
                    },
                },
            )
        except PostEditError as exc:
            raise CorrectionError(str(exc)) from exc
        record(
            action="correction.approved",
            actor=by,
            obj=locked,
            post_id=post.pk,
            summary=comment or post.title,
        )
        schedule_correction(locked, by=by)
        transaction.on_commit(
            lambda: enqueue(tasks.notify_correction, correction_id=locked.pk, event="approved")
        )
    return locked


def reject_correction(correction: Correction, *, by, comment: str) -> Correction:
    """The correction is not applied; the comment (required) tells the proposer why."""
    comment = _comment(comment, required=True)
    with transaction.atomic():
        locked = _decided(correction, by=by, status=CorrectionStatus.REJECTED, comment=comment)
        record(
            action="correction.rejected",
            actor=by,
            obj=locked,
            post_id=locked.post_id,
            summary=comment,
        )
        transaction.on_commit(
            lambda: enqueue(tasks.notify_correction, correction_id=locked.pk, event="rejected")
        )
    return locked


def _comment(text: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise CorrectionError(_("Scrivi perché respingi la correzione: l'autore lo leggerà."))
    if len(text) > COMMENT_MAX_LENGTH:
        raise CorrectionError(
            _("Commento troppo lungo: al massimo %(n)s caratteri.") % {"n": COMMENT_MAX_LENGTH}
        )
    return text
