"""Sito comunale (WordPress): the website variant as a *Notizia* of the Designers Italia Comuni
theme, through the WordPress REST API with an application password, against the local site
(``tests/channel_servers/wordpress.py``)."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.channels.kinds import config_settings_for
from apps.crisis_response.services import delete_published_item
from apps.planning.enums import PostStatus
from apps.publishing.adapters.base import (
    ConfigurationError,
    PermanentError,
    TransientError,
    UnknownOutcome,
)
from apps.publishing.adapters.wordpress import KEY_META, WordPressAdapter
from apps.publishing.corrections import CorrectionError, texts_of
from apps.publishing.enums import DeliveryState as D
from apps.publishing.forms import CredentialForm
from apps.publishing.models import ChannelCredential, Delivery
from apps.publishing.services import claim_due, schedule_deliveries, send_delivery
from apps.review.corrections import approve_correction, propose_correction
from tests.adapters.conftest import HANG_TIMEOUT, PATIENT
from tests.factories import ChannelFactory, PostFactory
from tests.planning.news import NEWS_COLUMNS

KIND = "wordpress"
adapter = WordPressAdapter()
NEWS = {
    "summary": "Il ponte di via Roma riapre lunedì dopo i lavori.",
    "topics": ["Mobilità", "Lavori pubblici"],
    "type": "comunicato_stampa",
    "office": "Ufficio Lavori pubblici",
}


def test_a_notizia_goes_out_with_its_fields_terms_office_and_image(server, make_request, image):
    image = replace(image, credit="Foto di Anna Rossi, CC BY 4.0")

    result = adapter.publish(
        make_request(news=NEWS, images=(image,), link="https://www.comune.esempio.it/ponte")
    )

    [item] = server.items
    post = item["post"]
    assert result.external_id == str(post["id"])
    assert result.url == post["link"]
    assert post["status"] == "publish"
    assert post["title"]["raw"] == "Anagrafe chiusa lunedì"
    assert post["meta"]["_dci_notizia_descrizione_breve"] == NEWS["summary"]
    assert post["meta"]["_dci_notizia_a_cura_di"] == [501]  # the office "Ufficio Lavori pubblici"
    assert "Lunedì 3 marzo" in post["content"]["raw"]
    assert '<a href="https://www.comune.esempio.it/ponte">' in post["content"]["raw"]
    # The topics as terms of "argomenti" (created), the type as the theme's own term.
    topics = {t["id"]: t["slug"] for t in server.terms["argomenti"]}
    assert [topics[i] for i in post["argomenti"]] == ["mobilita", "lavori-pubblici"]
    types = {t["id"]: t["slug"] for t in server.terms["tipi_notizia"]}
    assert [types[i] for i in post["tipi_notizia"]] == ["comunicato-stampa"]
    # The image first, with its alt text and credit, then the Notizia pointing at it.
    [media] = server.media.values()
    assert media["alt_text"] == image.alt_text
    assert media["caption"]["raw"] == "Foto di Anna Rossi, CC BY 4.0"
    assert post["featured_media"] == media["id"]
    assert post["meta"]["_dci_notizia_immagine"] == media["source_url"]
    paths = [r.path for r in server.requests if r.method == "POST"]
    assert paths[0].endswith("/media") and paths[-1].endswith("/notizia")


def test_the_delivery_key_is_stored_and_finds_the_notizia_after_a_lost_answer(server, make_request):
    request = make_request(news=NEWS, read_timeout=HANG_TIMEOUT)
    server.fail_next(1, "drop", after_processing=True, on_path="/notizia")

    with pytest.raises(UnknownOutcome):
        adapter.publish(request)
    found = adapter.find_existing(replace(request, config={**request.config, **PATIENT}))

    [item] = server.items
    assert item["post"]["meta"][KEY_META] == request.idempotency_key
    assert found is not None and found.external_id == str(item["id"])
    assert adapter.find_existing(make_request()) is None  # another delivery's key


def test_existing_topics_are_reused_by_slug_not_duplicated(server, make_request):
    adapter.publish(make_request(news=NEWS))
    adapter.publish(make_request(news={**NEWS, "topics": ["mobilità", "Ambiente"]}))

    slugs = [t["slug"] for t in server.terms["argomenti"]]
    assert slugs == ["mobilita", "lavori-pubblici", "ambiente"]
    first, second = (item["post"]["argomenti"] for item in server.items)
    assert second[0] == first[0]


def test_an_office_the_site_does_not_have_stops_the_send_with_a_clear_error(server, make_request):
    with pytest.raises(PermanentError, match="Ufficio Tributi"):
        adapter.publish(make_request(news={**NEWS, "office": "Ufficio Tributi"}))

    assert server.items == []


def test_an_invalid_field_is_permanent_with_wordpress_words(server, make_request):
    with pytest.raises(PermanentError) as caught:
        adapter.publish(make_request(news={**NEWS, "summary": "x" * 256}))

    assert caught.value.status == 400
    assert "rest_invalid_param" in str(caught.value)
    assert not caught.value.is_configuration


def test_a_user_who_may_not_publish_is_a_configuration_problem(server, make_request):
    server.can_publish = False

    with pytest.raises(PermanentError) as caught:
        adapter.publish(make_request(news=NEWS))

    assert caught.value.status == 403
    assert "rest_cannot_create" in str(caught.value)
    assert caught.value.is_configuration


def test_a_slow_site_is_waited_for_within_the_read_timeout(server, make_request):
    server.answer_delay = 0.3

    result = adapter.publish(make_request(news=NEWS))

    assert result.external_id == str(server.items[0]["id"])


def test_a_rate_limited_upload_is_transient_and_nothing_is_published(server, make_request, image):
    server.fail_next(1, "429", retry_after=30, on_path="/media")

    with pytest.raises(TransientError) as caught:
        adapter.publish(make_request(news=NEWS, images=(image,)))

    assert caught.value.retry_after == pytest.approx(30, abs=2)
    assert server.items == []


def test_the_password_never_travels_over_plain_http_to_another_host(server, make_request):
    request = make_request(config={**server.config, "base_url": "http://www.comune.esempio.it"})

    with pytest.raises(ConfigurationError, match="https"):
        adapter.publish(request)

    assert server.requests == []


def test_markup_typed_in_the_text_is_escaped_in_the_body(server, make_request):
    adapter.publish(make_request(text="Riapre il <b>ponte</b>\n\nDa lunedì.", news=NEWS))

    body = server.items[0]["post"]["content"]["raw"]
    assert "&lt;b&gt;ponte&lt;/b&gt;" in body
    assert "<p>Da lunedì.</p>" in body


def test_withdrawing_moves_the_notizia_to_the_bin_once(server, make_request):
    result = adapter.publish(make_request(news=NEWS))

    adapter.delete(external_id=result.external_id, config=server.config, secret=server.token)

    assert server.items[0]["post"]["status"] == "trash"
    with pytest.raises(PermanentError) as again:
        adapter.delete(external_id=result.external_id, config=server.config, secret=server.token)
    assert again.value.status == 410


def test_verify_reads_the_user_of_the_application_password(server):
    assert adapter.verify(config=server.config, secret=server.token) == "Redazione del Comune"


@pytest.mark.django_db
def test_the_engine_publishes_the_website_variant_and_a_crisis_withdraws_it(
    server, approver, image
):
    channel = ChannelFactory(name="Sito comunale", kind=ChannelKind.WORDPRESS, config=server.config)
    ChannelCredential.objects.create(channel=channel, secret=server.token)
    post = PostFactory(
        title="[interno] ponte",
        status=PostStatus.APPROVED,
        planned_at=timezone.now() - timedelta(minutes=1),
        channels=[channel],
    )
    post.variants.update(public_title="Il ponte riapre lunedì", **NEWS_COLUMNS)
    schedule_deliveries(post=post)

    [outcome] = [send_delivery(delivery_id=pk) for pk in claim_due()]

    assert outcome.state == D.SENT
    [item] = server.items
    delivery = Delivery.objects.get(variant__post=post)
    assert delivery.external_id == str(item["id"])
    assert delivery.external_url == item["post"]["link"]
    sent = item["post"]
    assert sent["title"]["raw"] == "Il ponte riapre lunedì"  # never the internal title
    assert sent["meta"]["_dci_notizia_descrizione_breve"] == NEWS_COLUMNS["news_summary"]
    assert sent["meta"][KEY_META] == str(delivery.idempotency_key)

    delete_published_item(delivery, by=approver)

    assert server.items[0]["post"]["status"] == "trash"
    assert Delivery.objects.get(pk=delivery.pk).deleted_at is not None


def test_the_application_password_may_be_pasted_with_the_spaces_wordpress_shows():
    form = CredentialForm({"secret": "abcd EFGH 1234 ijkl"}, kind="wordpress")
    other = CredentialForm({"secret": "abcd EFGH"}, kind="mastodon")

    assert form.is_valid() and form.cleaned_data["secret"] == "abcdEFGH1234ijkl"
    assert not other.is_valid()  # elsewhere a space is still a paste slip


def test_the_channel_form_asks_for_the_site_the_user_and_the_default_office():
    keys = [setting.key for setting in config_settings_for("wordpress")]

    assert keys == ["base_url", "username", "news_office"]


def test_an_update_replaces_the_fields_and_keeps_the_key_and_the_status(server, make_request):
    request = make_request(news=NEWS)
    result = adapter.publish(request)

    corrected = replace(
        request,
        title="Il ponte riapre martedì",
        text="Martedì 4 marzo riapre il ponte.",
        news={**NEWS, "summary": "Il ponte riapre martedì.", "topics": ["Mobilità"]},
    )
    again = adapter.update(external_id=result.external_id, request=corrected)
    adapter.update(external_id=result.external_id, request=corrected)  # twice: no harm

    [item] = server.items
    post = item["post"]
    assert again.external_id == result.external_id
    assert post["title"]["raw"] == "Il ponte riapre martedì"
    assert "Martedì 4 marzo" in post["content"]["raw"]
    assert post["meta"]["_dci_notizia_descrizione_breve"] == "Il ponte riapre martedì."
    assert post["meta"][KEY_META] == request.idempotency_key  # not sent, kept
    assert post["status"] == "publish"
    topics = {t["id"]: t["slug"] for t in server.terms["argomenti"]}
    assert [topics[i] for i in post["argomenti"]] == ["mobilita"]
    assert server.updates == {int(result.external_id): 2}
    update = [r for r in server.requests if r.path.endswith(f"/notizia/{result.external_id}")]
    assert [r.method for r in update] == ["POST", "POST"]


def test_updating_an_unknown_notizia_is_permanent_with_wordpress_words(server, make_request):
    with pytest.raises(PermanentError) as caught:
        adapter.update(external_id="999", request=make_request(news=NEWS))

    assert caught.value.status == 404
    assert "rest_post_invalid_id" in str(caught.value)


def test_an_update_refused_to_the_user_is_a_configuration_problem(server, make_request):
    result = adapter.publish(make_request(news=NEWS))
    server.can_publish = False

    with pytest.raises(PermanentError) as caught:
        adapter.update(external_id=result.external_id, request=make_request(news=NEWS))

    assert caught.value.status == 403
    assert "rest_cannot_edit" in str(caught.value)
    assert caught.value.is_configuration


def test_an_invalid_update_is_refused_and_leaves_the_notizia_as_it_was(server, make_request):
    result = adapter.publish(make_request(news=NEWS))

    with pytest.raises(PermanentError, match="rest_invalid_param"):
        adapter.update(
            external_id=result.external_id,
            request=make_request(news={**NEWS, "summary": "x" * 256}),
        )

    assert server.items[0]["post"]["meta"]["_dci_notizia_descrizione_breve"] == NEWS["summary"]


@pytest.mark.django_db
def test_the_channel_publishes_updates_and_withdraws_one_notizia_once_each(
    server, editor, approver, django_capture_on_commit_callbacks, tasks_run_at_once
):
    """Issue 20's "done means": publish, update (an approved correction) and withdraw (a
    crisis's "elimina ciò che è uscito"), each once, checked on the site after each step."""
    channel = ChannelFactory(name="Sito comunale", kind=ChannelKind.WORDPRESS, config=server.config)
    ChannelCredential.objects.create(channel=channel, secret=server.token)
    post = PostFactory(
        title="[interno] ponte",
        author=editor,
        status=PostStatus.APPROVED,
        planned_at=timezone.now() - timedelta(minutes=1),
        channels=[channel],
        base_text="Lunedì 3 marzo riapre il ponte di via Roma.",
    )
    post.variants.update(public_title="Il ponte riapre lunedì", **NEWS_COLUMNS)
    schedule_deliveries(post=post)

    # 1. Published.
    [outcome] = [send_delivery(delivery_id=pk) for pk in claim_due()]
    assert outcome.state == D.SENT
    [item] = server.items
    assert item["post"]["title"]["raw"] == "Il ponte riapre lunedì"
    assert item["post"]["status"] == "publish"
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED

    # 2. Updated: proposed by the editor, approved by an approver, pushed once.
    after = texts_of(post)
    cid = str(channel.pk)
    after["variants"][cid].update(
        public_title="Il ponte riapre martedì",
        text="Martedì 4 marzo riapre il ponte di via Roma.",
        news_summary="Il ponte di via Roma riapre martedì.",
    )
    correction = propose_correction(post, by=editor, expected_version=post.version, after=after)
    assert server.updates == {}  # nothing goes out before a person decides
    with django_capture_on_commit_callbacks(execute=True):
        approve_correction(correction, by=approver)

    [item] = server.items
    sent = item["post"]
    assert sent["title"]["raw"] == "Il ponte riapre martedì"
    assert "Martedì 4 marzo" in sent["content"]["raw"]
    assert sent["meta"]["_dci_notizia_descrizione_breve"] == "Il ponte di via Roma riapre martedì."
    assert sent["status"] == "publish"
    assert server.updates == {item["id"]: 1}
    delivery = Delivery.objects.get(variant__post=post)
    assert [(o.status, o.error) for o in correction.outcomes.all()] == [("applied", "")]
    assert delivery.sent_title == "Il ponte riapre martedì"

    # 3. Withdrawn: to the bin, once; a correction is now refused.
    delete_published_item(delivery, by=approver)

    assert server.items[0]["post"]["status"] == "trash"
    assert len(server.items) == 1 and server.updates == {item["id"]: 1}
    post.refresh_from_db()
    with pytest.raises(CorrectionError, match="ritirato"):
        propose_correction(post, by=editor, expected_version=post.version, after=after)
