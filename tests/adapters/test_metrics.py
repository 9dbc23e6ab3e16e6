"""Each adapter's ``metrics`` and ``followers`` against its network's documented endpoints
(the fakes in tests/channel_servers serve them): the right request, the figures mapped to
PostMetrics (None where the network gives none), deleted posts, rate limits."""

import pytest

from apps.publishing.adapters.base import GoneError, PostMetrics, TransientError
from apps.publishing.adapters.bluesky import BlueskyAdapter
from apps.publishing.adapters.facebook import FacebookAdapter
from apps.publishing.adapters.instagram import InstagramAdapter
from apps.publishing.adapters.linkedin import LinkedInAdapter
from apps.publishing.adapters.mastodon import MastodonAdapter
from apps.publishing.adapters.registry import ADAPTERS
from apps.publishing.adapters.threads import ThreadsAdapter
from apps.publishing.adapters.x import XAdapter
from tests.adapters.conftest import PATIENT
from tests.channel_servers import start_server

FIGURES = {
    "impressions": 2400,
    "reach": 1800,
    "reactions": 90,
    "comments": 12,
    "shares": 8,
    "link_clicks": 31,
    "video_views": 0,
}


@pytest.fixture(scope="module")
def servers():
    started = {
        kind: start_server(kind)
        for kind in ("x", "mastodon", "facebook", "linkedin", "bluesky", "threads")
    }
    started["instagram"] = started["facebook"]  # one Graph server plays both
    yield started
    for kind, server in started.items():
        if kind != "instagram":
            server.stop()


@pytest.fixture
def published(servers, make_publish):
    """Publishes one post on ``kind``'s fake and returns (adapter, server, external id)."""

    def publish(kind, adapter):
        server = servers[kind]
        server.reset()
        result = adapter.publish(make_publish(server))
        return server, result.external_id

    return publish


@pytest.fixture
def make_publish(image):
    import uuid

    from apps.publishing.adapters.base import PublishRequest

    def make(server):
        return PublishRequest(
            delivery_id=1,
            idempotency_key=str(uuid.uuid4()),
            text="Raccolta differenziata: da lunedì nuovi orari dell'isola ecologica.",
            images=(image,),
            config={**server.config, **PATIENT},
            secret=server.token,
        )

    return make


def _read(adapter, server, external_id):
    return adapter.metrics(
        external_id=external_id, config={**server.config, **PATIENT}, secret=server.token
    )


def test_x_reads_public_metrics_likes_replies_and_reposts_with_quotes(published):
    adapter = XAdapter()
    server, tweet_id = published("x", adapter)
    server.set_figures(tweet_id, **FIGURES)

    figures = _read(adapter, server, tweet_id)

    [request] = server.requests_to(f"/2/tweets/{tweet_id}", method="GET")
    assert request.query["tweet.fields"] == ["public_metrics"]
    assert figures == PostMetrics(impressions=2400, reactions=90, comments=12, shares=8)


def test_mastodon_reads_favourites_reblogs_and_replies_and_no_views(published):
    adapter = MastodonAdapter()
    server, status_id = published("mastodon", adapter)
    server.set_figures(status_id, **FIGURES)

    figures = _read(adapter, server, status_id)

    assert figures == PostMetrics(reactions=90, comments=12, shares=8)
    assert figures.impressions is None  # Mastodon counts no views: unknown, not zero


def test_facebook_reads_page_post_insights_and_comment_and_share_counts(published):
    adapter = FacebookAdapter()
    server, post_id = published("facebook", adapter)
    server.set_figures(post_id, **FIGURES)

    figures = _read(adapter, server, post_id)

    [insights] = server.requests_to(f"/{post_id}/insights", method="GET")
    assert "post_impressions_unique" in insights.query["metric"][0]
    assert figures == PostMetrics(
        reach=1800,
        impressions=2400,
        reactions=90,
        comments=12,
        shares=8,
        link_clicks=31,
        video_views=0,
    )


def test_a_facebook_post_nobody_shared_has_zero_shares_not_unknown(published):
    adapter = FacebookAdapter()
    server, post_id = published("facebook", adapter)
    server.set_figures(post_id, shares=0)

    assert _read(adapter, server, post_id).shares == 0


def test_instagram_reads_media_insights(published):
    adapter = InstagramAdapter()
    server, media_id = published("instagram", adapter)
    server.set_figures(media_id, **FIGURES)

    figures = _read(adapter, server, media_id)

    assert figures == PostMetrics(reach=1800, impressions=2400, reactions=90, comments=12, shares=8)


