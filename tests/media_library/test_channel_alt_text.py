"""A library image's alt text is written once on the asset; one channel may give it its own
(a shorter one for X, a Telegram one naming the office…). It is reviewed like the text, shown
in the previews the approver reads, and it is what that channel's API receives."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.media_library import services
from apps.planning.enums import PostStatus as S
from apps.planning.models import Post, Variant
from apps.publishing import services as publishing
from apps.publishing.adapters.mastodon import MastodonAdapter
from apps.publishing.models import ChannelCredential, Delivery
from apps.review import services as review
from apps.review.editing import update_post
from tests.channel_servers import start_server
from tests.factories import CategoryFactory, ChannelFactory
from tests.media_library.conftest import jpeg_bytes, upload, video_bytes
from tests.review.factories import post_in

pytestmark = pytest.mark.django_db
ASSET_ALT = "Il ponte sul fiume al tramonto, con le luci accese"
MASTODON_ALT = "Il ponte al tramonto"


@pytest.fixture(scope="module")
def mastodon():
    server = start_server("mastodon")
    yield server
    server.stop()


@pytest.fixture
def channels(mastodon):
    mastodon.reset()
    own = ChannelFactory(
        name="Mastodon · Comune",
        kind=ChannelKind.MASTODON,
        config={**mastodon.config, "read_timeout": 3.0},
    )
    ChannelCredential.objects.create(channel=own, secret=mastodon.token)
    return own, ChannelFactory(name="Facebook · Comune", kind=ChannelKind.FACEBOOK)


@pytest.fixture
def photo(editor):
    return services.add_asset(
        upload=upload(jpeg_bytes(colour=(40, 40, 160))), by=editor, alt_text=ASSET_ALT
    ).asset


def _form(post, channels, photo, **alt) -> dict:
    day = timezone.localdate() + timedelta(days=3)
    data = {
        "title": post.title,
        "category": post.category_id or CategoryFactory(slug="c").pk,
        "planned_date": day.isoformat(),
        "planned_time": "10:30",
        "channels": [c.pk for c in channels],
        "base_text": "Il ponte riapre lunedì dopo i lavori.",
        "link": "",
        "notes": "",
        "version": post.version,
        "nuove-TOTAL_FORMS": "0",
        "nuove-INITIAL_FORMS": "0",
        "immagini-TOTAL_FORMS": "0",
        "immagini-INITIAL_FORMS": "0",
        "media_assets": [photo.pk],
    }
    data.update({f"alt_text_{c.pk}_{photo.pk}": text for c, text in alt.get("by", {}).items()})
    return data


def test_the_editor_asks_each_channel_for_the_library_images_alt_text(
    editor_client, editor, channels, photo
):
    mastodon_channel, facebook = channels
    post = post_in(S.DRAFT, author=editor, channels=list(channels))
    services.set_post_assets(post=post, asset_ids=[photo.pk], by=editor)
    url = reverse("planning:post_edit", args=[post.pk])
    body = editor_client.get(url).content.decode()
    field = f'name="alt_text_{mastodon_channel.pk}_{photo.pk}"'
    assert field in body
    assert f'placeholder="{ASSET_ALT}"' in body  # what an empty field falls back to
    assert "Testo alternativo su Mastodon · Comune per «" in body

    data = _form(post, channels, photo, by={mastodon_channel: MASTODON_ALT, facebook: ""})
    assert editor_client.post(url, data).status_code == 302

    variants = {v.channel_id: v for v in Variant.objects.filter(post=post)}
    assert variants[mastodon_channel.pk].alt_text_overrides == {str(photo.pk): MASTODON_ALT}
    assert variants[facebook.pk].alt_text_overrides == {}  # empty: the asset's own
    again = editor_client.get(url).content.decode()
    assert f'{field} id="id_alt_text_{mastodon_channel.pk}_{photo.pk}" maxlength="500" ' in again
    assert f'value="{MASTODON_ALT}"' in again


def test_the_channels_alt_text_is_what_its_api_receives(
    editor, approver, channels, photo, mastodon
):
    mastodon_channel, _facebook = channels
    post = post_in(S.IN_REVIEW, author=editor, channels=[mastodon_channel])
    services.set_post_assets(post=post, asset_ids=[photo.pk], by=editor)
    Variant.objects.filter(post=post).update(alt_text_overrides={str(photo.pk): MASTODON_ALT})
    review.approve_post(post, by=approver, expected_version=post.version)
    publishing.schedule_deliveries(post=Post.objects.get(pk=post.pk))

    request = publishing.build_publish_request(Delivery.objects.get(variant__post=post))
    MastodonAdapter().publish(request)

    [sent] = mastodon.requests_to("/api/v2/media")
    assert sent.field("description") == MASTODON_ALT


def test_an_approved_post_whose_channel_alt_text_changes_goes_back_to_review(
    editor, approver, channels, photo
):
    mastodon_channel, _facebook = channels
    post = post_in(S.IN_REVIEW, author=editor, channels=[mastodon_channel])
    services.set_post_assets(post=post, asset_ids=[photo.pk], by=editor)
    review.approve_post(post, by=approver, expected_version=post.version)
    post = Post.objects.get(pk=post.pk)

    update_post(
        post,
        by=editor,
        expected_version=post.version,
        alt_text_overrides={mastodon_channel.pk: {str(photo.pk): MASTODON_ALT}},
    )

    post.refresh_from_db()
    assert post.status == S.IN_REVIEW


def test_the_approver_reads_each_channels_alt_text_in_the_previews(
    editor, approver, client, channels, photo
):
    mastodon_channel, facebook = channels
    post = post_in(S.IN_REVIEW, author=editor, channels=list(channels))
    services.set_post_assets(post=post, asset_ids=[photo.pk], by=editor)
    Variant.objects.filter(post=post, channel=mastodon_channel).update(
        alt_text_overrides={str(photo.pk): MASTODON_ALT}
    )
    client.force_login(approver)
    body = client.get(reverse("review:post", args=[post.pk])).content.decode()
    alt_in_preview = "Testo alternativo:</span> {}</figcaption>"
    assert alt_in_preview.format(MASTODON_ALT) in body  # Mastodon's preview
    assert alt_in_preview.format(ASSET_ALT) in body  # Facebook's: the asset's own


def test_the_live_preview_shows_the_library_image_with_the_alt_text_being_typed(
    editor_client, editor, channels, photo
):
    mastodon_channel, _facebook = channels
    response = editor_client.post(
        reverse("planning:check_variant"),
        {
            "channel": mastodon_channel.pk,
            "base_text": "Il ponte riapre lunedì.",
            "media_assets": [photo.pk],
            f"alt_text_{mastodon_channel.pk}_{photo.pk}": MASTODON_ALT,
        },
    )
    body = response.content.decode()
    assert f'src="{photo.file.url}"' in body
    assert f'alt="{MASTODON_ALT}"' in body


# --- A library video: its own alt text per channel, where the channel takes video ---------

VIDEO_ALT = "Il sindaco presenta il nuovo ponte, con sottotitoli"
MASTODON_VIDEO_ALT = "Il sindaco presenta il ponte"


@pytest.fixture
def clip(editor, tmp_path, needs_ffmpeg):
    return services.add_asset(
        upload=upload(video_bytes(tmp_path), name="ponte.mp4", content_type="video/mp4"),
        by=editor,
        alt_text=VIDEO_ALT,
    ).asset


def test_the_editor_asks_a_video_channel_for_the_videos_alt_text(
    editor_client, editor, channels, clip
):
    mastodon_channel, _facebook = channels
    outbox = ChannelFactory(name="Registro", kind=ChannelKind.OUTBOX)  # takes no video
    post = post_in(S.DRAFT, author=editor, channels=[mastodon_channel, outbox])
    services.set_post_assets(post=post, asset_ids=[clip.pk], by=editor)
    url = reverse("planning:post_edit", args=[post.pk])
    body = editor_client.get(url).content.decode()
    assert f'name="alt_text_{mastodon_channel.pk}_{clip.pk}"' in body
    assert f"Descrizione su Mastodon · Comune per il video «{VIDEO_ALT}»" in body
    assert f'placeholder="{VIDEO_ALT}"' in body
    assert f'name="alt_text_{outbox.pk}_{clip.pk}"' not in body  # the video never goes there

    data = _form(post, [mastodon_channel, outbox], clip, by={mastodon_channel: MASTODON_VIDEO_ALT})
    assert editor_client.post(url, data).status_code == 302
    variants = {v.channel_id: v for v in Variant.objects.filter(post=post)}
    assert variants[mastodon_channel.pk].alt_text_overrides == {str(clip.pk): MASTODON_VIDEO_ALT}
    assert variants[outbox.pk].alt_text_overrides == {}


def test_an_approved_post_whose_videos_channel_alt_text_changes_in_the_editor_goes_back_to_review(
    editor_client, editor, approver, channels, clip
):
    mastodon_channel, _facebook = channels
    post = post_in(S.IN_REVIEW, author=editor, channels=[mastodon_channel])
    services.set_post_assets(post=post, asset_ids=[clip.pk], by=editor)
    Post.objects.filter(pk=post.pk).update(
        planned_at=timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)
    )
    post.refresh_from_db()
    review.approve_post(post, by=approver, expected_version=post.version)
    post.refresh_from_db()
    data = _form(post, [mastodon_channel], clip, by={mastodon_channel: MASTODON_VIDEO_ALT})
    local = timezone.localtime(post.planned_at)
    data.update(
        base_text=post.base_text,
        planned_date=local.date().isoformat(),
        planned_time=local.strftime("%H:%M"),
    )
    data[f"variant_{mastodon_channel.pk}"] = Variant.objects.get(post=post).text

    response = editor_client.post(reverse("planning:post_edit", args=[post.pk]), data)

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == S.IN_REVIEW  # the approver reviews the new description
    variant = Variant.objects.get(post=post)
    assert variant.alt_text_overrides == {str(clip.pk): MASTODON_VIDEO_ALT}


def test_the_approver_reads_the_videos_channel_alt_text_in_the_preview(
    editor, approver, client, channels, clip
):
    mastodon_channel, facebook = channels
    post = post_in(S.IN_REVIEW, author=editor, channels=list(channels))
    services.set_post_assets(post=post, asset_ids=[clip.pk], by=editor)
    Variant.objects.filter(post=post, channel=mastodon_channel).update(
        alt_text_overrides={str(clip.pk): MASTODON_VIDEO_ALT}
    )
    client.force_login(approver)
    body = client.get(reverse("review:post", args=[post.pk])).content.decode()
    alt_in_preview = "Testo alternativo:</span> {}</figcaption>"
    assert alt_in_preview.format(MASTODON_VIDEO_ALT) in body  # Mastodon's video preview
    assert alt_in_preview.format(VIDEO_ALT) in body  # Facebook's: the asset's own
