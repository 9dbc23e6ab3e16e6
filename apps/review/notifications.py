"""Emails of the review workflow, sent from Celery tasks (``tasks.py``) after the action
commits, each in the recipient's language."""

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from apps.accounts.mail import email_people, people_with_role
from apps.accounts.roles import Role
from apps.planning.models import Post

from . import routes
from .models import StepApproval

logger = logging.getLogger(__name__)


def notify_submitted(*, post_id: int, by_id: int | None = None) -> int:
    """Emails the colleagues the post's current step waits for (but whoever just acted) that
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
    return email_people(
        people,
        subject=lambda: _("Da approvare: %(title)s") % {"title": post.title},
        template="review/email/submitted.txt",
        context={
            "post": post,
            "post_url": post.get_full_url(),
            "queue_url": settings.SITE_URL + reverse("review:queue"),
            "progress": None if prog.is_default else prog,
        },
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
    """Emails the author that the post was approved or sent back with changes requested."""
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
    return email_people(
        [post.author],
        subject=subject,
        template=f"review/email/{kind}.txt",
        context={
            "post": post,
            "post_url": post.get_full_url(),
            "comment": last_comment,
            "approver_name": _approver_name(post),
        },
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
