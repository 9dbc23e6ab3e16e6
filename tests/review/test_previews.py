"""What the approver sees: network previews with the images and their alt text, and one count
shared by the editor, the queue, the review page and the adapters."""

import re

import pytest
from django.urls import reverse

from apps.channels.enums import ChannelKind
from apps.planning.checks import analyse_variant
from apps.planning.enums import PostStatus as S
from apps.planning.models import PostImage
from apps.planning.previews import build_preview
from apps.planning.templatetags.previews import preview_text
from tests.factories import ChannelFactory
from tests.planning.conftest import png_upload
from tests.review.factories import post_in

pytestmark = pytest.mark.django_db
LINK = "https://www.comune.esempio.it/ponte-via-roma"
# 169 characters of text: with the link X adds (a space and 23 for t.co) it weighs 193.
X_TEXT = (
    "Lavori sul ponte di via Roma: da lunedì 8 a venerdì 12 il ponte è chiuso al traffico "
    "dalle 8 alle 18. Percorso alternativo da via Garibaldi. Ci scusiamo per il disagio!!"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _x_post(editor):
    x = ChannelFactory(name="X · @ComuneEsempio", kind=ChannelKind.X)
    return post_in(S.IN_REVIEW, author=editor, channels=[x], base_text=X_TEXT, link=LINK), x


def _shown_count(body: str, channel_name: str) -> int:
    match = re.search(re.escape(channel_name) + r" · (\d+) caratteri", body)
    return int(match.group(1))


def test_the_queue_the_review_page_and_the_editor_count_the_appended_link_alike(
    approver_client, editor
):
    assert len(X_TEXT) == 169
    post, x = _x_post(editor)

    queue = approver_client.get(reverse("review:queue")).content.decode()
    page = approver_client.get(reverse("review:post", args=[post.pk])).content.decode()
    live = approver_client.post(
        reverse("planning:check_variant"),
        {"channel": x.pk, f"variant_{x.pk}": X_TEXT, "link": LINK, "post": post.pk},
    ).content.decode()

    assert _shown_count(queue, x.name) == _shown_count(page, x.name) == 193
    assert "193 caratteri su 280" in live


def test_the_review_page_shows_every_image_with_its_alt_text(approver_client, editor):
    post, _x = _x_post(editor)
    PostImage.objects.create(post=post, image=png_upload(), alt_text="Il ponte visto dal fiume")

    for url in (reverse("review:queue"), reverse("review:post", args=[post.pk])):
        body = approver_client.get(url).content.decode()
        assert '<img src="/media/posts/' in body
        assert 'alt="Il ponte visto dal fiume"' in body
        assert "Testo alternativo:</span> Il ponte visto dal fiume" in body


def test_each_preview_is_labelled_as_such_for_screen_readers(approver_client, editor):
    post, x = _x_post(editor)

    body = approver_client.get(reverse("review:post", args=[post.pk])).content.decode()

    label = f"preview-label-{post.pk}-{x.pk}"
    assert f'<section class="net-preview net-x" aria-labelledby="{label}">' in body
    assert re.search(rf'id="{label}"><span class="net-preview-badge">Anteprima</span> come', body)


def test_the_preview_escapes_what_the_editor_typed_and_marks_links_and_hashtags():
    html = preview_text('<b>Orari</b> & "novità"\n#RaccoltaDifferenziata https://x.it/a?b=1&c=2')

    assert html == (
        "&lt;b&gt;Orari&lt;/b&gt; &amp; &quot;novità&quot;<br>"
        '<span class="preview-hashtag">#RaccoltaDifferenziata</span> '
        '<span class="preview-link">https://x.it/a?b=1&amp;c=2</span>'
    )


def test_a_long_facebook_text_is_folded_where_the_network_folds_it():
    facebook = ChannelFactory(kind=ChannelKind.FACEBOOK)
    text = "Parola " * 100  # 700 characters

    preview = build_preview(channel=facebook, text=text)

    assert preview.is_folded
    assert len(preview.shown) <= 480
    assert preview.shown + preview.folded == text


def test_instagram_shows_one_square_image_and_the_newsletter_none(editor):
    post, _x = _x_post(editor)
    for n in range(2):
        PostImage.objects.create(post=post, image=png_upload(), alt_text=f"Foto {n}")
    images = list(post.images.all())

    instagram = build_preview(
        channel=ChannelFactory(kind=ChannelKind.INSTAGRAM), text="Foto", images=images
    )
    newsletter = build_preview(
        channel=ChannelFactory(kind=ChannelKind.NEWSLETTER), text="Testo", images=images
    )

    assert [(i.alt_text, i.square) for i in instagram.images] == [("Foto 0", True)]
    assert newsletter.images == []


def test_the_editor_live_check_refreshes_the_preview_out_of_band(editor_client, editor):
    post, x = _x_post(editor)

    body = editor_client.post(
        reverse("planning:check_variant"),
        {"channel": x.pk, f"variant_{x.pk}": "Nuovo <testo>", "link": "", "post": post.pk},
    ).content.decode()

    assert f'<div id="preview-{x.pk}" class="variant-preview mt-3" hx-swap-oob="true">' in body
    assert "Nuovo &lt;testo&gt;" in body


def test_the_editor_shows_a_preview_beside_each_variant(editor_client, editor):
    post, x = _x_post(editor)
    post.status = S.DRAFT
    post.save(update_fields=["status"])

    body = editor_client.get(reverse("planning:post_edit", args=[post.pk])).content.decode()

    assert f'<div id="preview-{x.pk}" class="variant-preview mt-3">' in body
    assert f'aria-labelledby="preview-label-editor-{x.pk}"' in body


def test_the_queue_query_count_does_not_grow_with_images(
    approver_client, editor, django_assert_max_num_queries
):
    channels = [ChannelFactory(kind=ChannelKind.FACEBOOK), ChannelFactory(kind=ChannelKind.X)]

    def add_posts(n):
        for _ in range(n):
            post = post_in(S.IN_REVIEW, author=editor, channels=channels, link=LINK)
            PostImage.objects.create(post=post, image=png_upload(), alt_text="Il municipio")

    add_posts(1)
    approver_client.get(reverse("review:queue"))  # the session's first request does more
    with django_assert_max_num_queries(40) as one:
        approver_client.get(reverse("review:queue"))
    add_posts(2)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = approver_client.get(reverse("review:queue"))

    # The list, Facebook's preview and X's (X sends images too).
    assert response.content.decode().count('alt="Il municipio"') == 3 * 3


def test_a_telegram_post_with_an_image_is_held_to_the_caption_limit():
    telegram = ChannelFactory(kind=ChannelKind.TELEGRAM)
    text = "Avviso. " * 150  # 1,200 characters: a message, not a caption

    with_image = analyse_variant(text, telegram, has_images=True)
    without = analyse_variant(text, telegram)

    assert (with_image.limit, without.limit) == (1024, 4096)
    [too_long] = [f for f in with_image.findings if f.code == "too_long"]
    assert too_long.blocking
    assert "didascalia" in too_long.message
    assert "too_long" not in [f.code for f in without.findings]


def test_the_review_page_query_count_does_not_grow_with_images(
    approver_client, editor, django_assert_max_num_queries
):
    post, _x = _x_post(editor)
    PostImage.objects.create(post=post, image=png_upload(), alt_text="Foto 1")
    url = reverse("review:post", args=[post.pk])
    approver_client.get(url)  # the session's first request does more
    with django_assert_max_num_queries(40) as one:
        approver_client.get(url)
    for n in (2, 3):
        PostImage.objects.create(post=post, image=png_upload(), alt_text=f"Foto {n}")

    with django_assert_max_num_queries(len(one.captured_queries)):
        body = approver_client.get(url).content.decode()

    assert [f'alt="Foto {n}"' in body for n in (1, 2, 3)] == [True, True, True]
