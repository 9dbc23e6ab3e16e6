"""Rows for the URLs of this area: the website feed (public) and channel credentials (admins)."""

from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from tests.factories import ChannelFactory, PostFactory
from tests.permissions import NOT_FOUND, ROLES, Access, admins, public


def _website_item(cast, state=DeliveryState.SENT):
    channel = ChannelFactory(name="Sito web", kind=ChannelKind.WEBSITE)
    post = PostFactory(author=cast["editor"], status=PostStatus.PUBLISHED, channels=[channel])
    delivery = Delivery.objects.create(
        variant=post.variants.get(), due_at=post.planned_at, state=state, sent_at=timezone.now()
    )
    return {"pk": delivery.pk}


def _channel(cast):
    return {"pk": ChannelFactory(name="Mastodon del Comune", kind=ChannelKind.MASTODON).pk}


_everyone_404 = {role: NOT_FOUND for role in ROLES}

ROWS = [
    public("website_feed:atom"),
    public("website_feed:rss"),
    public("website_feed:list"),
    public("website_feed:item", make_kwargs=_website_item),
    Access(
        "website_feed:item",
        make_kwargs=lambda cast: _website_item(cast, DeliveryState.WAITING),
        label=" unsent",
        **_everyone_404,
    ),
    admins("credentials:list"),
    admins("credentials:edit", make_kwargs=_channel),
    admins(
        "credentials:edit",
        method="POST",
        make_kwargs=_channel,
        data=lambda cast, kwargs: {"action": "set", "secret": "nuovo-token-1234"},
    ),
    # An outbox channel: verify answers "not supported" without any network call.
    admins(
        "credentials:verify",
        method="POST",
        make_kwargs=lambda cast: {"pk": ChannelFactory(name="Registro", kind="outbox").pk},
    ),
]
