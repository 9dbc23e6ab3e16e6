"""The website *Notizia*: what the Designers Italia "sito comunale" model asks of a news item.

A website variant needs a short description (at most 255 characters), its topics
(*argomenti*), its type (comunicato stampa / avviso / notizia) and the office responsible
(*a cura di*). They are reviewed content, checked live in the editor, carried in the Atom/RSS
feed (summary and categories) and in the webhook channel's payload, and shown in the preview.
"""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.checks import analyse_variant, check_post
from apps.planning.enums import PostStatus
from apps.planning.models import Post, Variant
from apps.planning.news import NewsFields, split_topics
from apps.planning.news import field_name as news_field
from apps.planning.review_scope import reviewed_fields
from apps.publishing.adapters.base import PublishRequest
from apps.publishing.adapters.webhook import WebhookAdapter
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from apps.publishing.services import build_publish_request
from apps.review.editing import update_post
from apps.review.selectors import changes_since_approval
from apps.review.services import approve_post
from tests.channel_servers import start_server
from tests.factories import CategoryFactory, ChannelFactory, PostFactory
from tests.planning.news import COMPLETE_NEWS, NEWS_COLUMNS, news_form_data
from tests.review.factories import post_in

pytestmark = pytest.mark.django_db
TEXT = "Lunedì il ponte di via Roma riapre al traffico dopo i lavori."
ATOM = "{http://www.w3.org/2005/Atom}"


def _codes(report) -> list[str]:
    return [f.code for f in report.findings if f.code.startswith("news_")]


def test_a_website_variant_without_its_notizia_fields_has_one_blocking_finding_per_field():
    website = ChannelFactory(kind=ChannelKind.WEBSITE)

    report = analyse_variant(TEXT, website, public_title="Il ponte riapre")

    assert _codes(report) == [
        "news_summary_missing",
        "news_topics_missing",
        "news_type_missing",
        "news_office_missing",
    ]
    assert all(f.blocking for f in report.findings if f.code.startswith("news_"))
    assert report.summary_length == 0


def test_a_complete_notizia_has_no_findings_and_other_channels_have_none_of_these_checks():
    website = ChannelFactory(kind=ChannelKind.WEBSITE)
    facebook = ChannelFactory(kind=ChannelKind.FACEBOOK)
    complete = analyse_variant(TEXT, website, public_title="Il ponte", news=COMPLETE_NEWS)

    assert complete.findings == []
    assert _codes(analyse_variant(TEXT, facebook)) == []
    assert analyse_variant(TEXT, facebook).summary_length is None


def test_on_the_webhook_the_fields_are_optional_but_still_checked_for_length():
    webhook = ChannelFactory(kind=ChannelKind.WEBHOOK)

    assert _codes(analyse_variant(TEXT, webhook)) == []
    assert _codes(analyse_variant(TEXT, webhook, news=NewsFields(summary="x" * 256))) == [
        "news_summary_long"
    ]


def test_a_short_description_over_255_characters_blocks_and_the_counter_says_how_long():
    website = ChannelFactory(kind=ChannelKind.WEBSITE)
    news = NewsFields(**{**COMPLETE_NEWS.__dict__, "summary": "a" * 256})

    report = analyse_variant(TEXT, website, public_title="Il ponte", news=news)

    assert _codes(report) == ["news_summary_long"]
    assert report.summary_length == 256


def test_topics_are_split_on_commas_trimmed_and_kept_once():
    assert split_topics(" Mobilità, lavori  pubblici,,mobilità ,Ambiente") == [
        "Mobilità",
        "lavori pubblici",
        "Ambiente",
    ]
    assert split_topics("") == []


def test_every_notizia_field_is_reviewed_content():
    assert {"news_summary", "news_topics", "news_type", "news_office"} <= set(
        reviewed_fields(Variant)
    )


