"""Emails of the review workflow, sent from Celery tasks (``tasks.py``) after the action
commits, each in the recipient's language."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from apps.accounts.mail import email_people, people_with_role
from apps.accounts.roles import Role
from apps.planning.models import Post


def _absolute(url_name: str, *args) -> str:
    try:
        return settings.SITE_URL + reverse(url_name, args=args)
    except NoReverseMatch:
        return settings.SITE_URL


def post_link(post: Post) -> str:
    try:
        return settings.SITE_URL + post.get_absolute_url()
    except NoReverseMatch:
        return _absolute("review:post", post.pk)


def notify_submitted(*, post_id: int, by_id: int | None = None) -> int:
    """Emails every approver (but the submitter) that a post waits for review."""
    post = Post.objects.select_related("author").filter(pk=post_id).first()
    if post is None:
        return 0
    return email_people(
        people_with_role(Role.APPROVER).exclude(pk=by_id),
        subject=lambda: _("Da approvare: %(title)s") % {"title": post.title},
        template="review/email/submitted.txt",
        context={"post": post, "post_url": post_link(post), "queue_url": _absolute("review:queue")},
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
        context={"post": post, "post_url": post_link(post), "comment": last_comment},
    )
