"""Notices of the review workflow, sent from Celery tasks (``tasks.py``) after the action
commits: a notification for each person, and the email each chose, in their language.
Approvers outside the office have no account: their link is a plain email, in the site's
language (``email_external_link``)."""

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from apps.accounts.mail import people_with_role
from apps.accounts.roles import Role
from apps.notifications.enums import Kind
from apps.notifications.mentions import mentioned_usernames
from apps.notifications.models import Notification
from apps.notifications.services import Email, notify
from apps.planning.access import can_see_post
from apps.planning.models import Post
from apps.publishing.models import Correction

from . import routes
from .models import Comment, StepApproval

logger = logging.getLogger(__name__)


def notify_submitted(*, post_id: int, by_id: int | None = None) -> int:
    """Tells the colleagues the post's current step waits for (but whoever just acted) that
    a post waits for review: on the default route, every approver."""
    post = Post.objects.select_related("author").filter(pk=post_id).first()
    if post is None:
        return 0
    prog = routes.progress(post)
    if prog.step is None:
        return 0
    if prog.step.role == routes.ANY_REVIEWER:
        people = people_with_role(Role.APPROVER).exclude(pk=by_id)
    else:
        people = User.objects.filter(pk__in=[pk for pk, _name in prog.awaited_staff if pk != by_id])
    return notify(
        people,
        Kind.REVIEW_NEEDED,
        params={"title": post.title},
        url=reverse("review:post", args=[post.pk]),
        email=Email(
            subject=lambda: _("Da approvare: %(title)s") % {"title": post.title},
            template="review/email/submitted.txt",
            context={
                "post": post,
                "post_url": post.get_full_url(),
                "queue_url": settings.SITE_URL + reverse("review:queue"),
                "progress": None if prog.is_default else prog,
            },
        ),
    )


def email_external_link(*, link, token: str) -> int:
    """Emails an approver outside the office their personal link (in the site's language:
    they have no profile). Returns 1 when the mail server accepted it."""
    post = link.post
    url = settings.SITE_URL + reverse("review:external", args=[post.pk, token])
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join((_("Da approvare: %(title)s") % {"title": post.title}).split())
        text = render_to_string(
            "review/email/external_link.txt",
            {"post": post, "link": link, "url": url, "approver": link.approver},
        )
    try:
        send_mail(subject, text, None, [link.approver.email])
    except Exception:  # logged; the link can be sent again from the review page
        logger.exception("Could not send the approval link %s", link.pk)
        return 0
    return 1


def notify_author(*, post_id: int, kind: str) -> int:
    """Tells the author that the post was approved or sent back with changes requested."""
    post = Post.objects.select_related("author", "approved_by").filter(pk=post_id).first()
    if post is None:
        return 0
    if kind == "approved":
        subject = lambda: _("Approvato: %(title)s") % {"title": post.title}  # noqa: E731
    else:
        subject = lambda: _("Modifiche richieste: %(title)s") % {"title": post.title}  # noqa: E731
    last_comment = (
        post.comments.select_related("author", "external_author")
        .order_by("-created_at", "-id")
        .first()
    )
    return notify(
        [post.author],
        Kind.APPROVED if kind == "approved" else Kind.CHANGES_REQUESTED,
        params={"title": post.title},
        url=post.get_absolute_url(),
        email=Email(
            subject=subject,
            template=f"review/email/{kind}.txt",
            context={
                "post": post,
                "post_url": post.get_full_url(),
                "comment": last_comment,
                "approver_name": _approver_name(post),
            },
        ),
    )


def _approver_name(post: Post) -> str:
    if post.approved_by is not None:
        return post.approved_by.get_full_name() or post.approved_by.username
    last = (
        StepApproval.objects.filter(post=post, version=post.approved_version)
        .select_related("external")
        .order_by("-at", "-id")
        .first()
    )
    return str(last.external) if last is not None and last.external is not None else ""


def notify_mentions(*, comment_id: int) -> int:
    """Tells each colleague named with "@username" in a comment. Only people who may see the
    post hear of it (a mention never shows a post to someone outside the office), never the
    comment's author, and each person once per comment even if the task runs twice.
    Returns how many people were notified."""
    comment = (
        Comment.objects.select_related("post", "author", "external_author")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        return 0
    names = mentioned_usernames(comment.body)
    if not names:
        return 0
    post = comment.post
    url = post.get_absolute_url() + f"#comment-{comment.pk}"
    candidates = User.objects.filter(username__in=names, is_active=True).exclude(
        pk=comment.author_id
    )
    # Already told (the task ran before): never twice.
    told = set(
        Notification.objects.filter(user__in=candidates, kind=Kind.MENTION, url=url).values_list(
            "user_id", flat=True
        )
    )
    people = [p for p in candidates if p.pk not in told and can_see_post(p, post)]
    if not people:
        return 0
    author = comment.author_name
    excerpt = comment.body if len(comment.body) <= 300 else comment.body[:299] + "…"
    notify(
        people,
        Kind.MENTION,
        params={"title": post.title, "author": author},
        url=url,
        email=Email(
            subject=lambda: (
                _("%(author)s ti ha menzionato: %(title)s")
                % {"author": author, "title": post.title}
            ),
            template="review/email/mention.txt",
            context={
                "post": post,
                "author": author,
                "excerpt": excerpt,
                "post_url": settings.SITE_URL + url,
            },
        ),
    )
    return len(people)


def notify_correction(*, correction_id: int, event: str) -> int:
    """A correction of a published post: proposed (the approvers, but its proposer, are asked
    to decide), approved or rejected (its proposer hears it). Returns how many addresses took
    an email now."""
    correction = (
        Correction.objects.select_related("post", "proposed_by").filter(pk=correction_id).first()
    )
    if correction is None:
        return 0
    post = correction.post
    if event == "proposed":
        return notify(
            people_with_role(Role.APPROVER).exclude(pk=correction.proposed_by_id),
            Kind.REVIEW_NEEDED,
            params={"title": post.title},
            url=correction.get_absolute_url(),
        )
    return notify(
        [correction.proposed_by],
        Kind.APPROVED if event == "approved" else Kind.CHANGES_REQUESTED,
        params={"title": post.title},
        url=post.get_absolute_url(),
    )
