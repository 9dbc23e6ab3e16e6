"""Magic links for approvers outside the office.

A link names one external approver, one post, one version of it and one step of its route.
Its token is random (``secrets``); only its SHA-256 is stored, so the database never holds a
working link. A link works until it is used for a decision (approve, ask for changes), expires,
is revoked, or the post changes (a new version) or no longer waits for that person.

The decisions themselves are ``services.approve_external`` / ``request_changes_external``;
this module issues, checks and revokes links.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import record
from apps.core import ratelimit
from apps.planning.enums import PostStatus as S
from apps.planning.models import Post

from . import notifications, routes
from .models import ExternalApprover, ExternalLink

LINK_LIFETIME = timedelta(days=7)
TOKEN_MAX_LENGTH = 100  # a real token is 43 characters; longer input is refused unread
# Opening a link and acting through it: per client address.
OPEN_LIMIT, OPEN_WINDOW = 30, 600
# A new link for the same person and post (the "send again" button).
RESEND_LIMIT, RESEND_WINDOW = 3, 3600


class ExternalLinkError(Exception):
    """A refused link action; the message (Italian) is shown."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _describe(approver: ExternalApprover) -> str:
    return f"{approver.name} <{approver.email}>"


def issue(
    post: Post, *, step_id: int, approver: ExternalApprover, by=None
) -> tuple[ExternalLink, str]:
    """A new link (and its token, which only the email carries) for ``approver`` at
    ``step_id`` of ``post``'s current version; audited."""
    token = secrets.token_urlsafe(32)
    link = ExternalLink.objects.create(
        post=post,
        step_id=step_id,
        approver=approver,
        version=post.version,
        token_hash=token_hash(token),
        expires_at=timezone.now() + LINK_LIFETIME,
    )
    record(
        action="review.link_sent",
        actor=by,
        obj=post,
        summary=lambda: (
            _(
                "Link di approvazione inviato a %(who)s per la versione %(v)s, "
                "valido fino al %(until)s."
            )
            % {
                "who": _describe(approver),
                "v": post.version,
                "until": timezone.localtime(link.expires_at).strftime("%d/%m/%Y %H:%M"),
            }
        ),
        after={"link": link.pk, "approver": approver.pk, "email": approver.email},
    )
    return link, token