def test_approval_checks_see_the_stored_notizia_fields():
    post = PostFactory(channels=[ChannelFactory(kind=ChannelKind.WEBSITE)])
    post.variants.update(public_title="Il ponte riapre")
    missing = check_post(Post.objects.prefetch_related("variants__channel", "images").get())
    post.variants.update(**NEWS_COLUMNS)
    complete = check_post(Post.objects.prefetch_related("variants__channel", "images").get())

    assert any(f.code == "news_topics_missing" for f in next(iter(missing.values())))
    assert not any(f.blocking for f in next(iter(complete.values())))


def _form_data(channel, **overrides) -> dict:
    day = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%d")
    data = {
        "title": "Prova interna",
        "category": CategoryFactory(slug="informativo-notizia").pk,
        "planned_date": day,
        "planned_time": "10:30",
        "channels": [channel.pk],
        "base_text": TEXT,
        "link": "",
        "notes": "",
        "nuove-TOTAL_FORMS": "2",
        "nuove-INITIAL_FORMS": "0",
        f"public_title_{channel.pk}": "Il ponte riapre lunedì",
        **news_form_data(channel),
    }
    data.update(overrides)
    return data


def test_the_editor_saves_the_notizia_fields(editor_client):
    website = ChannelFactory(name="Sito del Comune", kind=ChannelKind.WEBSITE)

    response = editor_client.post(
        reverse("planning:post_create"),
        _form_data(website, **{news_field("topics", website.pk): " Mobilità ,Lavori pubblici"}),
    )

    assert response.status_code == 302, response.context["form"].errors
    variant = Variant.objects.get(channel=website)
    assert variant.news_summary == NEWS_COLUMNS["news_summary"]
    assert variant.news_topics == ["Mobilità", "Lavori pubblici"]
    assert (variant.news_type, variant.news_office) == ("avviso", "Ufficio Lavori pubblici")
    edit = editor_client.get(reverse("planning:post_edit", args=[variant.post_id]))
    assert 'value="Mobilità, Lavori pubblici"' in edit.content.decode()


