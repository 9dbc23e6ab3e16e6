"""A post's library video goes to the networks that take video, each through its API's own
documented steps, streamed from storage, within each network's limits; tested against the local
API servers (real adapters, real HTTP, a real MP4 made by ffmpeg)."""

import dataclasses
import re
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.roles import Role
from apps.channels.enums import ChannelKind
from apps.media_library import services as library
from apps.media_library.models import Asset
from apps.media_library.networks import VIDEO_NETWORKS
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.publishing import services
from apps.publishing.adapters import registry
from apps.publishing.adapters.base import CaptionPayload, PermanentError, TransientError
from apps.publishing.adapters.bluesky import BlueskyAdapter
from apps.publishing.adapters.facebook import FacebookAdapter
from apps.publishing.adapters.instagram import InstagramAdapter
from apps.publishing.adapters.linkedin import LinkedInAdapter
from apps.publishing.adapters.mastodon import MastodonAdapter
from apps.publishing.adapters.telegram import TelegramAdapter
from apps.publishing.adapters.threads import ThreadsAdapter
from apps.publishing.adapters.x import XAdapter
from apps.publishing.models import ChannelCredential, Delivery
from tests.channel_servers import start_server
from tests.factories import ChannelFactory, PostFactory, UserFactory
from tests.media_library.conftest import jpeg_bytes, upload, video_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("needs_ffmpeg")]
VIDEO_ALT = "Il sindaco taglia il nastro del nuovo ponte"


@pytest.fixture(scope="module")
def servers():
    started = {
        kind: start_server(kind)
        for kind in (
            "mastodon",
            "telegram",
            "facebook",
            "instagram",
            "x",
            "linkedin",
            "bluesky",
            "threads",
        )
    }
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture(autouse=True)
def _fresh(servers, monkeypatch):
    for server in servers.values():
        server.reset()
    monkeypatch.setattr("apps.publishing.adapters.mastodon.MEDIA_POLL_SECONDS", 0.01)
    monkeypatch.setattr("apps.publishing.adapters.instagram.REELS_POLL_SECONDS", 0.01)
    monkeypatch.setattr("apps.publishing.adapters.x.VIDEO_WAIT_SCALE", 0.01)
    monkeypatch.setattr("apps.publishing.adapters.linkedin.VIDEO_POLL_SECONDS", 0.01)
    monkeypatch.setattr("apps.publishing.adapters.bluesky.VIDEO_POLL_SECONDS", 0.01)
    monkeypatch.setattr("apps.publishing.adapters.threads.STATUS_POLL_SECONDS", 0.01)


def _channel(kind, server):
    channel = ChannelFactory(kind=kind, config={**server.config, "read_timeout": 5.0})
    ChannelCredential.objects.create(channel=channel, secret=server.token)
    return channel


@pytest.fixture
def clip(uploader, tmp_path):
    return library.add_asset(
        upload=upload(video_bytes(tmp_path, seconds=4), name="clip.mp4", content_type="video/mp4"),
        by=uploader,
        alt_text=VIDEO_ALT,
    ).asset


def _request(channel, *assets, by):
    post = PostFactory(status=PostStatus.IN_REVIEW, channels=[channel])
    library.set_post_assets(post=post, asset_ids=[a.pk for a in assets], by=by)
    Post.objects.filter(pk=post.pk).update(status=PostStatus.APPROVED)
    services.schedule_deliveries(post=Post.objects.get(pk=post.pk))
    return services.build_publish_request(Delivery.objects.get(variant__post=post))


def _stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def test_mastodon_uploads_the_video_and_waits_for_its_processing(servers, clip, uploader):
    mastodon = servers["mastodon"]
    mastodon.video_processing = 3  # 202, then 206 twice, then 200
    photo = library.add_asset(upload=upload(jpeg_bytes()), by=uploader, alt_text="Il ponte").asset
    request = _request(_channel(ChannelKind.MASTODON, mastodon), photo, clip, by=uploader)
    assert request.images == ()  # a status carries a video or images

    MastodonAdapter().publish(request)

    [sent] = mastodon.requests_to("/api/v2/media")
    assert sent.files["file"].data == _stored(clip.file.name)
    assert sent.files["file"].content_type == "video/mp4"
    assert sent.files["thumbnail"].data == _stored(clip.poster.name)
    assert sent.field("description") == VIDEO_ALT
    polls = [r for r in mastodon.requests if r.path.startswith("/api/v1/media/")]
    assert len(polls) == 3
    [status] = mastodon.items
    assert [m["type"] for m in status["media_attachments"]] == ["video"]