def test_linkedin_reads_organizational_entity_share_statistics(published):
    adapter = LinkedInAdapter()
    server, urn = published("linkedin", adapter)
    server.set_figures(urn, **FIGURES)

    figures = _read(adapter, server, urn)

    [request] = server.requests_to("/rest/organizationalEntityShareStatistics", method="GET")
    assert request.query["shares"] == [f"List({urn})"]
    assert request.query["organizationalEntity"] == ["urn:li:organization:12345678"]
    assert figures == PostMetrics(
        reach=1800, impressions=2400, reactions=90, comments=12, shares=8, link_clicks=31
    )


def test_bluesky_reads_likes_replies_reposts_and_quotes_from_get_posts(published):
    adapter = BlueskyAdapter()
    server, uri = published("bluesky", adapter)
    server.set_figures(uri, **FIGURES)

    figures = _read(adapter, server, uri)

    [request] = server.requests_to("/xrpc/app.bsky.feed.getPosts", method="GET")
    assert request.query["uris"] == [uri]
    # reposts 6 + quotes 2 (the fake splits the shares); Bluesky counts no views
    assert figures == PostMetrics(reactions=90, comments=12, shares=8)


def test_threads_reads_media_insights_views_likes_replies_reposts_and_quotes(published):
    adapter = ThreadsAdapter()
    server, post_id = published("threads", adapter)
    server.set_figures(post_id, **FIGURES)

    figures = _read(adapter, server, post_id)

    [request] = server.requests_to(f"/{post_id}/insights", method="GET")
    assert request.query["metric"] == ["views,likes,replies,reposts,quotes"]
    assert figures == PostMetrics(impressions=2400, reactions=90, comments=12, shares=8)


def test_threads_followers_come_from_the_users_threads_insights(servers):
    server = servers["threads"]
    server.reset()
    server.followers = 987

    followers = ThreadsAdapter().followers(config={**server.config, **PATIENT}, secret=server.token)

    [request] = server.requests_to("/me/threads_insights", method="GET")
    assert request.query["metric"] == ["followers_count"]
    assert followers == 987


@pytest.mark.parametrize(
    "kind, adapter",
    [
        ("x", XAdapter()),
        ("mastodon", MastodonAdapter()),
        ("facebook", FacebookAdapter()),
        ("instagram", InstagramAdapter()),
        ("linkedin", LinkedInAdapter()),
        ("bluesky", BlueskyAdapter()),
        ("threads", ThreadsAdapter()),
    ],
)
def test_a_post_deleted_on_the_network_is_gone(published, kind, adapter):
    server, external_id = published(kind, adapter)
    server.items.clear()  # someone deleted it on the network

    with pytest.raises(GoneError):
        _read(adapter, server, external_id)


@pytest.mark.parametrize(
    "kind, adapter",
    [
        ("x", XAdapter()),
        ("mastodon", MastodonAdapter()),
        ("facebook", FacebookAdapter()),
        ("linkedin", LinkedInAdapter()),
        ("bluesky", BlueskyAdapter()),
        ("threads", ThreadsAdapter()),
    ],
)
def test_a_rate_limit_is_transient_with_the_services_wait(published, kind, adapter):
    server, external_id = published(kind, adapter)
    server.fail_next(1, "429", retry_after=120)

    with pytest.raises(TransientError) as caught:
        _read(adapter, server, external_id)

    assert caught.value.retry_after is not None
    assert 60 <= caught.value.retry_after <= 180


@pytest.mark.parametrize(
    "kind, adapter",
    [
        ("x", XAdapter()),
        ("mastodon", MastodonAdapter()),
        ("facebook", FacebookAdapter()),
        ("instagram", InstagramAdapter()),
        ("linkedin", LinkedInAdapter()),
        ("bluesky", BlueskyAdapter()),
        ("threads", ThreadsAdapter()),
    ],
)
def test_followers_come_from_the_accounts_own_endpoint(servers, kind, adapter):
    server = servers[kind]
    server.reset()
    server.followers = 4321

    assert adapter.followers(config={**server.config, **PATIENT}, secret=server.token) == 4321


def test_telegram_gives_its_channels_subscribers():
    from apps.publishing.adapters.telegram import TelegramAdapter

    server = start_server("telegram")
    try:
        server.followers = 1312
        config = {**server.config, **PATIENT}
        assert TelegramAdapter().followers(config=config, secret=server.token) == 1312
        [request] = server.requests_to("/getChatMemberCount")
        assert request.field("chat_id") == config["chat_id"]
    finally:
        server.stop()


def test_only_telegram_and_the_non_social_channels_give_no_numbers():
    with_numbers = sorted(kind for kind, cls in ADAPTERS.items() if cls.supports_metrics)

    assert with_numbers == [
        "bluesky",
        "facebook",
        "instagram",
        "linkedin",
        "mastodon",
        "threads",
        "x",
    ]