def test_the_editor_refuses_a_website_post_without_them_keeping_what_was_typed(editor_client):
    website = ChannelFactory(name="Sito del Comune", kind=ChannelKind.WEBSITE)
    data = _form_data(
        website,
        **{news_field("type", website.pk): "", news_field("office", website.pk): "  "},
    )

    response = editor_client.post(reverse("planning:post_create"), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors[news_field("type", website.pk)] == [
        "Scegli il tipo di notizia: comunicato stampa, avviso o notizia."
    ]
    assert errors[news_field("office", website.pk)] == [
        "Indica l'ufficio che cura la notizia («a cura di»)."
    ]
    body = response.content.decode()
    assert NEWS_COLUMNS["news_summary"].replace("'", "&#x27;") in body
    assert 'aria-invalid="true"' in body
    assert not Post.objects.exists()


def test_the_office_is_prefilled_from_the_channel_on_a_new_post(editor_client):
    ChannelFactory(kind=ChannelKind.WEBSITE, config={"news_office": "Ufficio stampa"})

    body = editor_client.get(reverse("planning:post_create")).content.decode()

    assert 'value="Ufficio stampa"' in body


def test_the_live_check_counts_the_short_description_and_the_preview_shows_the_notizia(
    editor_client,
):
    website = ChannelFactory(kind=ChannelKind.WEBSITE)

    response = editor_client.post(
        reverse("planning:check_variant"),
        {
            "channel": website.pk,
            f"variant_{website.pk}": TEXT,
            f"public_title_{website.pk}": "Il ponte riapre",
            news_field("summary", website.pk): "Riapre il <ponte>.",
            news_field("topics", website.pk): "Mobilità",
            news_field("type", website.pk): "comunicato_stampa",
            news_field("office", website.pk): "",
        },
    )

    body = response.content.decode()
    assert "Descrizione breve: 18 caratteri su 255" in body
    assert "Indica l&#x27;ufficio che cura la notizia" in body
    assert "Riapre il &lt;ponte&gt;." in body  # the preview, escaped
    assert "Comunicato stampa" in body
    assert '<li class="list-inline-item">Mobilità</li>' in body


def _sent_website_item(**columns) -> Delivery:
    channel = ChannelFactory(kind=ChannelKind.WEBSITE)
    post = PostFactory(status=PostStatus.PUBLISHED, channels=[channel])
    post.variants.update(public_title="Il ponte riapre", **columns)
    return Delivery.objects.create(
        variant=post.variants.get(),
        due_at=post.planned_at,
        state=DeliveryState.SENT,
        sent_at=timezone.now(),
        sent_title="Il ponte riapre",
    )


def test_the_feed_carries_the_summary_and_the_type_and_topics_as_categories(client):
    delivery = _sent_website_item(**NEWS_COLUMNS)

    atom = ET.fromstring(client.get(reverse("website_feed:atom")).content)
    rss = ET.fromstring(client.get(reverse("website_feed:rss")).content)

    entry = atom.find(f"{ATOM}entry")
    assert NEWS_COLUMNS["news_summary"] in entry.findtext(f"{ATOM}summary")
    terms = [c.get("term") for c in entry.findall(f"{ATOM}category")]
    assert terms == ["Avviso", "Mobilità", "Lavori pubblici", delivery.variant.post.category.name]
    item = rss.find("channel/item")
    assert [c.text for c in item.findall("category")] == terms
    page = client.get(reverse("website_feed:item", kwargs={"pk": delivery.pk})).content.decode()
    assert "Ufficio Lavori pubblici" in page


def test_an_item_sent_before_the_notizia_fields_keeps_its_text_as_summary(client):
    _sent_website_item()

    entry = ET.fromstring(client.get(reverse("website_feed:atom")).content).find(f"{ATOM}entry")

    assert "anagrafe" in entry.findtext(f"{ATOM}summary")


def test_the_publish_request_carries_the_notizia_only_where_the_channel_has_one():
    website = ChannelFactory(kind=ChannelKind.WEBSITE)
    facebook = ChannelFactory(kind=ChannelKind.FACEBOOK)
    post = PostFactory(status=PostStatus.APPROVED, channels=[website, facebook])
    post.variants.update(**NEWS_COLUMNS)
    requests = {
        v.channel.kind: build_publish_request(
            Delivery.objects.create(variant=v, due_at=post.planned_at)
        )
        for v in post.variants.select_related("channel")
    }

    assert requests["website"].news == {
        "summary": NEWS_COLUMNS["news_summary"],
        "topics": NEWS_COLUMNS["news_topics"],
        "type": "avviso",
        "office": "Ufficio Lavori pubblici",
    }
    assert requests["facebook"].news == {}


def test_the_webhook_payload_carries_the_notizia():
    server = start_server("webhook")
    try:
        news = COMPLETE_NEWS.as_payload()
        WebhookAdapter().publish(
            _webhook_request(server, news=news),
        )
        [sent] = server.requests_to("/hooks/pa-planner")
    finally:
        server.stop()

    assert json.loads(sent.body)["news"] == news


def _webhook_request(server, **overrides):
    return PublishRequest(
        delivery_id=3,
        idempotency_key="k-notizia",
        text=TEXT,
        title="Il ponte riapre",
        config=dict(server.config),
        secret=server.token,
        **overrides,
    )


def test_an_edited_notizia_field_sends_the_post_back_and_the_approver_sees_what_changed(
    editor, approver
):
    website = ChannelFactory(name="Sito", kind=ChannelKind.WEBSITE)
    post = post_in(PostStatus.IN_REVIEW, author=editor, channels=[website])
    variant = post.variants.get()
    for name, value in {"public_title": "Il ponte riapre", **NEWS_COLUMNS}.items():
        setattr(variant, name, value)
    variant.save()  # with its history, as an edit would
    post = Post.objects.get(pk=post.pk)
    approve_post(post, by=approver, expected_version=post.version)
    post = Post.objects.get(pk=post.pk)

    update_post(
        post,
        by=editor,
        expected_version=post.version,
        news={website.pk: NewsFields(**{**COMPLETE_NEWS.__dict__, "news_type": "notizia"})},
    )

    post = Post.objects.get(pk=post.pk)
    assert post.status == PostStatus.IN_REVIEW
    labels = [change.label for change in changes_since_approval(post)]
    assert labels == ["Tipo di notizia per Sito"]
