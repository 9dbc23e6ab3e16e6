"""The post's title is internal: citizens only ever read the variant's public title.

A post whose internal title is a marker goes out on every channel that shows a headline
(website news, newsletter, webhook, LinkedIn's link card) through the real engine and the
real adapters, against the local servers; then every public output is searched for it.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import ChannelCredential, Delivery
from apps.publishing.services import claim_due, schedule_deliveries, send_delivery
from tests.channel_servers import start_server
from tests.factories import ChannelFactory, PostFactory
from tests.newsletter.factories import SubscriberFactory

pytestmark = pytest.mark.django_db
KIND = "webhook"
MARKER = "[Demo revisione] Prova titolo interno 7F3A"
PUBLIC = "Il ponte di via Roma riapre lunedì"
LINK = "https://www.comune.esempio.it/ponte"


@pytest.fixture(scope="module")
def linkedin():
    started = start_server("linkedin")
    yield started
    started.stop()


def _channel(kind, *, config=None, secret=""):
    channel = ChannelFactory(name=f"Canale {kind}", kind=kind, config=config or {})
    if secret:
        ChannelCredential.objects.create(channel=channel, secret=secret)
    return channel


@pytest.fixture
def sent_post(server, linkedin):
    linkedin.reset()
    channels = [
        _channel(ChannelKind.WEBSITE),
        _channel(ChannelKind.NEWSLETTER),
        _channel(ChannelKind.WEBHOOK, config=server.config, secret=server.token),
        _channel(ChannelKind.LINKEDIN, config=linkedin.config, secret=linkedin.token),
    ]
    SubscriberFactory()
    post = PostFactory(
        title=MARKER,
        link=LINK,
        status=PostStatus.APPROVED,
        planned_at=timezone.now() - timedelta(minutes=1),
        channels=channels,
    )
    post.variants.update(public_title=PUBLIC)
    schedule_deliveries(post=post)
    outcomes = [send_delivery(delivery_id=pk) for pk in claim_due()]
    assert [o.state for o in outcomes] == [D.SENT] * 4
    return post


def _public_outputs(client, server, linkedin) -> dict[str, str]:
    website = Delivery.objects.get(variant__channel__kind=ChannelKind.WEBSITE)
    outputs = {
        "atom": client.get(reverse("website_feed:atom")).content.decode(),
        "rss": client.get(reverse("website_feed:rss")).content.decode(),
        "news list": client.get(reverse("website_feed:list")).content.decode(),
        "news item": client.get(reverse("website_feed:item", args=[website.pk])).content.decode(),
        "webhook": server.requests_to("/hooks/pa-planner")[0].body.decode(),
        "linkedin": linkedin.requests_to("/rest/posts")[0].body.decode(),
    }
    [message] = mail.outbox
    outputs["newsletter headers"] = str(message.message())  # headers, text and HTML parts
    outputs["newsletter text"] = message.body
    outputs["newsletter html"] = message.alternatives[0][0]
    return outputs


def test_the_internal_title_appears_in_no_public_output(sent_post, client, server, linkedin):
    outputs = _public_outputs(client, server, linkedin)

    assert [name for name, text in outputs.items() if MARKER in text] == []


def test_the_public_title_is_the_headline_subject_and_card_title(
    sent_post, client, server, linkedin
):
    assert mail.outbox[0].subject == PUBLIC
    assert server.requests_to("/hooks/pa-planner")[0].json["title"] == PUBLIC
    card = linkedin.requests_to("/rest/posts")[0].json["content"]["article"]
    assert card == {"source": LINK, "title": PUBLIC}
    website = Delivery.objects.get(variant__channel__kind=ChannelKind.WEBSITE)
    item = client.get(reverse("website_feed:item", args=[website.pk]))
    assert f"<h1>{PUBLIC}</h1>" in item.content.decode()


def test_each_delivery_records_the_title_it_went_out_with(sent_post):
    titles = Delivery.objects.filter(variant__post=sent_post).values_list("sent_title", flat=True)

    assert sorted(titles) == [PUBLIC] * 4


def test_a_public_title_edited_after_sending_does_not_change_the_published_item(sent_post, client):
    sent_post.variants.update(public_title="Un altro titolo")
    website = Delivery.objects.get(variant__channel__kind=ChannelKind.WEBSITE)

    item = client.get(reverse("website_feed:item", args=[website.pk])).content.decode()

    assert f"<h1>{PUBLIC}</h1>" in item
    assert "Un altro titolo" not in item
