"""The post follows its deliveries: published, partly failed or failed, as they say."""

import logging

from django.utils.translation import gettext as _

from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.planning.transitions import TransitionError, transition

from .enums import DeliveryState as D
from .models import Delivery

logger = logging.getLogger(__name__)


def post_status_for(states: list[str]) -> str | None:
    """The post status its deliveries imply, or None while it should stay as it is."""
    states = [s for s in states if s != D.CANCELLED]
    if not states:
        return None
    sent = states.count(D.SENT)
    failed = states.count(D.FAILED)
    if sent == len(states):
        return PostStatus.PUBLISHED
    if failed == len(states):
        return PostStatus.FAILED
    if failed:
        return PostStatus.PARTLY_FAILED
    return None


def sync_post_status(*, post: Post, by=None) -> Post:
    """Moves the post to published / partly failed / failed as its deliveries say."""
    states = list(Delivery.objects.filter(variant__post=post).values_list("state", flat=True))
    return _follow(post, states, by)


def sync_post_statuses(posts: list[Post]) -> None:
    """:func:`sync_post_status` for several posts, their deliveries' states read at once."""
    states: dict[int, list[str]] = {post.pk: [] for post in posts}
    for post_id, state in Delivery.objects.filter(variant__post__in=list(states)).values_list(
        "variant__post_id", "state"
    ):
        states[post_id].append(state)
    for post in posts:
        _follow(post, states[post.pk], None)


def _follow(post: Post, states: list[str], by) -> Post:
    target = post_status_for(states)
    if target is None or target == post.status:
        return post
    if post.status not in (
        PostStatus.APPROVED,
        PostStatus.PARTLY_FAILED,
        PostStatus.FAILED,
    ):
        logger.warning("Post %s is %s: its status does not follow deliveries", post.pk, post.status)
        return post
    try:
        return transition(post, target, by=by, note=lambda: _("Stato degli invii aggiornato."))
    except TransitionError as exc:
        logger.warning("Post %s: %s", post.pk, exc)
        return post
