"""Posts in a given review state, built through the real services where it matters."""

from apps.planning.enums import PostStatus
from apps.planning.models import Post
from tests.factories import ChannelFactory, PostFactory


def post_in(status: str = PostStatus.DRAFT, *, author, channels=None, **fields) -> Post:
    """A post by ``author`` with one variant, put directly in ``status`` (test set-up only)."""
    fields.setdefault("last_editor", author)
    post = PostFactory(
        author=author,
        channels=channels if channels is not None else [ChannelFactory(name="Facebook")],
        **fields,
    )
    if status != PostStatus.DRAFT:
        Post.objects.filter(pk=post.pk).update(status=status)
        post.refresh_from_db()
    return post
