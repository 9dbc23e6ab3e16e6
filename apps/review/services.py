"""The approval workflow: who may move a post through review, and what each move does.

Every status change goes through :func:`apps.planning.transitions.transition`, which makes
it a conditional UPDATE with its audit entry; this module adds the rules about *who* and
*when* (roles, separation of duties, editor checks, blackouts, crisis fast track) and the
side effects (deliveries, emails after commit).
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.roles import can
from apps.audit.services import record
from apps.core.queue import enqueue
from apps.crisis.selectors import blackout_blocking_approval, open_crisis
from apps.media_library.rules import library_image_count, post_rights_problems
from apps.planning.access import can_manage_post
from apps.planning.checks import has_blocking_findings
from apps.planning.enums import FINAL_STATES
from apps.planning.enums import PostStatus as S
from apps.planning.models import Post
from apps.planning.transitions import TransitionError, can_transition, transition
from apps.publishing.services import cancel_deliveries, schedule_deliveries

from . import external, routes, tasks
from .models import Comment, ExternalLink, OfficeSettings, StepApproval

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 5000
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=30)


class ReviewError(TransitionError):
    """A refused workflow action; the message (Italian) is shown to the user."""


# --- Who may do what ------------------------------------------------------------------------


def _require_manager(user, post: Post) -> None:
    if not can_manage_post(user, post):
        raise ReviewError(_("Solo l'autore del post o un approvatore può farlo."))


def _require_reviewer(user) -> None:
    if not can(user, "review"):
        raise ReviewError(_("Solo gli approvatori possono approvare o chiedere modifiche."))


def _require_status(post: Post, *statuses: S, message: str) -> None:
    if post.status not in statuses:
        raise ReviewError(message)


_UNKNOWN = object()


def wrote_this_version(post: Post, user) -> bool:
    """Whether ``user`` wrote any of the words being approved: the author, the last editor,
    or anyone who changed reviewed content since the last approval."""
    return user.pk in routes.writer_ids(post)


def approval_route(post: Post, user, *, office=None, crisis=_UNKNOWN, writers=None) -> str:
    """How ``user`` may approve ``post``: "normal", "self" (office allows it), "fast_track"
    (crisis communication during a crisis), or "" when separation of duties forbids it.

    The fast track lets one approver publish a crisis communication they touched only when
    it was created as crisis communication by someone else: a flag ticked later, or a post
    the approver created, needs a second person.

    ``office`` and ``crisis`` may be passed by a page that shows many posts. ``writers``
    (user ids) replaces the version's writers when what is approved was written by others:
    a correction of a published post (``review.corrections``) is its proposer's words.
    """
    wrote = user.pk in writers if writers is not None else wrote_this_version(post, user)
    if not wrote:
        return "normal"
    if crisis is _UNKNOWN:
        crisis = open_crisis()
    if (
        post.is_crisis_communication
        and post.created_as_crisis_communication
        and post.author_id != user.pk
        and crisis is not None
    ):
        return "fast_track"
    if (office or OfficeSettings.load()).allow_self_approval:
        return "self"
    return ""


# --- The actions --------------------------------------------------------------------------


def submit_post(post: Post, *, by) -> Post:
    """Draft (or changes requested) -> in review; approvers get an email after commit."""
    _require_manager(by, post)
    _require_status(
        post,
        S.DRAFT,
        S.CHANGES_REQUESTED,
        message=_("Si può inviare in revisione solo una bozza o un post con modifiche richieste."),
    )
    if not post.variants.exists():
        raise ReviewError(_("Scegli almeno un canale prima di inviare il post in revisione."))
    transition(
        post,
        S.IN_REVIEW,
        by=by,
        action="post.submitted",
        note=lambda: _("Inviato in revisione."),
        extra_fields={"reschedule_only_pending": False},
        on_commit=lambda: enqueue(tasks.notify_submitted, post_id=post.pk, by_id=by.pk),
    )
    return post


def withdraw_post(post: Post, *, by) -> Post:
    """In review -> draft, so that the author can edit it again."""
    _require_manager(by, post)
    _require_status(post, S.IN_REVIEW, message=_("Si può ritirare solo un post in revisione."))
    transition(
        post,
        S.DRAFT,
        by=by,
        action="post.withdrawn",
        note=lambda: _("Ritirato dalla revisione."),
        extra_fields={"reschedule_only_pending": False},
    )
    return post


def _stale_version(post: Post) -> ReviewError:
    return ReviewError(
        _(
            "Il post è stato modificato dopo che lo hai aperto (versione %(now)s): "
            "ricarica la pagina e rileggi prima di approvare."
        )
        % {"now": post.version}
    )


def _check_content(post: Post) -> None:
    """The checks on what is approved, whoever approves it (staff or outside the office)."""
    if has_blocking_findings(post, library_images=library_image_count(post)):
        raise ReviewError(
            _("Il testo viola una regola bloccante dei controlli redazionali: correggilo prima.")
        )
    rights = post_rights_problems(post)
    if rights:
        raise ReviewError(
            _("Approvazione non consentita: %(problems)s Scegli un altro file o cambia data.")
            % {"problems": " ".join(rights)}
        )
    blackout = blackout_blocking_approval(post)
    if blackout is not None:
        raise ReviewError(
            _("Approvazione non consentita: l'orario cade nel periodo di silenzio «%(b)s».")
            % {"b": blackout}
        )


def _check_approvable(post: Post, *, by, expected_version) -> str:
    _require_reviewer(by)
    _require_status(post, S.IN_REVIEW, message=_("Si può approvare solo un post in revisione."))
    if expected_version is None or int(expected_version) != post.version:
        raise _stale_version(post)
    route = approval_route(post, by)
    if not route:
        raise ReviewError(
            _(
                "Non puoi approvare un post di cui hai scritto o modificato il contenuto: "
                "serve un altro approvatore."
            )
        )
    prog = routes.progress(post)
    # A route already complete means the post was approved meanwhile: the locked update in
    # _register_approval says so.
    refusal = routes.refusal_for(prog, by) if prog.step is not None else ""
    if refusal:
        raise ReviewError(refusal)
    _check_content(post)
    return route


def _route_note(route: str) -> str:
    if route == "self":
        return " " + _("(auto-approvazione consentita dalle impostazioni dell'ufficio)")
    if route == "fast_track":
        return " " + _("(procedura rapida di crisi, fast track: un solo approvatore)")
    return ""


def _step_note(prog: routes.Progress) -> str:
    if prog.is_default or prog.fast_track:
        return ""
    return " " + _("Passo %(n)s di %(total)s (%(step)s) del percorso «%(route)s».") % {
        "n": prog.number,
        "total": prog.total,
        "step": prog.step.name,
        "route": prog.route.name,
    }


def _register_approval(
    post: Post,
    *,
    expected_version: int,
    action: str,
    note: Callable[[], str],
    by=None,
    link: ExternalLink | None = None,
) -> bool:
    """Record the approval of the post's current step by ``by`` (a colleague) or through
    ``link`` (an approver outside the office); when it was the last step, approve the post
    (the one approve transition, for exactly ``expected_version``) and schedule its
    deliveries. Returns whether the post is now approved. Inside the caller's transaction."""
    locked = (
        Post.objects.select_for_update()
        .filter(pk=post.pk, status=S.IN_REVIEW, version=expected_version)
        .first()
    )
    if locked is None:  # changed between the page's read and this approval
        raise ReviewError(
            _("Il post è stato modificato nel frattempo: ricarica la pagina e riprova.")
        )
    prog = routes.progress(locked)
    if link is None:
        refusal = routes.refusal_for(prog, by)
        who = None
    else:
        refusal = routes.external_refusal_for(prog, link.approver_id, link.step_id)
        who = link.approver
    if refusal:
        raise ReviewError(refusal)
    StepApproval.objects.create(
        post=locked,
        step_id=prog.step.pk,
        version=expected_version,
        approved_by=by,
        external=who,
    )
    step_note = _step_note(prog)
    post_id, by_id = post.pk, getattr(by, "pk", None)
    if routes.progress(locked).step is not None:
        # More steps (or more people of this step) to go: the post stays in review.
        record(
            action="post.step_approved",
            actor=by,
            obj=post,
            summary=lambda: note() + step_note,
            after={"version": expected_version, "step": prog.number},
        )
        transaction.on_commit(lambda: enqueue(tasks.notify_submitted, post_id=post_id, by_id=by_id))
        return False
    transition(
        post,
        S.APPROVED,
        by=by,
        action=action,
        note=lambda: note() + step_note,
        expected_version=expected_version,
        extra_fields={
            "approved_by": by,
            "approved_at": timezone.now(),
            "approved_version": expected_version,
            "reschedule_only_pending": False,
            "content_editor_ids": [],
        },
        on_commit=lambda: enqueue(tasks.notify_author, post_id=post_id, kind="approved"),
    )
    schedule_deliveries(post=post)
    return True


