"""The post follows its deliveries: published, partly failed or failed, as they say."""

import logging
from collections import defaultdict

from django.utils.translation import gettext as _

from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.planning.transitions import TransitionError, transition, transition_many

from .enums import DeliveryState as D
from .models import Delivery

logger = logging.getLogger(__name__)

# The statuses a post leaves by itself as its deliveries are sent or fail.
FOLLOWING_STATES = (PostStatus.APPROVED, PostStatus.PARTLY_FAILED, PostStatus.FAILED)


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
    by_target: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        target = post_status_for(states[post.pk])
        if _follows(post, target):
            by_target[target].append(post)
    for target, group in by_target.items():
        try:
            transition_many(group, target, note=_followed_note)
        except TransitionError:  # one of them changed meanwhile: each on its own
            for post in group:
                _follow(post, states[post.pk], None)


def _followed_note():  # the audit summary of these moves, in the site's language
    return _("Stato degli invii aggiornato.")


def _follows(post: Post, target: str | None) -> bool:
    if target is None or target == post.status:
        return False
    if post.status not in FOLLOWING_STATES:
        logger.warning("Post %s is %s: its status does not follow deliveries", post.pk, post.status)
        return False
    return True


def _follow(post: Post, states: list[str], by) -> Post:
    target = post_status_for(states)
    if not _follows(post, target):
        return post
    try:
        return transition(post, target, by=by, note=_followed_note)
    except TransitionError as exc:
        logger.warning("Post %s: %s", post.pk, exc)
        return post
