"""Captions (SRT or WebVTT) on a library video: checked by webvtt-py, stored as WebVTT, played
by the site's video player as a <track>, and sent with the video where the network takes a
captions file (Facebook)."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.media_library import services
from apps.media_library.models import Caption

from .conftest import jpeg_bytes, upload, video_bytes

pytestmark = pytest.mark.django_db

SRT = """1
00:00:00,500 --> 00:00:01,800
Buongiorno, il ponte è aperto.

2
00:00:02,000 --> 00:00:03,500
Grazie a chi ha lavorato.
"""
VTT = """WEBVTT

00:00:00.500 --> 00:00:01.800
Good morning, the bridge is open.
"""


def _file(text: str | bytes, name="sottotitoli.srt") -> SimpleUploadedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="application/x-subrip")


@pytest.fixture
def clip(needs_ffmpeg, uploader, tmp_path):
    data = video_bytes(tmp_path, seconds=4)
    return services.add_asset(
        upload=upload(data, name="clip.mp4", content_type="video/mp4"),
        by=uploader,
        alt_text="Il sindaco taglia il nastro",
    ).asset


def _stored(caption) -> str:
    with default_storage.open(caption.file.name, "rb") as handle:
        return handle.read().decode("utf-8")


def test_srt_is_checked_and_stored_as_webvtt(clip, uploader):
    caption = services.add_caption(asset=clip, upload=_file(SRT), language="it", by=uploader)
    assert caption.cue_count == 2
    stored = _stored(caption)
    assert stored.startswith("WEBVTT")
    assert "00:00:00.500 --> 00:00:01.800\nBuongiorno, il ponte è aperto." in stored


def test_a_second_file_in_the_same_language_replaces_the_first(
    clip, uploader, django_capture_on_commit_callbacks
):
    first = services.add_caption(asset=clip, upload=_file(SRT), language="it", by=uploader)
    old_name = first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.add_caption(asset=clip, upload=_file(VTT, "s.vtt"), language="it", by=uploader)
    [caption] = Caption.objects.filter(asset=clip)
    assert "Good morning" in _stored(caption)
    assert not default_storage.exists(old_name)
    services.add_caption(asset=clip, upload=_file(SRT), language="en", by=uploader)
    assert sorted(clip.captions.values_list("language", flat=True)) == ["en", "it"]


@pytest.mark.parametrize(
    "data, message",
    [
        ("non sono sottotitoli\nproprio no", "non è un SRT o un WebVTT valido"),
        ("1\n00:00:02,000 --> 00:00:01,000\nAl contrario\n", "finisce prima di cominciare"),
        ("1\n00:01:00,000 --> 00:01:02,000\nTroppo tardi\n", "dopo la fine del video"),
        ("Ciao".encode("utf-16"), "UTF-8"),
        ("WEBVTT\n\n", "non contiene battute"),
        ("1\n00:00:00,000 --> 00:00:01,000\nA\0B\n", "non è un testo"),
    ],
    ids=["garbage", "backwards", "after-the-end", "utf16", "empty", "nul"],
)
def test_bad_caption_files_are_refused_with_a_clear_message(clip, uploader, data, message):
    with pytest.raises(services.AssetRefused, match=message):
        services.add_caption(asset=clip, upload=_file(data), language="it", by=uploader)
    assert not Caption.objects.exists()


def test_a_caption_file_over_the_size_limit_is_refused_unread(clip, uploader, monkeypatch):
    monkeypatch.setattr(services, "CAPTION_MAX_BYTES", 100)
    with pytest.raises(services.AssetRefused, match="troppo pesante"):
        services.add_caption(asset=clip, upload=_file(SRT * 3), language="it", by=uploader)


def test_images_take_no_captions(uploader):
    photo = services.add_asset(upload=upload(jpeg_bytes()), by=uploader, alt_text="Foto").asset
    with pytest.raises(services.AssetRefused, match="solo ai video"):
        services.add_caption(asset=photo, upload=_file(SRT), language="it", by=uploader)


def test_the_video_player_plays_the_captions_as_tracks(clip, editor_client, uploader):
    url = reverse("media_library:caption_add", args=[clip.pk])
    response = editor_client.post(url, {"file": _file(SRT), "language": "it"})
    assert response.status_code == 302
    services.add_caption(asset=clip, upload=_file(VTT, "s.vtt"), language="en", by=uploader)

    body = editor_client.get(clip.get_absolute_url()).content.decode()
    italian, english = Caption.objects.get(language="it"), Caption.objects.get(language="en")
    assert (
        f'<track kind="captions" src="{english.file.url}" srclang="en" label="Inglese" default>'
        in body
    )
    assert f'<track kind="captions" src="{italian.file.url}" srclang="it" label="Italiano">' in (
        body
    )
    assert "Italiano: 2 battute" in body


def test_a_refused_file_shows_the_error_on_the_page(clip, editor_client):
    url = reverse("media_library:caption_add", args=[clip.pk])
    response = editor_client.post(url, {"file": _file("niente"), "language": "it"})
    assert response.status_code == 400
    assert "non è un SRT o un WebVTT valido" in response.content.decode()


def test_captions_are_deleted_from_the_page(
    clip, editor_client, uploader, django_capture_on_commit_callbacks
):
    caption = services.add_caption(asset=clip, upload=_file(SRT), language="it", by=uploader)
    url = reverse("media_library:caption_delete", args=[clip.pk, caption.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(url).status_code == 302
    assert not Caption.objects.exists()
    assert not default_storage.exists(caption.file.name)