def _approve(post: Post, *, by, expected_version, action: str, note: Callable[[], str]) -> Post:
    route = _check_approvable(post, by=by, expected_version=expected_version)
    with transaction.atomic():
        _register_approval(
            post,
            by=by,
            expected_version=int(expected_version),
            action=action,
            note=lambda: note() + _route_note(route),
        )
    post.refresh_from_db()
    return post


def approve_post(post: Post, *, by, expected_version) -> Post:
    """Approve the post's current step for exactly ``expected_version``. At the last step of
    its route the post goes in review -> approved: deliveries are scheduled in the same
    transaction and the author gets an email after commit; before it, the next step's
    approvers get an email."""
    return _approve(
        post,
        by=by,
        expected_version=expected_version,
        action="post.approved",
        note=lambda: _("Approvata la versione %(v)s.") % {"v": expected_version},
    )


def reapprove_reschedule(post: Post, *, by, expected_version) -> Post:
    """One-click approval, at the last step of the route, of a post that went back to review
    only because its time moved."""
    if not post.reschedule_only_pending:
        raise ReviewError(
            _("Il post non è cambiato solo nell'orario: va riletto e approvato per intero.")
        )
    return _approve(
        post,
        by=by,
        expected_version=expected_version,
        action="post.reapproved",
        note=lambda: (
            _("Nuovo orario approvato (%(when)s), testo invariato.")
            % {"when": timezone.localtime(post.planned_at).strftime("%d/%m/%Y %H:%M")}
        ),
    )


