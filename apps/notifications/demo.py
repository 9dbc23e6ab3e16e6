"""Demo: the demo people find a few notifications in the header, about the review demo's posts.

Rows are written directly (no email leaves while the demo loads). Idempotent: a person who
already has notifications gets none.
"""

from django.urls import reverse

from apps.accounts.roles import Role
from apps.planning.enums import PostStatus
from apps.planning.models import Post

from .enums import Kind
from .models import Notification


def _post(status: str) -> Post | None:
    return Post.objects.filter(status=status).order_by("pk").first()


def load(ctx: dict) -> None:
    users = ctx.get("users") or {}
    editor, approver = users.get(Role.EDITOR), users.get(Role.APPROVER)
    rows = []
    in_review = _post(PostStatus.IN_REVIEW)
    approved = _post(PostStatus.APPROVED)
    sent_back = _post(PostStatus.CHANGES_REQUESTED)
    failed = _post(PostStatus.FAILED)
    if approver is not None and not approver.notifications.exists():
        if in_review is not None:
            rows.append(
                Notification(
                    user=approver,
                    kind=Kind.REVIEW_NEEDED,
                    params={"title": in_review.title},
                    url=reverse("review:post", args=[in_review.pk]),
                )
            )
        if failed is not None:
            rows.append(
                Notification(
                    user=approver,
                    kind=Kind.DELIVERY_PROBLEM,
                    params={"title": failed.title, "channel": "Facebook"},
                    url=failed.get_absolute_url(),
                )
            )
    if editor is not None and not editor.notifications.exists():
        for post, kind in ((approved, Kind.APPROVED), (sent_back, Kind.CHANGES_REQUESTED)):
            if post is not None:
                rows.append(
                    Notification(
                        user=editor,
                        kind=kind,
                        params={"title": post.title},
                        url=post.get_absolute_url(),
                    )
                )
        if sent_back is not None and approver is not None:
            rows.append(
                Notification(
                    user=editor,
                    kind=Kind.MENTION,
                    params={
                        "title": sent_back.title,
                        "author": approver.get_full_name() or approver.username,
                    },
                    url=sent_back.get_absolute_url(),
                )
            )
    Notification.objects.bulk_create(rows)
