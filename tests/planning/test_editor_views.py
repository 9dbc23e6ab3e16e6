"""The post editor: create and edit, variants side by side, live checks, images, bad input."""

import struct
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from tests.factories import CategoryFactory, ChannelFactory, PostFactory
from tests.planning.conftest import png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def x_channel():
    return ChannelFactory(name="X · @ComuneEsempio", kind=ChannelKind.X)


@pytest.fixture
def facebook():
    return ChannelFactory(name="Facebook · Comune", kind=ChannelKind.FACEBOOK)


def _tomorrow() -> str:
    return timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%d")


def _data(channels, **overrides) -> dict:
    data = {
        "title": "Chiusura anagrafe",
        "category": CategoryFactory(slug="informativo-test").pk,
        "planned_date": _tomorrow(),
        "planned_time": "10:30",
        "channels": [c.pk for c in channels],
        "base_text": "Lunedì l'ufficio anagrafe resta chiuso. https://comune.esempio.it",
        "link": "",
        "notes": "",
        "nuove-TOTAL_FORMS": "2",
        "nuove-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_the_editor_shows_each_channel_with_its_tone_guidance(editor_client, x_channel, facebook):
    response = editor_client.get(reverse("planning:post_create") + "?data=2030-05-04&ora=09:15")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Breve, diretto, al punto" in body
    assert "Tono amichevole, colloquiale" in body
    assert 'value="2030-05-04"' in body and 'value="09:15"' in body
    assert 'hx-trigger="keyup changed delay:400ms, input changed delay:400ms, change"' in body


def test_creating_a_post_saves_the_variants_and_redirects_to_it(editor_client, editor, x_channel):
    data = _data([x_channel], **{f"variant_{x_channel.pk}": "Anagrafe chiusa lunedì."})
    response = editor_client.post(reverse("planning:post_create"), data)
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert (post.author, post.status, post.title) == (editor, PostStatus.DRAFT, "Chiusura anagrafe")
    assert [v.text for v in post.variants.all()] == ["Anagrafe chiusa lunedì."]
    assert timezone.localtime(post.planned_at).strftime("%H:%M") == "10:30"


def test_an_over_limit_variant_keeps_everything_typed_and_says_why(editor_client, x_channel):
    too_long = "Parola " * 50
    data = _data([x_channel], title="Titolo <b>mio</b>", **{f"variant_{x_channel.pk}": too_long})
    response = editor_client.post(reverse("planning:post_create"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert Post.objects.count() == 0
    assert "Testo troppo lungo: 350 caratteri su 280" in body
    assert too_long.strip() in body
    assert 'value="Titolo &lt;b&gt;mio&lt;/b&gt;"' in body
    assert 'aria-invalid="true"' in body


def test_a_time_in_the_past_is_a_field_error(editor_client, x_channel):
    yesterday = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d")
    response = editor_client.post(
        reverse("planning:post_create"), _data([x_channel], planned_date=yesterday)
    )
    assert "nel passato" in response.content.decode()
    assert Post.objects.count() == 0


@pytest.mark.parametrize("bad", ["2026-02-30", "domani", "<script>alert(1)</script>"])
def test_an_invalid_date_is_a_field_error_not_a_500(editor_client, x_channel, bad):
    data = _data([x_channel], planned_date=bad)
    response = editor_client.post(reverse("planning:post_create"), data)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert Post.objects.count() == 0


def test_an_unknown_channel_is_a_field_error(editor_client, x_channel):
    data = _data([x_channel])
    data["channels"] = [999]
    response = editor_client.post(reverse("planning:post_create"), data)
    assert response.status_code == 200
    assert Post.objects.count() == 0
    assert "Canale sconosciuto (999)" in response.content.decode()


def test_script_in_text_is_stored_as_typed_and_shown_escaped(editor_client, facebook):
    script = "<script>alert(1)</script> Festa in piazza sabato."
    editor_client.post(reverse("planning:post_create"), _data([facebook], base_text=script))
    post = Post.objects.get()
    assert post.base_text == script
    body = editor_client.get(post.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_an_image_with_alt_text_is_saved(editor_client, facebook):
    data = _data([facebook], **{"nuove-0-image": png_upload(), "nuove-0-alt_text": "Il municipio"})
    response = editor_client.post(reverse("planning:post_create"), data)
    assert response.status_code == 302
    assert [i.alt_text for i in Post.objects.get().images.all()] == ["Il municipio"]


def test_an_image_without_alt_text_is_refused_with_a_field_error(editor_client, facebook):
    data = _data([facebook], **{"nuove-0-image": png_upload()})
    body = editor_client.post(reverse("planning:post_create"), data).content.decode()
    assert "Scrivi il testo alternativo" in body
    assert Post.objects.count() == 0


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(editor_client, facebook):
    fake = SimpleUploadedFile("foto.png", b"<?php echo 1; ?>", content_type="image/png")
    data = _data([facebook], **{"nuove-0-image": fake, "nuove-0-alt_text": "Foto"})
    body = editor_client.post(reverse("planning:post_create"), data).content.decode()
    assert "non è un&#x27;immagine valida" in body
    assert Post.objects.count() == 0


def test_a_small_file_declaring_huge_dimensions_is_refused_not_a_500(editor_client, facebook):
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    # A valid PNG header declaring 20000 × 20000 pixels, in a few dozen bytes.
    header = struct.pack(">IIBBBBB", 20000, 20000, 1, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0"))
    bomb = SimpleUploadedFile("mappa.png", png + chunk(b"IEND", b""), content_type="image/png")
    data = _data([facebook], **{"nuove-0-image": bomb, "nuove-0-alt_text": "Mappa"})
    response = editor_client.post(reverse("planning:post_create"), data)
    assert response.status_code == 200
    assert "Immagine troppo grande in pixel" in response.content.decode()
    assert Post.objects.count() == 0


def test_a_too_large_image_is_refused(editor_client, facebook, settings):
    settings.MAX_IMAGE_BYTES = 100
    data = _data(
        [facebook], **{"nuove-0-image": png_upload(size=(200, 200)), "nuove-0-alt_text": "Foto"}
    )
    body = editor_client.post(reverse("planning:post_create"), data).content.decode()
    assert "Immagine troppo grande" in body
    assert Post.objects.count() == 0


def _edit_data(post, **overrides) -> dict:
    variant = post.variants.get()
    data = _data(
        [variant.channel],
        title=post.title,
        category=post.category_id,
        base_text=post.base_text,
        version=post.version,
        **{
            f"variant_{variant.channel_id}": variant.text,
            "immagini-TOTAL_FORMS": "0",
            "immagini-INITIAL_FORMS": "0",
        },
    )
    data.update(overrides)
    return data


def test_editing_an_approved_post_sends_it_back_to_review(editor_client, editor, facebook):
    post = PostFactory(author=editor, channels=[facebook], status=PostStatus.APPROVED)
    data = _edit_data(post, **{f"variant_{facebook.pk}": "Testo nuovo per Facebook."})
    response = editor_client.post(reverse("planning:post_edit", args=[post.pk]), data)
    post.refresh_from_db()
    assert response.status_code == 302
    assert (post.status, post.version) == (PostStatus.IN_REVIEW, 2)


def test_a_stale_edit_keeps_what_was_typed_and_explains(editor_client, editor, facebook):
    post = PostFactory(author=editor, channels=[facebook])
    Post.objects.filter(pk=post.pk).update(version=5)
    data = _edit_data(post, title="Il mio titolo nuovo", version=1)
    response = editor_client.post(reverse("planning:post_edit", args=[post.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Qualcun altro ha salvato" in body
    assert 'value="Il mio titolo nuovo"' in body
    post.refresh_from_db()
    assert post.title != "Il mio titolo nuovo"


def test_an_existing_image_can_be_removed(editor_client, editor, facebook):
    post = PostFactory(author=editor, channels=[facebook])
    image = post.images.create(image=png_upload(), alt_text="Vecchia")
    data = _edit_data(
        post,
        **{
            "immagini-TOTAL_FORMS": "1",
            "immagini-INITIAL_FORMS": "1",
            "immagini-0-id": image.pk,
            "immagini-0-alt_text": "Vecchia",
            "immagini-0-remove": "on",
        },
    )
    editor_client.post(reverse("planning:post_edit", args=[post.pk]), data)
    assert post.images.count() == 0


def test_the_live_check_returns_the_counter_and_findings(editor_client, x_channel):
    response = editor_client.post(
        reverse("planning:check_variant"),
        {"channel": x_channel.pk, f"variant_{x_channel.pk}": "AVVISO URGENTE PER TUTTI 😀"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "27 caratteri su 280" in body  # X weighs the emoji 2
    assert "MAIUSCOLO" in body and "emoji" in body and "Manca un link" in body
    assert "<html" not in body


def test_the_live_check_of_an_unknown_channel_is_a_400(editor_client):
    response = editor_client.post(reverse("planning:check_variant"), {"channel": "abc"})
    assert response.status_code == 400


def test_the_post_page_includes_the_workflow_publishing_and_history_parts(
    editor_client, editor, facebook
):
    post = PostFactory(author=editor, channels=[facebook])
    body = editor_client.get(post.get_absolute_url()).content.decode()
    actions = body.index("Invio sui canali")
    assert post.title in body and actions > body.index("Testi per canale")


def test_an_indispensable_post_needs_a_reason(approver_client, facebook):
    data = _data([facebook], is_indispensable="on")
    body = approver_client.post(reverse("planning:post_create"), data).content.decode()
    assert "Spiega perché" in body and Post.objects.count() == 0
    data["indispensable_reason"] = "Chiusura della strada per lavori urgenti."
    approver_client.post(reverse("planning:post_create"), data)
    assert Post.objects.get().indispensable_reason.startswith("Chiusura")


def test_an_editor_sees_the_bypass_flags_but_cannot_set_them(editor_client, facebook):
    data = _data(
        [facebook],
        is_crisis_communication="on",
        is_indispensable="on",
        indispensable_reason="Chiusura della strada per lavori urgenti.",
    )
    editor_client.post(reverse("planning:post_create"), data)
    post = Post.objects.get()
    assert not post.is_crisis_communication and not post.is_indispensable
    body = editor_client.get(reverse("planning:post_edit", args=[post.pk])).content.decode()
    assert "Lo segna un approvatore" in body


def test_the_post_page_warns_when_the_post_falls_in_a_blackout(editor_client, editor, facebook):
    from apps.crisis.models import Blackout

    post = PostFactory(author=editor, channels=[facebook])
    Blackout.objects.create(
        kind="electoral",
        reason="Elezioni comunali",
        starts_at=post.planned_at - timedelta(days=1),
        ends_at=post.planned_at + timedelta(days=1),
    )
    body = editor_client.get(post.get_absolute_url()).content.decode()
    assert "periodo di silenzio" in body and "Elezioni comunali" in body


def test_the_base_text_gets_a_live_readability_score(editor_client):
    text = (
        "La determinazione dell'ammontare complessivo della tariffa è subordinata "
        "all'approvazione del piano finanziario."
    )
    response = editor_client.post(
        reverse("planning:check_variant"), {"channel": "base", "base_text": text}
    )
    body = response.content.decode()
    assert "40/100" in body and "almeno 60" in body and "<html" not in body


def test_a_post_is_duplicated_from_its_page_into_the_editor(editor_client, editor, facebook):
    post = PostFactory(author=editor, channels=[facebook], title="Mercatino")
    when = timezone.localtime(timezone.now() + timedelta(days=30))
    response = editor_client.post(
        reverse("planning:post_duplicate", args=[post.pk]),
        {"data": when.strftime("%Y-%m-%d"), "ora": "09:00"},
    )
    copy = Post.objects.exclude(pk=post.pk).get()
    assert response["Location"] == reverse("planning:post_edit", args=[copy.pk])
    assert copy.title == "Mercatino (copia)"
    bad = editor_client.post(
        reverse("planning:post_duplicate", args=[post.pk]), {"data": "2026-02-30", "ora": "9"}
    )
    assert bad.status_code == 302 and Post.objects.count() == 2


def test_the_post_page_lists_post_level_findings(editor_client, editor):
    instagram = ChannelFactory(name="Instagram", kind=ChannelKind.INSTAGRAM)
    post = PostFactory(author=editor, channels=[instagram], base_text="Il tramonto.")
    body = editor_client.get(post.get_absolute_url()).content.decode()
    assert "serve almeno un&#x27;immagine" in body


def test_the_edit_page_of_a_post_in_review_offers_to_withdraw_it_instead_of_a_form(
    editor_client, editor
):
    from tests.review.factories import post_in

    post = post_in(PostStatus.IN_REVIEW, author=editor, title="Chiusura anagrafe")
    edit_url = reverse("planning:post_edit", args=[post.pk])
    body = editor_client.get(edit_url).content.decode()
    assert "data-post-form" not in body  # no form that could only be refused on save
    assert f'action="{reverse("review:withdraw", args=[post.pk])}"' in body
    assert f'name="next" value="{edit_url}"' in body

    response = editor_client.post(reverse("review:withdraw", args=[post.pk]), {"next": edit_url})
    assert response["Location"] == edit_url
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT
    assert "data-post-form" in editor_client.get(edit_url).content.decode()


def test_the_post_form_gives_the_services_every_content_argument_they_take():
    """The pages and the API build posts from ``PostForm.content_changes``: a new content
    argument of ``create_post`` that the form does not give would reach neither."""
    import inspect

    from apps.planning.forms import PostForm
    from apps.planning.services import create_post

    taken = set(inspect.signature(create_post).parameters) - {"author", "images"}
    assert set(PostForm.CONTENT_FIELDS) | {"channels"} == taken