# --- Decisions through a magic link (approvers outside the office) --------------------------


def _locked_link(link: ExternalLink) -> ExternalLink:
    """The link, locked, or ReviewError when it no longer works."""
    locked = (
        ExternalLink.objects.select_for_update()
        .select_related("approver", "post", "step")
        .get(pk=link.pk)
    )
    problem = external.problem_with(locked)
    if problem:
        raise ReviewError(problem)
    return locked


def _external_who(link: ExternalLink) -> str:
    return f"{link.approver.name} <{link.approver.email}>"


def approve_external(link: ExternalLink) -> Post:
    """The approver outside the office approves the version their link names; the link is
    used up. Audited with their name and email."""
    with transaction.atomic():
        link = _locked_link(link)
        post = link.post
        _check_content(post)
        who = _external_who(link)
        _register_approval(
            post,
            link=link,
            expected_version=link.version,
            action="post.approved",
            note=lambda: (
                _("Approvata la versione %(v)s da %(who)s (approvatore esterno, con link).")
                % {"v": link.version, "who": who}
            ),
        )
        _use(link)
    post.refresh_from_db()
    return post


def request_changes_external(link: ExternalLink, *, comment: str) -> Post:
    """The approver outside the office sends the post back to its author with a comment;
    the link is used up. Audited with their name and email."""
    comment = _clean_comment(comment, required=True)
    with transaction.atomic():
        link = _locked_link(link)
        post = link.post
        who = _external_who(link)
        transition(
            post,
            S.CHANGES_REQUESTED,
            by=None,
            action="post.changes_requested",
            note=lambda: (
                _("%(who)s (approvatore esterno, con link): %(comment)s")
                % {"who": who, "comment": comment}
            ),
            expected_version=link.version,
            extra_fields={"reschedule_only_pending": False},
            on_commit=lambda: enqueue(
                tasks.notify_author, post_id=post.pk, kind="changes_requested"
            ),
        )
        Comment.objects.create(post=post, external_author=link.approver, body=comment)
        _use(link)
    return post


def comment_external(link: ExternalLink, *, body: str) -> Comment:
    """A comment from the approver outside the office; the link keeps working."""
    body = _clean_comment(body, required=True, empty_message=_("Il commento è vuoto."))
    with transaction.atomic():
        link = _locked_link(link)
        comment = Comment.objects.create(post=link.post, external_author=link.approver, body=body)
        who = _external_who(link)
        record(
            action="comment.added",
            actor=None,
            obj=comment,
            post_id=link.post_id,
            summary=lambda: (
                _("%(who)s (approvatore esterno, con link): %(body)s")
                % {"who": who, "body": body[:300]}
            ),
        )
    return comment


def _use(link: ExternalLink) -> None:
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])