def test_mastodon_failed_processing_and_a_size_refusal_are_clear_errors(servers, clip, uploader):
    mastodon = servers["mastodon"]
    channel = _channel(ChannelKind.MASTODON, mastodon)
    request = _request(channel, clip, by=uploader)
    mastodon.video_processing_fails = True
    with pytest.raises(PermanentError, match="Error processing"):
        MastodonAdapter().publish(request)
    mastodon.video_processing_fails = False
    mastodon.max_video_bytes = 1000  # an instance with a lower limit than the default
    with pytest.raises(PermanentError, match="file size must be less than 1000 Bytes"):
        MastodonAdapter().publish(request)
    assert mastodon.items == []


def test_telegram_sends_the_video_with_its_caption_duration_and_poster(servers, clip, uploader):
    telegram = servers["telegram"]
    request = _request(_channel(ChannelKind.TELEGRAM, telegram), clip, by=uploader)

    result = TelegramAdapter().publish(request)

    [sent] = [r for r in telegram.requests if r.path.endswith("/sendVideo")]
    assert sent.files["video"].data == _stored(clip.file.name)
    assert sent.files["thumbnail"].data == _stored(clip.poster.name)
    assert sent.field("supports_streaming") == "true"
    assert (sent.field("width"), sent.field("height")) == ("320", "240")
    assert sent.field("duration") == "4"
    [message] = telegram.items
    assert message["caption"] == request.text and message["video"]["width"] == 320
    assert result.external_id == str(message["message_id"])


def test_telegram_refuses_an_upload_over_its_limit(servers, clip, uploader):
    telegram = servers["telegram"]
    telegram.max_upload_bytes = 1000
    request = _request(_channel(ChannelKind.TELEGRAM, telegram), clip, by=uploader)
    with pytest.raises(PermanentError, match="Request Entity Too Large"):
        TelegramAdapter().publish(request)
    assert telegram.items == []


def test_facebook_uploads_the_video_to_the_page(servers, clip, uploader):
    graph = servers["facebook"]
    request = _request(_channel(ChannelKind.FACEBOOK, graph), clip, by=uploader)

    result = FacebookAdapter().publish(request)

    [sent] = [r for r in graph.requests if r.path.endswith("/videos")]
    assert sent.files["source"].data == _stored(clip.file.name)
    assert sent.files["thumb"].data == _stored(clip.poster.name)
    [video] = graph.items
    assert video["video"] and video["text"] == sent.field("description")
    assert result.url == f"https://www.facebook.com/{graph.page_id}/videos/{video['id']}"


def test_facebook_refuses_a_video_over_its_limit(servers, clip, uploader):
    graph = servers["facebook"]
    graph.max_video_bytes = 1000
    request = _request(_channel(ChannelKind.FACEBOOK, graph), clip, by=uploader)
    with pytest.raises(PermanentError, match="problem uploading your video"):
        FacebookAdapter().publish(request)
    assert graph.items == []


def test_a_video_over_a_networks_limits_stops_the_send_with_the_reason(clip, uploader, servers):
    Asset.objects.filter(pk=clip.pk).update(size_bytes=60 * 1024 * 1024)  # Telegram: 50 MB
    channel = _channel(ChannelKind.TELEGRAM, servers["telegram"])
    with pytest.raises(PermanentError, match="Telegram accetta video fino a 50 MB"):
        _request(channel, clip, by=uploader)


def test_a_network_without_video_upload_gets_the_images_and_no_video(clip, uploader):
    photo = library.add_asset(upload=upload(jpeg_bytes()), by=uploader, alt_text="Il ponte").asset
    channel = ChannelFactory(kind=ChannelKind.WEBHOOK, config={"url": "http://127.0.0.1:9"})
    assert not registry.ADAPTERS[ChannelKind.WEBHOOK].supports_video
    request = _request(channel, photo, clip, by=uploader)
    assert request.video is None
    assert [i.alt_text for i in request.images] == ["Il ponte"]


