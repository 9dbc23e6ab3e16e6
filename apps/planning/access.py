"""Who may act on a post, and how views reach one (the role checked, what pages show preloaded).

The one rule of who manages a post lives here: views, template tags, selectors and the
workflow services (submit, withdraw, cancel, retry a delivery) all ask :func:`can_manage_post`.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404

from apps.accounts.roles import can

from .models import Post, Variant


def can_manage_post(user, post: Post) -> bool:
    """The author manages their own posts (edit, move, submit, withdraw, cancel, retry a
    delivery); approvers and administrators manage any post."""
    return (
        bool(user and user.is_authenticated)
        and can(user, "plan")
        and (post.author_id == user.pk or can(user, "review"))
    )


def can_see_post(user, post: Post | None) -> bool:
    """Who may read a post (its page, its comments, a notification about it): every staff
    role sees every post of the office; a person without a role sees none."""
    return bool(user and user.is_authenticated) and can(user, "plan")


def get_post_for_user(request_or_user, pk, *, for_edit: bool = False) -> Post:
    """The post ``pk`` for this user, or 404 (no such post) / 403 (not theirs to see or edit)."""
    user = getattr(request_or_user, "user", request_or_user)
    if not can_see_post(user, None):
        raise PermissionDenied
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    post = post_with_relations(pk)
    if post is None:
        raise Http404
    if for_edit and not can_manage_post(user, post):
        raise PermissionDenied
    return post


def post_with_relations(pk: int) -> Post | None:
    """The post with what its pages show: category, people, event, channels of its variants."""
    return (
        Post.objects.select_related(
            "category", "author", "last_editor", "event", "approved_by", "campaign"
        )
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.select_related(
                    "channel__connection", "channel__credential"
                ),
            ),
            "images",
            "tags",
        )
        .filter(pk=pk)
        .first()
    )