def _clean_comment(text: str, *, required: bool, empty_message: str = "") -> str:
    text = (text or "").strip()
    if required and not text:
        raise ReviewError(
            empty_message or _("Scrivi cosa va cambiato: il commento è obbligatorio.")
        )
    if len(text) > COMMENT_MAX_LENGTH:
        raise ReviewError(_("Il commento è troppo lungo (massimo 5000 caratteri)."))
    return text


def revoke_link(link: ExternalLink, *, by) -> ExternalLink:
    """A reviewer stops an external approver's link from working."""
    _require_reviewer(by)
    return external.revoke(link, by=by)


def resend_link(post: Post, *, approver_id: int, by) -> ExternalLink:
    """A reviewer sends an external approver a new link (the old one stops working)."""
    _require_reviewer(by)
    try:
        return external.resend(post, approver_id=approver_id, by=by)
    except external.ExternalLinkError as exc:
        raise ReviewError(str(exc)) from exc


def request_changes(post: Post, *, by, comment: str) -> Post:
    """In review -> changes requested; the comment is required and becomes part of the thread."""
    _require_reviewer(by)
    comment = (comment or "").strip()
    if not comment:
        raise ReviewError(_("Scrivi cosa va cambiato: il commento è obbligatorio."))
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ReviewError(_("Il commento è troppo lungo (massimo 5000 caratteri)."))
    _require_status(
        post, S.IN_REVIEW, message=_("Si possono chiedere modifiche solo su un post in revisione.")
    )
    with transaction.atomic():
        transition(
            post,
            S.CHANGES_REQUESTED,
            by=by,
            action="post.changes_requested",
            note=comment,
            extra_fields={"reschedule_only_pending": False},
            on_commit=lambda: enqueue(
                tasks.notify_author, post_id=post.pk, kind="changes_requested"
            ),
        )
        created = Comment.objects.create(post=post, author=by, body=comment)
        transaction.on_commit(lambda: enqueue(tasks.notify_mentions, comment_id=created.pk))
    return post


def cancel_post(post: Post, *, by, reason: str = "") -> Post:
    """Any state not yet published -> cancelled; its waiting deliveries are cancelled too."""
    _require_manager(by, post)
    if post.status in FINAL_STATES or not can_transition(post.status, S.CANCELLED):
        raise ReviewError(
            _("Un post nello stato «%(s)s» non si può annullare.")
            % {"s": post.get_status_display()}
        )
    reason = (reason or "").strip()[:COMMENT_MAX_LENGTH]
    with transaction.atomic():
        transition(
            post,
            S.CANCELLED,
            by=by,
            action="post.cancelled",
            note=reason or _("Annullato."),
            extra_fields={"reschedule_only_pending": False},
        )
        # Unsent deliveries (waiting or queued) stop too, each with its audit entry, so that
        # no list shows them as still going out.
        cancel_deliveries(post=post, by=by)
    return post


def add_comment(post: Post, *, by, body: str) -> Comment:
    body = (body or "").strip()
    if not body:
        raise ReviewError(_("Il commento è vuoto."))
    if len(body) > COMMENT_MAX_LENGTH:
        raise ReviewError(_("Il commento è troppo lungo (massimo 5000 caratteri)."))
    with transaction.atomic():
        # A double click (or a resent form) must not post the same comment twice.
        previous = (
            Comment.objects.filter(post=post, author=by).order_by("-created_at", "-id").first()
        )
        if (
            previous is not None
            and previous.body == body
            and timezone.now() - previous.created_at < DOUBLE_SUBMIT_WINDOW
        ):
            return previous
        comment = Comment.objects.create(post=post, author=by, body=body)
        record(
            action="comment.added",
            actor=by,
            obj=comment,
            post_id=post.pk,
            summary=body[:300],
        )
        transaction.on_commit(lambda: enqueue(tasks.notify_mentions, comment_id=comment.pk))
    return comment


def set_self_approval(*, by, allowed: bool) -> OfficeSettings:
    """The one-person-office switch; every change is audited."""
    if not can(by, "configure"):
        raise ReviewError(_("Solo gli amministratori possono cambiare questa impostazione."))
    office = OfficeSettings.load()
    if office.allow_self_approval == allowed:
        return office
    with transaction.atomic():
        before = office.allow_self_approval
        office.allow_self_approval = allowed
        office.save(update_fields=["allow_self_approval"])
        record(
            action="settings.self_approval",
            actor=by,
            obj=office,
            summary=lambda: (
                _("Auto-approvazione consentita")
                if allowed
                else _("Auto-approvazione non consentita")
            ),
            before={"allow_self_approval": before},
            after={"allow_self_approval": allowed},
        )
    return office