def test_facebook_gets_the_captions_as_srt_after_the_video(servers, clip, uploader):
    srt = "1\n00:00:00,500 --> 00:00:01,800\nBuongiorno, il ponte è aperto.\n"
    library.add_caption(
        asset=clip,
        upload=SimpleUploadedFile("s.srt", srt.encode()),
        language="it",
        by=uploader,
    )
    graph = servers["facebook"]
    request = _request(_channel(ChannelKind.FACEBOOK, graph), clip, by=uploader)

    FacebookAdapter().publish(request)

    [video] = graph.items
    assert video["captions"] == [{"locale": "it_IT", "srt": srt.rstrip("\n")}]


def test_a_refused_caption_file_does_not_undo_the_published_video(servers, clip, uploader):
    graph = servers["facebook"]
    request = _request(_channel(ChannelKind.FACEBOOK, graph), clip, by=uploader)
    broken = default_storage.save("media_library/captions/rotto.vtt", ContentFile(b"WEBVTT\n"))
    video = dataclasses.replace(
        request.video, captions=(CaptionPayload(path=broken, language="it"),)
    )
    result = FacebookAdapter().publish(dataclasses.replace(request, video=video))
    [item] = graph.items
    assert result.external_id == item["id"] and item["captions"] == []


def test_instagram_publishes_the_video_as_a_reel_once_processed(servers, clip, uploader):
    graph = servers["instagram"]
    graph.reels_processing = 3
    request = _request(_channel(ChannelKind.INSTAGRAM, graph), clip, by=uploader)

    result = InstagramAdapter().publish(request)

    [container] = graph.containers.values()
    assert container["media_type"] == "REELS" and container["share_to_feed"] == "true"
    assert container["video_url"].endswith(clip.file.url)
    polls = [r for r in graph.requests if r.method == "GET" and "status_code" in str(r.query)]
    assert len(polls) == 4  # IN_PROGRESS three times, then FINISHED
    [reel] = graph.items
    assert reel["text"] == request.text and result.external_id == reel["id"]


def test_instagram_says_why_a_reel_was_refused(servers, clip, uploader):
    graph = servers["instagram"]
    graph.reels_error = "Error: video aspect ratio is not supported"
    request = _request(_channel(ChannelKind.INSTAGRAM, graph), clip, by=uploader)
    with pytest.raises(PermanentError, match="aspect ratio is not supported"):
        InstagramAdapter().publish(request)
    assert graph.items == []


def test_instagram_still_processing_after_the_polls_is_retried_later(servers, clip, uploader):
    graph = servers["instagram"]
    graph.reels_processing = 100
    request = _request(_channel(ChannelKind.INSTAGRAM, graph), clip, by=uploader)
    with pytest.raises(TransientError, match="ancora in elaborazione"):
        InstagramAdapter().publish(request)
    assert graph.items == []


