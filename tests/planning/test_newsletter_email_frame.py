"""The newsletter preview is the real email: the same text and HTML parts the subscribers get,
built by the same code, served to a sandboxed frame that only our own pages may embed and in
which nothing can load or run."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.publishing.services import claim_due, schedule_deliveries, send_delivery
from tests.factories import ChannelFactory, PostFactory
from tests.newsletter.factories import SubscriberFactory

pytestmark = pytest.mark.django_db
TEXT = "Lunedì il ponte di via Roma riapre.\n\nI lavori sono finiti <in anticipo>."
LINK = "https://www.comune.esempio.it/ponte"


@pytest.fixture
def newsletter_post(editor):
    channel = ChannelFactory(name="Newsletter", kind=ChannelKind.NEWSLETTER)
    post = PostFactory(
        author=editor,
        base_text=TEXT,
        link=LINK,
        status=PostStatus.APPROVED,
        planned_at=timezone.now() - timedelta(minutes=1),
        channels=[channel],
    )
    post.variants.update(public_title="Il ponte riapre")
    return post, channel


def _part(client, post, channel, part):
    return client.get(reverse("planning:newsletter_email", args=[post.pk, channel.pk, part]))


def _without_unsubscribe(body: str) -> str:
    """The body with the per-subscriber unsubscribe address cut out."""
    cut = body.find("/newsletter/disiscrizione/")
    end = min(i for i in (body.find('"', cut), body.find("\n", cut), len(body)) if i > cut)
    return body[:cut] + body[end:]


def test_the_frame_shows_exactly_the_email_a_subscriber_then_gets(editor_client, newsletter_post):
    post, channel = newsletter_post
    html = _part(editor_client, post, channel, "html").content.decode()
    text = _part(editor_client, post, channel, "testo").content.decode()
    SubscriberFactory()
    schedule_deliveries(post=post)
    [send_delivery(delivery_id=pk) for pk in claim_due()]

    [message] = mail.outbox
    [(sent_html, mime)] = message.alternatives
    assert mime == "text/html"
    assert _without_unsubscribe(html) == _without_unsubscribe(sent_html)
    assert text.startswith("Oggetto: Il ponte riapre\n\n")
    assert _without_unsubscribe(text.split("\n\n", 1)[1]) == _without_unsubscribe(message.body)
    assert "&lt;in anticipo&gt;" in html  # the editor's text is escaped in the HTML part


def test_the_frame_has_a_strict_policy_and_only_our_pages_may_embed_it(
    editor_client, newsletter_post
):
    post, channel = newsletter_post

    response = _part(editor_client, post, channel, "html")

    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'self'"
    assert "sandbox" in directives
    assert directives["script-src"] == "'none'"
    assert directives["style-src"] == "'none'"
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "no-store" in response["Cache-Control"]


def test_other_pages_still_refuse_to_be_framed(editor_client, newsletter_post):
    post, _channel = newsletter_post

    response = editor_client.get(reverse("planning:post_detail", args=[post.pk]))

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_a_channel_that_is_not_a_newsletter_or_an_unknown_part_is_not_found(
    editor_client, newsletter_post
):
    post, channel = newsletter_post
    facebook = ChannelFactory(kind=ChannelKind.FACEBOOK)
    post.variants.create(channel=facebook, text="Ciao")

    assert _part(editor_client, post, facebook, "html").status_code == 404
    assert _part(editor_client, post, channel, "pdf").status_code == 404


def test_the_review_page_frames_both_parts_sandboxed(approver_client, newsletter_post):
    post, channel = newsletter_post
    post.status = PostStatus.IN_REVIEW
    post.save(update_fields=["status"])

    body = approver_client.get(reverse("review:post", args=[post.pk])).content.decode()

    for part in ("html", "testo"):
        src = reverse("planning:newsletter_email", args=[post.pk, channel.pk, part])
        assert f'sandbox="" loading="lazy" referrerpolicy="no-referrer" src="{src}"' in body