def _live(post: Post, *, step_id: int, approver_id: int):
    return ExternalLink.objects.filter(
        post=post,
        step_id=step_id,
        approver_id=approver_id,
        version=post.version,
        used_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def invite_awaited(*, post_id: int) -> int:
    """Send a link to each approver outside the office the post's current step waits for and
    who has no working link yet. Safe to run twice. Returns how many links were sent."""
    sent = 0
    with transaction.atomic():
        post = Post.objects.select_for_update().filter(pk=post_id, status=S.IN_REVIEW).first()
        if post is None:
            return 0
        prog = routes.progress(post)
        if prog.step is None or not prog.awaited_external:
            return 0
        step_id = prog.step.pk
        approvers = ExternalApprover.objects.in_bulk([pk for pk, _name in prog.awaited_external])
        to_send = []
        for approver in approvers.values():
            if _live(post, step_id=step_id, approver_id=approver.pk).exists():
                continue
            to_send.append(issue(post, step_id=step_id, approver=approver))
    for link, token in to_send:
        sent += notifications.email_external_link(link=link, token=token)
    return sent


def resend(post: Post, *, approver_id: int, by) -> ExternalLink:
    """Revoke the person's working links for this post and send a new one (rate limited)."""
    if ratelimit.retry_after(
        f"review-resend:{post.pk}:{approver_id}", limit=RESEND_LIMIT, window_seconds=RESEND_WINDOW
    ):
        raise ExternalLinkError(
            _("Troppi invii a questa persona per questo post: riprova tra un'ora.")
        )
    with transaction.atomic():
        locked = Post.objects.select_for_update().filter(pk=post.pk, status=S.IN_REVIEW).first()
        if locked is None:
            raise ExternalLinkError(_("Il post non è in revisione."))
        prog = routes.progress(locked)
        if prog.step is None or not any(pk == approver_id for pk, _n in prog.awaited_external):
            raise ExternalLinkError(_("Il passo attuale non attende questa persona."))
        for link in _live(locked, step_id=prog.step.pk, approver_id=approver_id):
            _revoke(link, by=by)
        approver = ExternalApprover.objects.get(pk=approver_id)
        link, token = issue(locked, step_id=prog.step.pk, approver=approver, by=by)
    notifications.email_external_link(link=link, token=token)
    return link


def _revoke(link: ExternalLink, *, by) -> None:
    link.revoked_at = timezone.now()
    link.revoked_by = by
    link.save(update_fields=["revoked_at", "revoked_by"])
    record(
        action="review.link_revoked",
        actor=by,
        obj=link.post,
        summary=lambda: (
            _("Link di approvazione di %(who)s revocato.") % {"who": _describe(link.approver)}
        ),
        after={"link": link.pk, "approver": link.approver_id, "email": link.approver.email},
    )


def revoke(link: ExternalLink, *, by) -> ExternalLink:
    """Stop a link from working (audited). Revoking a link that no longer works changes
    nothing."""
    with transaction.atomic():
        link = (
            ExternalLink.objects.select_for_update()
            .select_related("approver", "post")
            .get(pk=link.pk)
        )
        if link.revoked_at is None and link.used_at is None:
            _revoke(link, by=by)
    return link


def allow_client(address: str) -> int:
    """0 when this client may open or use a link now, else the seconds to wait."""
    return ratelimit.retry_after(
        f"review-external:{address}", limit=OPEN_LIMIT, window_seconds=OPEN_WINDOW
    )


def find(post_id: int, token: str) -> tuple[ExternalLink | None, str]:
    """The link for ``token`` on post ``post_id`` and "" when it works now, else the link
    (or None when there is no such link) and why it does not work."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None, _("Questo link non è valido. Controlla di averlo copiato per intero.")
    link = (
        ExternalLink.objects.select_related("approver", "post", "step")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None:
        return None, _("Questo link non è valido. Controlla di averlo copiato per intero.")
    if link.post_id != post_id:
        return None, _("Questo link non è per questo post: usa il link ricevuto per email.")
    return link, problem_with(link)


def problem_with(link: ExternalLink, post: Post | None = None) -> str:
    """Why ``link`` does not work now ("" when it does)."""
    post = post or link.post
    if link.revoked_at is not None:
        return _("Questo link è stato revocato dall'ufficio comunicazione.")
    if link.used_at is not None:
        return _("Questo link è già stato usato: la tua decisione è registrata.")
    if link.expires_at <= timezone.now():
        return _(
            "Questo link è scaduto. Se serve ancora la tua decisione, l'ufficio te ne "
            "manderà uno nuovo."
        )
    if post.status != S.IN_REVIEW:
        return _("Il post non attende più una tua decisione.")
    if post.version != link.version:
        return _(
            "Il post è cambiato dopo l'invio di questo link: se serve ancora la tua "
            "decisione, riceverai un nuovo link."
        )
    prog = routes.progress(post)
    return routes.external_refusal_for(prog, link.approver_id, link.step_id)


def links_of(post: Post) -> list[ExternalLink]:
    """The post's links, newest first, for the staff's review page."""
    return list(
        ExternalLink.objects.filter(post=post).select_related("approver", "step", "revoked_by")
    )


def state_of(link: ExternalLink, post: Post) -> str:
    if link.revoked_at is not None:
        return _("revocato")
    if link.used_at is not None:
        return _("usato")
    if link.expires_at <= timezone.now():
        return _("scaduto")
    if link.version != post.version:
        return _("superato da una nuova versione")
    return _("attivo")