def test_x_uploads_the_video_in_chunks_and_waits_for_processing(
    servers, clip, uploader, monkeypatch
):
    monkeypatch.setattr("apps.publishing.adapters.x.VIDEO_CHUNK_BYTES", 4096)
    x = servers["x"]
    x.video_processing = 2
    request = _request(_channel(ChannelKind.X, x), clip, by=uploader)

    result = XAdapter().publish(request)

    [init] = x.requests_to("/2/media/upload/initialize")
    assert init.json["media_category"] == "tweet_video"
    assert init.json["total_bytes"] == clip.size_bytes
    [(media_id, stored)] = x.uploads.items()
    appends = [r for r in x.requests if r.path.endswith("/append")]
    assert len(appends) == -(-clip.size_bytes // 4096) > 1
    assert [int(r.field("segment_index")) for r in appends] == list(range(len(appends)))
    assert stored["data"] == _stored(clip.file.name)
    statuses = [r for r in x.requests if r.method == "GET" and r.path == "/2/media/upload"]
    assert len(statuses) == 3  # in_progress twice, then succeeded
    assert stored["alt_text"] == VIDEO_ALT
    [tweet] = x.items
    assert tweet["media_ids"] == [media_id] and result.external_id == tweet["id"]


def test_x_failed_processing_and_a_size_refusal_are_clear_errors(servers, clip, uploader):
    x = servers["x"]
    request = _request(_channel(ChannelKind.X, x), clip, by=uploader)
    x.video_processing_error = "InvalidMedia: unsupported codec"
    with pytest.raises(PermanentError, match="unsupported codec"):
        XAdapter().publish(request)
    x.video_processing_error = ""
    x.max_video_bytes = 1000
    with pytest.raises(PermanentError, match="File size exceeds"):
        XAdapter().publish(request)
    assert x.items == []


def _captions(clip, uploader) -> dict[str, str]:
    texts = {
        "it": "1\n00:00:00,500 --> 00:00:01,800\nBuongiorno, il ponte è aperto.\n",
        "en": "1\n00:00:00,500 --> 00:00:01,800\nGood morning, the bridge is open.\n",
    }
    for language, srt in texts.items():
        library.add_caption(
            asset=clip,
            upload=SimpleUploadedFile(f"{language}.srt", srt.encode()),
            language=language,
            by=uploader,
        )
    return texts


def test_x_attaches_the_captions_as_srt_to_the_video_before_the_post(servers, clip, uploader):
    texts = _captions(clip, uploader)
    x = servers["x"]
    request = _request(_channel(ChannelKind.X, x), clip, by=uploader)

    XAdapter().publish(request)

    inits = [r.json for r in x.requests_to("/2/media/upload/initialize")]
    assert [(i["media_category"], i["media_type"]) for i in inits[1:]] == [
        ("subtitles", "text/srt"),
        ("subtitles", "text/srt"),
    ]
    [(video_id, video)] = x.uploads.items()
    tracks = {t["language_code"]: t for t in video["subtitles"]}
    assert {code: t["display_name"] for code, t in tracks.items()} == {
        "EN": "English",
        "IT": "Italiano",
    }
    assert tracks["IT"]["data"].decode().strip() == texts["it"].strip()
    assert tracks["EN"]["data"].decode().strip() == texts["en"].strip()
    associations = x.requests_to("/2/media/subtitles")
    assert {r.json["id"] for r in associations} == {video_id}
    assert {r.json["media_category"] for r in associations} == {"TweetVideo"}
    paths = [r.path for r in x.requests if r.method == "POST"]
    assert paths.index("/2/tweets") > max(
        i for i, p in enumerate(paths) if p == "/2/media/subtitles"
    )  # associated before the post, as X documents for captions shown from the start
    [tweet] = x.items
    assert tweet["media_ids"] == [video_id]


def test_x_refusing_the_captions_stops_the_send_before_anything_is_posted(servers, clip, uploader):
    _captions(clip, uploader)
    x = servers["x"]
    x.subtitles_error = "Invalid subtitles file"
    request = _request(_channel(ChannelKind.X, x), clip, by=uploader)
    with pytest.raises(
        PermanentError,
        match=r"^x: sottotitoli \(en\) rifiutati, il video non è partito: Invalid subtitles file$",
    ):
        XAdapter().publish(request)
    assert x.items == []  # nothing public: fix or remove the captions, then send again


def test_x_failing_while_taking_the_captions_is_retried_later(servers, clip, uploader):
    _captions(clip, uploader)
    x = servers["x"]
    x.fail_next(1, "500", on_path="/2/media/subtitles")
    request = _request(_channel(ChannelKind.X, x), clip, by=uploader)
    with pytest.raises(TransientError):
        XAdapter().publish(request)
    assert x.items == []
    XAdapter().publish(request)  # the retry uploads again and posts once
    [tweet] = x.items
    assert len(x.uploads[tweet["media_ids"][0]]["subtitles"]) == 2


def test_linkedin_uploads_the_video_in_the_parts_it_names_and_waits_until_available(
    servers, clip, uploader
):
    linkedin = servers["linkedin"]
    linkedin.part_bytes = 4096
    linkedin.video_processing = 2
    photo = library.add_asset(upload=upload(jpeg_bytes()), by=uploader, alt_text="Il ponte").asset
    request = _request(_channel(ChannelKind.LINKEDIN, linkedin), photo, clip, by=uploader)

    result = LinkedInAdapter().publish(request)

    init, finalize = linkedin.requests_to("/rest/videos")
    payload = init.json["initializeUploadRequest"]
    assert init.field("action") == "initializeUpload"
    assert payload["fileSizeBytes"] == clip.size_bytes
    assert payload["owner"] == f"urn:li:organization:{linkedin.organization_id}"
    [(urn, video)] = linkedin.videos.items()
    parts = [r for r in linkedin.requests if r.method == "PUT" and r.path[-1].isdigit()]
    assert len(parts) == -(-clip.size_bytes // 4096) > 1
    assert linkedin.uploaded_video(urn) == _stored(clip.file.name)  # every byte, in order
    assert finalize.field("action") == "finalizeUpload"
    assert finalize.json["finalizeUploadRequest"]["uploadedPartIds"] == [
        video["etags"][i] for i in range(len(parts))
    ]
    assert video["thumbnail"] == _stored(clip.poster.name)  # the poster frame
    statuses = linkedin.requests_to(f"/rest/videos/{quote(urn, safe='')}", method="GET")
    assert len(statuses) == 3  # PROCESSING twice, then AVAILABLE
    [item] = linkedin.items
    assert item["body"]["content"]["media"]["id"] == urn  # the video, not the photo
    assert not linkedin.images
    assert result.external_id == item["id"]


def test_linkedin_gets_the_captions_in_the_posts_language_as_srt(servers, clip, uploader):
    srt = "1\n00:00:00,500 --> 00:00:01,800\nBuongiorno, il ponte è aperto.\n"
    library.add_caption(
        asset=clip, upload=SimpleUploadedFile("s.srt", srt.encode()), language="it", by=uploader
    )
    english = "1\n00:00:00,500 --> 00:00:01,800\nGood morning, the bridge is open.\n"
    library.add_caption(
        asset=clip, upload=SimpleUploadedFile("e.srt", english.encode()), language="en", by=uploader
    )
    linkedin = servers["linkedin"]
    request = _request(_channel(ChannelKind.LINKEDIN, linkedin), clip, by=uploader)
    assert request.language == "it"

    LinkedInAdapter().publish(request)

    init = linkedin.requests_to("/rest/videos")[0]
    assert init.json["initializeUploadRequest"]["uploadCaptions"] is True
    [(urn, video)] = linkedin.videos.items()
    assert video["captions"].decode().strip() == srt.strip()
    assert linkedin.items


def test_linkedin_failed_processing_and_a_size_refusal_are_clear_errors(servers, clip, uploader):
    linkedin = servers["linkedin"]
    request = _request(_channel(ChannelKind.LINKEDIN, linkedin), clip, by=uploader)
    linkedin.video_processing_error = "Unsupported video codec"
    with pytest.raises(PermanentError, match="Unsupported video codec"):
        LinkedInAdapter().publish(request)
    linkedin.video_processing_error = ""
    linkedin.max_video_bytes = 1000
    with pytest.raises(PermanentError, match="exceeds the maximum allowed"):
        LinkedInAdapter().publish(request)
    assert linkedin.items == []


def test_linkedin_still_processing_after_the_polls_is_retried_later(servers, clip, uploader):
    linkedin = servers["linkedin"]
    linkedin.video_processing = 1000
    request = _request(_channel(ChannelKind.LINKEDIN, linkedin), clip, by=uploader)
    with pytest.raises(TransientError, match="ancora in elaborazione"):
        LinkedInAdapter().publish(request)
    assert linkedin.items == []


def test_linkedin_video_upload_urls_off_linkedin_are_refused_and_the_token_not_sent(
    servers, clip, uploader
):
    linkedin = servers["linkedin"]
    linkedin.upload_base = "https://evil.example"
    request = _request(_channel(ChannelKind.LINKEDIN, linkedin), clip, by=uploader)
    with pytest.raises(TransientError, match="non di LinkedIn"):
        LinkedInAdapter().publish(request)
    assert not [r for r in linkedin.requests if r.method == "PUT"]
    assert linkedin.items == []


def test_linkedin_upload_instructions_that_do_not_cover_the_file_are_refused(
    servers, clip, uploader, monkeypatch
):
    linkedin = servers["linkedin"]
    original = linkedin.handle

    def handle(request):
        reply = original(request)
        if request.path == "/rest/videos" and request.field("action") == "initializeUpload":
            reply.body["value"]["uploadInstructions"][0]["firstByte"] = 10  # a gap
        return reply

    monkeypatch.setattr(linkedin, "handle", handle)
    request = _request(_channel(ChannelKind.LINKEDIN, linkedin), clip, by=uploader)
    with pytest.raises(PermanentError, match="istruzioni di caricamento"):
        LinkedInAdapter().publish(request)
    assert not [r for r in linkedin.requests if r.method == "PUT"]


def test_bluesky_uploads_the_video_with_a_service_token_and_embeds_it_once_processed(
    servers, clip, uploader
):
    bluesky = servers["bluesky"]
    bluesky.video_processing = 2
    photo = library.add_asset(upload=upload(jpeg_bytes()), by=uploader, alt_text="Il ponte").asset
    request = _request(_channel(ChannelKind.BLUESKY, bluesky), photo, clip, by=uploader)

    result = BlueskyAdapter().publish(request)

    [auth] = bluesky.requests_to("com.atproto.server.getServiceAuth", method="GET")
    assert auth.field("lxm") == "com.atproto.repo.uploadBlob"
    assert auth.field("aud") == "did:web:127.0.0.1"
    [upload_request] = bluesky.requests_to("app.bsky.video.uploadVideo")
    service_token = upload_request.header("authorization").removeprefix("Bearer ")
    assert service_token in bluesky.service_tokens and service_token != bluesky.token
    assert upload_request.field("did") == bluesky.config["did"]
    [(job_id, job)] = bluesky.jobs.items()
    assert job["data"] == _stored(clip.file.name)
    polls = bluesky.requests_to("app.bsky.video.getJobStatus", method="GET")
    assert len(polls) == 3  # processing twice, then completed
    [item] = bluesky.items
    embed = item["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.video"
    assert embed["video"] == job["blob"]
    assert embed["alt"] == VIDEO_ALT
    assert embed["aspectRatio"] == {"width": clip.width, "height": clip.height}
    assert not bluesky.requests_to("com.atproto.repo.uploadBlob")  # the photo is not sent
    assert result.external_id == item["uri"]


def test_bluesky_a_retry_reuses_the_job_of_the_video_already_uploaded(servers, clip, uploader):
    bluesky = servers["bluesky"]
    bluesky.video_processing = 1000
    request = _request(_channel(ChannelKind.BLUESKY, bluesky), clip, by=uploader)
    with pytest.raises(TransientError, match="ancora in elaborazione"):
        BlueskyAdapter().publish(request)
    bluesky.video_processing = 0  # processed by the time the retry comes

    BlueskyAdapter().publish(request)

    assert len(bluesky.jobs) == 1  # "already_exists": the same job, not a second upload
    [item] = bluesky.items
    assert item["record"]["embed"]["video"] == next(iter(bluesky.jobs.values()))["blob"]


def test_bluesky_gets_the_captions_as_vtt_blobs_and_leaves_out_one_too_large(
    servers, clip, uploader, caplog
):
    srt = "1\n00:00:00,500 --> 00:00:01,800\nBuongiorno, il ponte è aperto.\n"
    library.add_caption(
        asset=clip, upload=SimpleUploadedFile("s.srt", srt.encode()), language="it", by=uploader
    )
    bluesky = servers["bluesky"]
    request = _request(_channel(ChannelKind.BLUESKY, bluesky), clip, by=uploader)
    cues = "".join(
        f"\n\n00:00:0{n // 1000 % 10}.{n % 1000:03d} --> 00:00:0{n // 1000 % 10}.{n % 1000:03d}"
        f"\nbattuta {n}"
        for n in range(1, 800)
    )
    big = default_storage.save(
        "media_library/captions/lungo.vtt", ContentFile(("WEBVTT" + cues).encode())
    )
    video = dataclasses.replace(
        request.video,
        captions=(*request.video.captions, CaptionPayload(path=big, language="en")),
    )

    BlueskyAdapter().publish(dataclasses.replace(request, video=video))

    [item] = bluesky.items
    [caption] = item["record"]["embed"]["captions"]
    assert caption["lang"] == "it" and caption["file"]["mimeType"] == "text/vtt"
    [vtt] = bluesky.requests_to("com.atproto.repo.uploadBlob")
    assert vtt.body == _stored(clip.captions.get().file.name)
    assert vtt.body.startswith(b"WEBVTT")
    assert "captions en left out" in caplog.text


def test_bluesky_failed_processing_and_a_size_refusal_are_clear_errors(servers, clip, uploader):
    bluesky = servers["bluesky"]
    request = _request(_channel(ChannelKind.BLUESKY, bluesky), clip, by=uploader)
    bluesky.video_processing_error = "Video is not valid"
    with pytest.raises(PermanentError, match="Video is not valid"):
        BlueskyAdapter().publish(request)
    bluesky.video_processing_error = ""
    bluesky.max_video_bytes = 1000
    with pytest.raises(PermanentError, match="VideoTooLarge"):
        BlueskyAdapter().publish(request)
    bluesky.max_video_bytes = 100 * 1024 * 1024
    bluesky.video_processing = 1000
    with pytest.raises(TransientError, match="ancora in elaborazione"):
        BlueskyAdapter().publish(request)
    assert bluesky.items == []


def test_threads_publishes_the_video_from_its_public_url_once_processed(servers, clip, uploader):
    threads = servers["threads"]
    threads.video_processing_polls = 3
    photo = library.add_asset(upload=upload(jpeg_bytes()), by=uploader, alt_text="Il ponte").asset
    request = _request(_channel(ChannelKind.THREADS, threads), photo, clip, by=uploader)
    assert request.images == ()  # the video replaces the images, as elsewhere

    result = ThreadsAdapter().publish(request)

    [container] = threads.containers.values()
    assert container["media_type"] == "VIDEO"
    assert container["video_url"].endswith(clip.file.url)
    assert container["alt_text"] == VIDEO_ALT
    polls = [r for r in threads.requests if r.field("fields") == "status,error_message"]
    assert len(polls) == 4  # IN_PROGRESS three times, then FINISHED
    [post] = threads.items
    assert post["video"] == {"url": container["video_url"], "alt_text": VIDEO_ALT}
    assert post["images"] == [] and result.external_id == post["id"]


def test_threads_says_why_it_could_not_process_the_video(servers, clip, uploader):
    threads = servers["threads"]
    threads.video_error = "The video's frame rate is not supported"
    request = _request(_channel(ChannelKind.THREADS, threads), clip, by=uploader)
    with pytest.raises(PermanentError, match="frame rate is not supported"):
        ThreadsAdapter().publish(request)
    assert threads.items == []


def test_threads_still_processing_the_video_after_the_polls_is_retried_later(
    servers, clip, uploader
):
    threads = servers["threads"]
    threads.video_processing_polls = 100
    request = _request(_channel(ChannelKind.THREADS, threads), clip, by=uploader)
    with pytest.raises(TransientError, match="ancora in elaborazione"):
        ThreadsAdapter().publish(request)
    assert threads.items == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"duration": 301.0}, "Threads accetta video lunghi al massimo 300 secondi."),
        ({"size_bytes": 1025 * 1024 * 1024}, "Threads accetta video fino a 1024 MB."),
        ({"codec": "vp9"}, "Threads accetta solo video H.264 o HEVC, non VP9."),
    ],
)
def test_a_video_over_threads_limits_stops_the_send_before_any_request(
    servers, clip, uploader, change, message
):
    Asset.objects.filter(pk=clip.pk).update(**change)
    threads = servers["threads"]
    with pytest.raises(PermanentError, match=re.escape(message)):
        _request(_channel(ChannelKind.THREADS, threads), clip, by=uploader)
    assert threads.requests == []


