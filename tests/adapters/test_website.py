"""The website channel: a sent delivery appears in the public Atom/RSS feed and on its page."""

import uuid
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.publishing.adapters.base import PublishRequest
from apps.publishing.adapters.website import WebsiteAdapter
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from tests.factories import ChannelFactory, PostFactory

ATOM = "{http://www.w3.org/2005/Atom}"
# Marks the internal titles: no public page or feed may show it.
INTERNAL = "[interno]"


def _item(
    *,
    title="Anagrafe chiusa lunedì",
    text="Lunedì l'anagrafe resta chiusa.",
    kind=None,
    state=DeliveryState.SENT,
    minutes_ago=5,
    **delivery_fields,
):
    """A website item whose public title is ``title``; the post's internal title differs."""
    channel = ChannelFactory(name=f"Sito {kind or 'web'}", kind=kind or ChannelKind.WEBSITE)
    post = PostFactory(
        title=f"{INTERNAL} {title}", base_text=text, status=PostStatus.PUBLISHED, channels=[channel]
    )
    variant = post.variants.get()
    variant.public_title = title
    variant.save(update_fields=["public_title"])
    return Delivery.objects.create(
        variant=variant,
        due_at=post.planned_at,
        state=state,
        sent_at=timezone.now() - timedelta(minutes=minutes_ago),
        sent_title=title if state == DeliveryState.SENT else "",
        **delivery_fields,
    )


def test_the_adapter_returns_the_public_page_of_the_item_and_can_reconcile():
    request = PublishRequest(delivery_id=12, idempotency_key=str(uuid.uuid4()), text="x")

    result = WebsiteAdapter().publish(request)

    assert result.external_id == "website-12"
    assert result.url == settings.SITE_URL + "/pubblicazione/feed/notizie/12/"
    assert WebsiteAdapter().find_existing(request) == result


@pytest.mark.django_db
def test_the_atom_feed_lists_sent_website_items_newest_first(client):
    older = _item(title="Prima notizia", minutes_ago=60)
    newer = _item(title="Seconda notizia", minutes_ago=1)
    _item(title="Non ancora inviata", state=DeliveryState.WAITING)
    _item(title="Ritirata", deleted_at=timezone.now())
    _item(title="Solo su Mastodon", kind=ChannelKind.MASTODON)

    response = client.get(reverse("website_feed:atom"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert titles == ["Seconda notizia", "Prima notizia"]
    links = [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")]
    assert links[0].endswith(f"/pubblicazione/feed/notizie/{newer.pk}/")
    assert links[1].endswith(f"/pubblicazione/feed/notizie/{older.pk}/")


@pytest.mark.django_db
def test_the_feed_is_at_the_address_the_website_subscribes_to(client):
    assert reverse("website_feed:atom") == "/pubblicazione/feed/notizie.atom"
    assert reverse("website_feed:rss") == "/pubblicazione/feed/notizie.rss"


@pytest.mark.django_db
def test_markup_in_titles_and_text_is_escaped_in_the_feeds(client):
    _item(title='Sagra <script>alert("x")</script> & festa', text="Prezzi < 5 € & gratis <b>")

    atom = client.get(reverse("website_feed:atom")).content
    rss = client.get(reverse("website_feed:rss")).content

    assert b"<script>" not in atom and b"<script>" not in rss
    entry = ET.fromstring(atom).find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == 'Sagra <script>alert("x")</script> & festa'
    # Atom's summary is type="html" and RSS descriptions are read as HTML: once the XML is
    # parsed, the editor's text must still be escaped HTML, never markup a reader renders.
    summary = "<p>Prezzi &lt; 5 € &amp; gratis &lt;b&gt;</p>"
    assert entry.find(f"{ATOM}summary").get("type") == "html"
    assert entry.findtext(f"{ATOM}summary") == summary
    item = ET.fromstring(rss).find("channel/item")
    assert item.findtext("title") == 'Sagra <script>alert("x")</script> & festa'
    assert item.findtext("description") == summary


@pytest.mark.django_db
def test_the_feed_summary_keeps_the_paragraphs_of_the_text(client):
    _item(text="Primo paragrafo.\n\nSecondo paragrafo,\nstessa frase.")

    entry = ET.fromstring(client.get(reverse("website_feed:atom")).content).find(f"{ATOM}entry")

    assert entry.findtext(f"{ATOM}summary") == (
        "<p>Primo paragrafo.</p>\n\n<p>Secondo paragrafo,<br>stessa frase.</p>"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_the_feed_costs_two_queries_however_many_items(client, django_assert_num_queries, count):
    for n in range(count):
        _item(title=f"Notizia {n}")

    with django_assert_num_queries(2):  # last-modified, then the items
        response = client.get(reverse("website_feed:atom"))

    assert len(ET.fromstring(response.content).findall(f"{ATOM}entry")) == count


@pytest.mark.django_db
def test_the_item_page_shows_the_text_escaped(client):
    delivery = _item(title="Lavori in via Roma", text="Dal 3 marzo <strada> chiusa.")

    response = client.get(reverse("website_feed:item", kwargs={"pk": delivery.pk}))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Lavori in via Roma</h1>" in html
    assert "Dal 3 marzo &lt;strada&gt; chiusa." in html


@pytest.mark.django_db
def test_an_unsent_or_withdrawn_item_has_no_public_page(client):
    waiting = _item(state=DeliveryState.WAITING)
    withdrawn = _item(deleted_at=timezone.now())

    for delivery in (waiting, withdrawn):
        response = client.get(reverse("website_feed:item", kwargs={"pk": delivery.pk}))
        assert response.status_code == 404


@pytest.mark.django_db
def test_a_reader_polling_an_unchanged_feed_gets_304_and_a_withdrawal_changes_it(client):
    delivery = _item(minutes_ago=10)
    first = client.get(reverse("website_feed:atom"))

    again = client.get(reverse("website_feed:atom"), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    Delivery.objects.filter(pk=delivery.pk).update(deleted_at=timezone.now() + timedelta(seconds=2))
    after_withdrawal = client.get(
        reverse("website_feed:atom"), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )

    assert first.status_code == 200
    assert again.status_code == 304
    assert after_withdrawal.status_code == 200
    assert ET.fromstring(after_withdrawal.content).findall(f"{ATOM}entry") == []


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_the_news_page_lists_the_feed_items_in_one_query(client, django_assert_num_queries, count):
    for n in range(count):
        _item(title=f"Notizia <{n}>", text=f"Testo della notizia {n}")
    _item(title="Non ancora inviata", state=DeliveryState.WAITING)

    with django_assert_num_queries(1):
        response = client.get(reverse("website_feed:list"))

    html = response.content.decode()
    assert html.count("<article>") == count
    assert "Notizia &lt;0&gt;" in html
    assert "Non ancora inviata" not in html


@pytest.mark.django_db
def test_an_item_sent_without_a_public_title_is_named_by_its_date_not_the_internal_title(client):
    item = _item(title="")
    Delivery.objects.filter(pk=item.pk).update(sent_at=timezone.now().replace(2026, 3, 11, 10))

    feed = ET.fromstring(client.get(reverse("website_feed:atom")).content)
    page = client.get(reverse("website_feed:item", args=[item.pk])).content.decode()

    assert [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] == [
        "Notizia pubblicata l'11 marzo 2026"
    ]
    assert "<h1>Notizia pubblicata l&#x27;11 marzo 2026</h1>" in page
    assert INTERNAL not in page
