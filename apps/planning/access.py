"""How views reach a post: the role is checked and what the pages show is preloaded."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404

from apps.accounts.roles import can

from .models import Post, Variant


def can_edit_post(user, post: Post) -> bool:
    """The author edits their own posts; approvers and administrators edit any post."""
    return can(user, "plan") and (post.author_id == user.pk or can(user, "review"))


def get_post_for_user(request_or_user, pk, *, for_edit: bool = False) -> Post:
    """The post ``pk`` for this user, or 404 (no such post) / 403 (not theirs to see or edit)."""
    user = getattr(request_or_user, "user", request_or_user)
    if not can(user, "plan"):
        raise PermissionDenied
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    post = (
        Post.objects.select_related("category", "author", "last_editor", "event", "approved_by")
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.select_related(
                    "channel__connection", "channel__credential"
                ),
            ),
            "images",
        )
        .filter(pk=pk)
        .first()
    )
    if post is None:
        raise Http404
    if for_edit and not can_edit_post(user, post):
        raise PermissionDenied
    return post