def test_the_previews_show_the_video_where_it_replaces_the_images(clip, uploader, client):
    """What the approver sees is what goes out: the video's poster on networks that take
    video, the images elsewhere."""
    photo = library.add_asset(upload=upload(jpeg_bytes()), by=uploader, alt_text="Il ponte").asset
    mastodon = ChannelFactory(name="Mastodon · Comune", kind=ChannelKind.MASTODON)
    website = ChannelFactory(name="Sito · Comune", kind=ChannelKind.WEBSITE)
    post = PostFactory(status=PostStatus.IN_REVIEW, channels=[mastodon, website])
    library.set_post_assets(post=post, asset_ids=[photo.pk, clip.pk], by=uploader)
    client.force_login(UserFactory(username="approva", role=Role.APPROVER))

    body = client.get(reverse("review:post", args=[post.pk])).content.decode()

    assert body.count("Video (fotogramma di anteprima)") == 1  # Mastodon's preview only
    assert f'<img src="{clip.poster.url}" alt="{VIDEO_ALT}">' in body
    assert "Testo alternativo:</span> Il ponte</figcaption>" in body  # the website: images


def test_the_networks_said_to_take_video_are_those_whose_adapter_uploads_it():
    uploading = {kind for kind, adapter in registry.ADAPTERS.items() if adapter.supports_video}
    assert uploading == set(VIDEO_NETWORKS)
