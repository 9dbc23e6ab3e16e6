"""The editor's and the review's network previews draw the card the networks will show for a
post's link, from the cache only: a missing card is queued for a worker, never fetched while
the page waits, and the page's image is never loaded from the third-party site."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.publishing import linkcards, tasks
from apps.publishing.models import LinkCard
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db

LINK = "https://www.comune.esempio.it/notizie/lavori-via-roma"
IMAGE = "https://cdn.terzi.example/cantiere.jpg"


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.fetch_link_card, "delay", lambda **kw: calls.append(kw))
    return calls


def cached(url=LINK, **fields):
    values = {
        "title": "Lavori in via Roma fino a maggio",
        "description": "Senso unico alternato tra piazza Garibaldi e via Verdi.",
        "site_name": "Comune di Esempio",
        "image_url": IMAGE,
        "error": "",
        **fields,
    }
    return LinkCard.objects.create(
        url=url, url_hash=linkcards.url_hash(url), fetched_at=timezone.now(), **values
    )


def editor_preview(client, channel, link=LINK):
    return client.post(
        reverse("planning:check_variant"),
        {"channel": channel.pk, f"variant_{channel.pk}": "Lavori in via Roma.", "link": link},
    ).content.decode()


@pytest.mark.parametrize(
    "kind",
    [ChannelKind.FACEBOOK, ChannelKind.X, ChannelKind.MASTODON, ChannelKind.THREADS],
)
def test_the_editor_preview_draws_the_cached_card_without_loading_its_image(
    editor_client, queued, kind
):
    cached()
    body = editor_preview(editor_client, ChannelFactory(kind=kind))

    assert "Lavori in via Roma fino a maggio" in body
    assert "Senso unico alternato" in body
    assert "Comune di Esempio" in body
    assert "Immagine della pagina del link (non caricata qui)" in body
    assert IMAGE not in body
    assert queued == []


def test_a_link_without_a_card_yet_is_queued_once_and_the_preview_says_so(editor_client, queued):
    channel = ChannelFactory(kind=ChannelKind.FACEBOOK)
    body = editor_preview(editor_client, channel)
    editor_preview(editor_client, channel)  # the next keystroke, before the worker is done

    assert "Anteprima del link in preparazione" in body
    assert queued == [{"url": LINK}]
    assert not LinkCard.objects.exists()  # nothing fetched while the page waited


def test_a_page_without_a_card_is_said_so(editor_client, queued):
    cached(title="", description="", site_name="", image_url="", error="non è una pagina HTML")
    body = editor_preview(editor_client, ChannelFactory(kind=ChannelKind.MASTODON))
    assert "La pagina del link non offre un'anteprima" in body
    assert queued == []


def test_markup_in_a_card_is_escaped(editor_client, queued):
    cached(title='<script>alert("x")</script>', site_name="<b>Sito</b>")
    body = editor_preview(editor_client, ChannelFactory(kind=ChannelKind.X))
    assert "<script>alert" not in body and "<b>Sito</b>" not in body
    assert "&lt;script&gt;" in body


def test_the_review_page_shows_the_card_once_looked_up_for_every_network(
    approver_client, editor, queued
):
    channels = [
        ChannelFactory(kind=kind)
        for kind in (ChannelKind.FACEBOOK, ChannelKind.LINKEDIN, ChannelKind.BLUESKY)
    ]
    post = PostFactory(author=editor, link=LINK, channels=channels, status=PostStatus.IN_REVIEW)
    cached()

    with CaptureQueriesContext(connection) as counted:
        body = approver_client.get(f"/revisione/post/{post.pk}/").content.decode()

    lookups = [q for q in counted.captured_queries if "publishing_linkcard" in q["sql"]]
    assert len(lookups) == 1
    assert body.count("Senso unico alternato") == 3
    assert IMAGE not in body
    assert queued == []
