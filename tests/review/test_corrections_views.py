"""The pages of a correction: "Correggi" on a published post, the form prefilled (and keeping
what was typed after an error), the approver's page with before and after per field and what
each channel already sent will do, the decision, the review queue."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.planning.news import field_name
from apps.publishing.corrections import texts_of
from apps.publishing.enums import CorrectionStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Correction, Delivery
from apps.review.corrections import propose_correction
from tests.factories import ChannelFactory, PostFactory
from tests.planning.news import NEWS_COLUMNS

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(editor):
    wordpress = ChannelFactory(
        name="Sito comunale",
        kind=ChannelKind.WORDPRESS,
        config={"base_url": "https://www.comune.esempio.it", "username": "redazione"},
    )
    telegram = ChannelFactory(name="Telegram Comune")
    post = PostFactory(
        title="[interno] ponte",
        author=editor,
        last_editor=editor,
        channels=[wordpress, telegram],
        base_text="Lunedì riapre il ponte.",
        planned_at=timezone.now() - timedelta(hours=1),
    )
    post.variants.filter(channel=wordpress).update(
        public_title="Il ponte riapre lunedì", text="Lunedì riapre il ponte.", **NEWS_COLUMNS
    )
    for variant in post.variants.all():
        Delivery.objects.create(
            variant=variant, due_at=post.planned_at, state=D.SENT, external_id=f"{variant.pk}"
        )
    Post.objects.filter(pk=post.pk).update(status=PostStatus.PUBLISHED)
    post.refresh_from_db()
    return post, wordpress


def _form_data(post, wordpress, **changes) -> dict:
    cid = wordpress.pk
    data = {
        "title": post.title,
        "base_text": post.base_text,
        "expected_version": post.version,
        f"public_title_{cid}": "Il ponte riapre martedì",
        f"text_{cid}": "Martedì riapre il ponte.",
        field_name("summary", cid): NEWS_COLUMNS["news_summary"],
        field_name("topics", cid): ", ".join(NEWS_COLUMNS["news_topics"]),
        field_name("type", cid): NEWS_COLUMNS["news_type"],
        field_name("office", cid): NEWS_COLUMNS["news_office"],
    }
    data.update(changes)
    return data


def test_the_post_page_offers_correggi_to_its_author_only(published, client, editor, other_editor):
    post, _wordpress = published
    url = reverse("review:correct", args=[post.pk])

    client.force_login(editor)
    assert url in client.get(post.get_absolute_url()).content.decode()
    client.force_login(other_editor)
    assert url not in client.get(post.get_absolute_url()).content.decode()


def test_the_form_is_prefilled_with_what_was_published(published, editor_client):
    post, wordpress = published

    page = editor_client.get(reverse("review:correct", args=[post.pk]))

    form = page.context["form"]
    assert form[f"public_title_{wordpress.pk}"].value() == "Il ponte riapre lunedì"
    assert form[field_name("summary", wordpress.pk)].value() == NEWS_COLUMNS["news_summary"]
    assert form[field_name("topics", wordpress.pk)].value() == "Mobilità, Lavori pubblici"
    assert form["title"].value() == "[interno] ponte"
    text = page.content.decode()
    assert "Sito comunale: aggiornato" in text
    assert "Telegram Comune: resta come pubblicato" in text


def test_a_form_error_keeps_what_was_typed_and_saves_nothing(published, editor_client):
    post, wordpress = published
    data = _form_data(post, wordpress, **{field_name("summary", wordpress.pk): "x" * 300})

    page = editor_client.post(reverse("review:correct", args=[post.pk]), data)

    assert page.status_code == 200
    text = page.content.decode()
    assert "error-summary" in text
    assert "Il ponte riapre martedì" in text  # what was typed
    assert Correction.objects.count() == 0


def test_saving_proposes_a_correction_and_leaves_the_post_as_it_is(published, editor_client):
    post, wordpress = published

    response = editor_client.post(
        reverse("review:correct", args=[post.pk]), _form_data(post, wordpress)
    )

    [correction] = Correction.objects.all()
    assert response.status_code == 302
    assert response["Location"] == correction.get_absolute_url()
    assert correction.status == CorrectionStatus.PENDING
    assert correction.after["variants"][str(wordpress.pk)]["public_title"] == (
        "Il ponte riapre martedì"
    )
    assert post.variants.get(channel=wordpress).public_title == "Il ponte riapre lunedì"


def test_the_approver_sees_before_and_after_and_what_each_channel_does(
    published, editor, approver_client
):
    post, wordpress = published
    after = texts_of(post)
    after["variants"][str(wordpress.pk)]["public_title"] = "Il ponte riapre martedì"
    correction = propose_correction(post, by=editor, expected_version=1, after=after)

    page = approver_client.get(correction.get_absolute_url())

    changed = [c for c in page.context["changes"] if c.changed]
    assert [(c.label, c.channel, c.before, c.after) for c in changed] == [
        ("Titolo pubblico", "Sito comunale", "Il ponte riapre lunedì", "Il ponte riapre martedì")
    ]
    text = page.content.decode()
    assert "Sito comunale: aggiornato" in text
    assert "Telegram Comune: resta come pubblicato" in text
    assert reverse("review:correction_decide", args=[correction.pk]) in text
    # In the queue, beside the posts to review.
    assert (
        correction.get_absolute_url()
        in approver_client.get(reverse("review:queue")).content.decode()
    )


def test_the_author_of_the_correction_sees_no_decision_form(published, editor, client, approver):
    post, wordpress = published
    correction = propose_correction(
        post, by=approver, expected_version=1, after={**texts_of(post), "title": "Nuovo"}
    )
    client.force_login(approver)

    page = client.get(correction.get_absolute_url())

    assert page.context["form"] is None
    assert "altro approvatore" in page.content.decode()


def test_a_rejection_without_comment_keeps_the_choice_and_says_why(
    published, editor, approver_client
):
    post, _wordpress = published
    correction = propose_correction(
        post, by=editor, expected_version=1, after={**texts_of(post), "title": "Nuovo"}
    )

    page = approver_client.post(
        reverse("review:correction_decide", args=[correction.pk]),
        {"decision": "reject", "comment": ""},
    )

    assert page.status_code == 200
    assert "perché respingi" in page.content.decode()
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.PENDING


def test_approving_from_the_page_applies_the_correction(published, editor, approver_client):
    post, wordpress = published
    after = {**texts_of(post), "title": "Nuovo titolo"}
    after["variants"][str(wordpress.pk)]["public_title"] = "Il ponte riapre martedì"
    correction = propose_correction(post, by=editor, expected_version=1, after=after)

    response = approver_client.post(
        reverse("review:correction_decide", args=[correction.pk]),
        {"decision": "approve", "comment": ""},
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Nuovo titolo"
    page = approver_client.get(post.get_absolute_url()).content.decode()
    assert "Da aggiornare" in page  # the push runs after commit
    assert "Resta come pubblicato" in page


def test_a_post_in_the_bin_is_refused_with_a_clear_message(published, editor_client):
    post, _wordpress = published
    Delivery.objects.filter(variant__post=post).update(deleted_at=timezone.now())

    response = editor_client.get(reverse("review:correct", args=[post.pk]), follow=True)

    assert response.redirect_chain[-1][0] == post.get_absolute_url()
    assert "cestino" in response.content.decode()
