"""Emails of the review workflow, sent from Celery tasks (``tasks.py``) after the action
commits, each in the recipient's language."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.accounts.mail import email_people, people_with_role
from apps.accounts.roles import Role
from apps.planning.models import Post


def notify_submitted(*, post_id: int, by_id: int | None = None) -> int:
    """Emails every approver (but the submitter) that a post waits for review."""
    post = Post.objects.select_related("author").filter(pk=post_id).first()
    if post is None:
        return 0
    return email_people(
        people_with_role(Role.APPROVER).exclude(pk=by_id),
        subject=lambda: _("Da approvare: %(title)s") % {"title": post.title},
        template="review/email/submitted.txt",
        context={
            "post": post,
            "post_url": post.get_full_url(),
            "queue_url": settings.SITE_URL + reverse("review:queue"),
        },
    )


def notify_author(*, post_id: int, kind: str) -> int:
    """Emails the author that the post was approved or sent back with changes requested."""
    post = Post.objects.select_related("author", "approved_by").filter(pk=post_id).first()
    if post is None:
        return 0
    if kind == "approved":
        subject = lambda: _("Approvato: %(title)s") % {"title": post.title}  # noqa: E731
    else:
        subject = lambda: _("Modifiche richieste: %(title)s") % {"title": post.title}  # noqa: E731
    last_comment = post.comments.select_related("author").order_by("-created_at", "-id").first()
    return email_people(
        [post.author],
        subject=subject,
        template=f"review/email/{kind}.txt",
        context={"post": post, "post_url": post.get_full_url(), "comment": last_comment},
    )
