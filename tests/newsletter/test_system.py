"""Real processes: Celery beat and workers send the newsletter through a real SMTP server and
put the website item in the public feed, each exactly once, at the post's time."""

# ruff: noqa: F811 - the Celery fixtures are imported by name, then requested as arguments
import email
import email.policy
import socket
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.channels.models import Channel
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from apps.publishing.services import schedule_deliveries
from tests.browser.conftest import role_groups  # noqa: F401 - fixture
from tests.factories import PostFactory
from tests.newsletter.conftest import _Sink
from tests.newsletter.factories import SubscriberFactory
from tests.system.conftest import celery_stack, stack  # noqa: F401 - fixtures
from tests.system.harness import wait_for

# No serialized_rollback: after any earlier transactional test (browser tests flush and
# recreate the content types under new ids) reloading the serialized rows collides with them.
# The role groups the factories need come from the ``role_groups`` fixture instead.
pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SMTP_PORT = _free_port()
# The worker processes send through the test's SMTP server.
SYSTEM_ENV = {"EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}"}


@pytest.fixture(scope="module")
def smtp_sink():
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield sink
    controller.stop()


def test_a_post_goes_out_by_newsletter_and_on_the_website_once_at_its_time(
    stack, smtp_sink, client, role_groups
):
    subscribers = [SubscriberFactory(), SubscriberFactory()]
    SubscriberFactory(confirmed_at=None)
    channels = [
        Channel.objects.create(name="Newsletter", kind=ChannelKind.NEWSLETTER),
        Channel.objects.create(name="Sito web", kind=ChannelKind.WEBSITE),
    ]
    text = "Da lunedì 10 marzo apre il nuovo sportello unico per le attività produttive."
    post = PostFactory(
        title="[interno] SUAP",
        base_text=text,
        status=PostStatus.APPROVED,
        planned_at=timezone.now() + timedelta(seconds=2),
        channels=channels,
    )
    post.variants.update(public_title="Nuovo SUAP")
    schedule_deliveries(post=post)

    def states():
        return sorted(Delivery.objects.filter(variant__post=post).values_list("state", flat=True))

    wait_for(lambda: states() == [D.SENT, D.SENT], timeout=30, what=lambda: states())

    recipients = sorted(r for envelope in smtp_sink.envelopes for r in envelope.rcpt_tos)
    assert recipients == sorted(s.email for s in subscribers)
    message = email.message_from_bytes(smtp_sink.envelopes[0].content, policy=email.policy.default)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for delivery in Delivery.objects.filter(variant__post=post):
        assert 0 <= (delivery.sending_started_at - delivery.due_at).total_seconds() < 5
    feed = ET.fromstring(client.get(reverse("website_feed:atom")).content)
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed]
    assert "Nuovo SUAP" in titles and "[interno] SUAP" not in titles
