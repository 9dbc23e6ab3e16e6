"""The public title: the headline citizens read on the channels that show one.

Empty until written; required on website news and the newsletter (and on LinkedIn when the
post has a link, for the link card); checked live like a text (length, Gulpease, capitals).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.checks import analyse_variant
from apps.planning.enums import PostStatus
from apps.planning.models import Post, Variant
from apps.review.services import ReviewError, approve_post
from tests.factories import CategoryFactory, ChannelFactory, PostFactory
from tests.planning.news import COMPLETE_NEWS, NEWS_COLUMNS, news_form_data

pytestmark = pytest.mark.django_db
TEXT = "Lunedì il ponte di via Roma riapre al traffico dopo i lavori."


def _codes(findings) -> list[str]:
    """The public title's findings (the website's Notizia fields have their own tests)."""
    return [f.code for f in findings if not f.code.startswith("news_")]


@pytest.mark.parametrize("kind", [ChannelKind.WEBSITE, ChannelKind.NEWSLETTER])
def test_website_and_newsletter_variants_without_a_public_title_have_a_blocking_finding(kind):
    channel = ChannelFactory(kind=kind)

    report = analyse_variant(TEXT, channel)

    [finding] = [f for f in report.findings if f.code == "public_title_missing"]
    assert finding.blocking
    assert "il titolo interno non viene pubblicato" in finding.message
    assert report.title_length == 0


def test_linkedin_needs_a_public_title_only_for_the_card_of_a_link():
    linkedin = ChannelFactory(kind=ChannelKind.LINKEDIN)

    assert "public_title_missing" not in _codes(analyse_variant(TEXT, linkedin).findings)
    assert "public_title_missing" in _codes(
        analyse_variant(TEXT, linkedin, link="https://comune.esempio.it/ponte").findings
    )


def test_channels_without_a_headline_have_no_public_title_counters():
    report = analyse_variant(TEXT, ChannelFactory(kind=ChannelKind.X))

    assert (report.title_length, report.title_gulpease) == (None, None)
    assert not any(f.code.startswith("public_title") for f in report.findings)


def test_a_written_public_title_has_its_own_length_capitals_and_readability_checks():
    website = ChannelFactory(kind=ChannelKind.WEBSITE)
    title = (
        "IL PONTE DI VIA ROMA RIAPRE DOPO LA CONCLUSIONE DEFINITIVA DEGLI INTERVENTI STRUTTURALI"
    )

    report = analyse_variant(TEXT, website, public_title=title, news=COMPLETE_NEWS)

    assert report.title_length == len(title) == 87
    assert report.title_gulpease is not None
    assert _codes(report.findings) == [
        "public_title_long",
        "public_title_all_caps",
        "public_title_hard_to_read",
    ]
    assert not report.blocking


def test_a_good_public_title_has_no_findings():
    website = ChannelFactory(kind=ChannelKind.WEBSITE)

    report = analyse_variant(
        TEXT, website, public_title="Il ponte riapre lunedì", news=COMPLETE_NEWS
    )

    assert report.findings == []
    assert report.title_length == 22


def test_approval_is_refused_while_a_website_variant_has_no_public_title(editor, approver):
    post = PostFactory(
        author=editor, status=PostStatus.IN_REVIEW, channels=[ChannelFactory(kind="website")]
    )

    with pytest.raises(ReviewError):
        approve_post(post, by=approver, expected_version=post.version)

    post.variants.update(public_title="Anagrafe chiusa lunedì", **NEWS_COLUMNS)
    approve_post(Post.objects.get(pk=post.pk), by=approver, expected_version=post.version)
    assert Post.objects.get(pk=post.pk).status == PostStatus.APPROVED


def _form_data(channel, **overrides) -> dict:
    day = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%d")
    data = {
        "title": "Prova interna",
        "category": CategoryFactory(slug="informativo-titolo").pk,
        "planned_date": day,
        "planned_time": "10:30",
        "channels": [channel.pk],
        "base_text": TEXT,
        "link": "",
        "notes": "",
        "nuove-TOTAL_FORMS": "2",
        "nuove-INITIAL_FORMS": "0",
        **news_form_data(channel),
    }
    data.update(overrides)
    return data


def test_the_editor_refuses_a_website_post_without_a_public_title_keeping_what_was_typed(
    editor_client,
):
    website = ChannelFactory(name="Sito del Comune", kind=ChannelKind.WEBSITE)

    response = editor_client.post(reverse("planning:post_create"), _form_data(website))

    assert response.status_code == 200
    assert Post.objects.count() == 0
    form = response.context["form"]
    assert form.errors[f"public_title_{website.pk}"] == [
        "Manca il titolo pubblico: su Sito del Comune è il titolo che leggono i cittadini "
        "(il titolo interno non viene pubblicato)."
    ]
    body = response.content.decode()
    assert 'value="Prova interna"' in body
    assert f'id="id_public_title_{website.pk}"' in body


def test_the_editor_saves_the_public_title_on_the_variant(editor_client):
    website = ChannelFactory(kind=ChannelKind.WEBSITE)

    response = editor_client.post(
        reverse("planning:post_create"),
        _form_data(website, **{f"public_title_{website.pk}": "  Il ponte riapre lunedì "}),
    )

    assert response.status_code == 302
    assert Variant.objects.get().public_title == "Il ponte riapre lunedì"


def test_the_editor_offers_no_public_title_on_channels_without_a_headline(editor_client):
    x = ChannelFactory(kind=ChannelKind.X)

    response = editor_client.get(reverse("planning:post_create"))

    assert f"public_title_{x.pk}" not in response.content.decode()


def test_the_live_check_reports_the_public_title(editor_client):
    website = ChannelFactory(kind=ChannelKind.WEBSITE)

    response = editor_client.post(
        reverse("planning:check_variant"),
        {"channel": website.pk, f"variant_{website.pk}": TEXT, f"public_title_{website.pk}": ""},
    )

    body = response.content.decode()
    assert "Titolo pubblico: 0 caratteri su 65 consigliati" in body
    assert "Manca il titolo pubblico" in body


@pytest.mark.parametrize(
    "post_id", ["", "abc", "²", "-1", "9" * 19, "99999999", "1 OR 1=1", "\x00"]
)
def test_the_live_check_ignores_a_post_reference_it_cannot_use(editor_client, post_id):
    website = ChannelFactory(kind=ChannelKind.WEBSITE)

    response = editor_client.post(
        reverse("planning:check_variant"),
        {
            "channel": website.pk,
            f"variant_{website.pk}": TEXT,
            f"public_title_{website.pk}": "T" * 10_000,
            "post": post_id,
        },
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Titolo pubblico: 200 caratteri su 65 consigliati" in body  # capped before checks
    assert "net-preview net-website" in body


def test_a_public_title_longer_than_the_field_is_a_form_error_not_a_crash(editor_client):
    website = ChannelFactory(kind=ChannelKind.WEBSITE)

    response = editor_client.post(
        reverse("planning:post_create"),
        _form_data(website, **{f"public_title_{website.pk}": "T" * 201}),
    )

    assert response.status_code == 200
    assert response.context["form"].errors[f"public_title_{website.pk}"] == [
        "Assicurati che questo valore non contenga più di 200 caratteri (ne ha 201)."
    ]
    assert Post.objects.count() == 0


def test_markup_in_a_public_title_is_escaped_in_the_preview(editor_client):
    website = ChannelFactory(kind=ChannelKind.WEBSITE)

    body = editor_client.post(
        reverse("planning:check_variant"),
        {
            "channel": website.pk,
            f"variant_{website.pk}": TEXT,
            f"public_title_{website.pk}": '<img src=x onerror="alert(1)">',
        },
    ).content.decode()

    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body


def test_the_post_page_shows_each_public_title_apart_from_the_internal_one(editor_client, editor):
    website = ChannelFactory(kind=ChannelKind.WEBSITE)
    newsletter = ChannelFactory(kind=ChannelKind.NEWSLETTER)
    post = PostFactory(author=editor, title="Prova interna", channels=[website, newsletter])
    post.variants.filter(channel=website).update(public_title="Il ponte riapre lunedì")

    body = editor_client.get(reverse("planning:post_detail", args=[post.pk])).content.decode()

    assert "Titolo pubblico:</span> Il ponte riapre lunedì" in body
    assert "Titolo pubblico:</span> non ancora scritto" in body
