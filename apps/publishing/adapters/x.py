"""X through API v2: ``POST /2/tweets`` with ``{"text": ...}``; ``DELETE /2/tweets/{id}``.
A video is uploaded in chunks first (``/2/media/upload``: initialize, append, finalize, status),
then its captions (SRT, ``media_category=subtitles``) associated by ``POST /2/media/subtitles``.

Images (at most 4) go up first through the v2 media upload, in chunks as documented:
``POST /2/media/upload/initialize`` (type, size, ``tweet_image``) -> the media id,
``POST /2/media/upload/{id}/append`` (multipart ``media`` + ``segment_index``, 1 MB each),
``POST /2/media/upload/{id}/finalize``; the alt text through ``POST /2/media/metadata``;
then the post carries ``media.media_ids``. An upload publishes nothing: a lost answer is
transient. Needs the ``media.write`` scope.

Config: optional ``base_url`` (default ``https://api.x.com``). Secret: an OAuth 2.0 user
access token (bearer). A 429 carries ``x-rate-limit-reset`` (epoch seconds). Errors are
``{"title", "detail", "type", "status"}`` (or ``{"errors": [{"message"}]}``). No idempotency.

Metrics: ``GET /2/tweets/{id}?tweet.fields=public_metrics`` (impressions, likes, replies,
retweets, quotes); a deleted post answers 200 with ``errors[0].type`` ending in
``resource-not-found``. Followers: ``GET /2/users/me?user.fields=public_metrics``.
"""

import time
from collections.abc import Iterable, Iterator

import webvtt

from apps.channels.enums import ChannelKind
from apps.channels.kinds import MAX_IMAGES as KIND_MAX_IMAGES
from apps.planning.checks import count_characters, text_as_sent

from ._http import (
    BearerApiAdapter,
    bearer_client,
    caption_srt,
    image_bytes,
    json_or_empty,
    open_media,
    send,
)
from .base import (
    GoneError,
    PermanentError,
    PostMetrics,
    PublishRequest,
    PublishResult,
    ReplyRequest,
    TransientError,
    figure,
    total,
)

TEXT_LIMIT = 280
MAX_IMAGES = KIND_MAX_IMAGES[ChannelKind.X]
MAX_IMAGE_BYTES = 5 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024
MAX_ALT = 1000  # X's limit on alt text
# Video upload: chunks of 4 MB (X takes at most 5 MB a chunk); X says how long to wait between
# status reads (``check_after_secs``), capped here so that one send fits the worker's limits.
VIDEO_CHUNK_BYTES = 4 * 1024 * 1024
VIDEO_POLLS = 10
VIDEO_MAX_WAIT_SECONDS = 5.0
VIDEO_WAIT_SCALE = 1.0  # tests make the waits short
# The name X shows viewers for a subtitles track: each language by its own name.
SUBTITLE_NAMES = {
    "it": "Italiano",
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "sl": "Slovenščina",
}


def weighted_length(text: str) -> int:
    """X's count: every link weighs 23 (t.co). The editor and the review count the same way."""
    return count_characters(text, "x")


def _chunks(data: bytes) -> Iterator[bytes]:
    return (data[at : at + CHUNK_BYTES] for at in range(0, len(data), CHUNK_BYTES))


def _message(response) -> str:
    body = json_or_empty(response)
    if body.get("detail"):
        return str(body["detail"])
    errors = body.get("errors") or []
    if errors and isinstance(errors[0], dict):
        return str(errors[0].get("message") or errors[0].get("detail") or "")
    return str(body.get("title", ""))


def _retry_after(response) -> float | None:
    reset = response.headers.get("x-rate-limit-reset")
    try:
        return max(float(reset) - time.time(), 0.0) if reset else None
    except ValueError:
        return None


class XAdapter(BearerApiAdapter):
    kind = "x"
    supports_delete = True
    supports_verify = True
    supports_video = True
    supports_reply = True
    moderation_actions = frozenset({"hide"})  # hide replies to our own tweets

    message_of = staticmethod(_message)
    retry_after_of = staticmethod(_retry_after)

    def verify(self, *, config: dict, secret: str) -> str:
        response = self.call_harmless(config, secret, "GET", "/2/users/me")
        return "@" + str((json_or_empty(response).get("data") or {}).get("username", ""))

    def _client(self, config: dict, secret: str):
        return bearer_client(config, secret, kind=self.kind, default_base_url="https://api.x.com")

    def publish(self, request: PublishRequest) -> PublishResult:
        text = text_as_sent(request.text, self.kind, request.link)
        if weighted_length(text) > TEXT_LIMIT:
            raise PermanentError(
                f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri ({weighted_length(text)})"
            )
        body: dict = {"text": text}
        with self._client(request.config, request.secret) as client:
            if request.video is not None:  # a post carries one video or up to 4 images
                body["media"] = {"media_ids": [self._upload_video(client, request)]}
            else:
                images = request.images[:MAX_IMAGES]
                media_ids = [self._upload(client, request, image) for image in images]
                if media_ids:
                    body["media"] = {"media_ids": media_ids}
            response = send(
                client,
                "POST",
                "/2/tweets",
                secret=request.secret,
                kind=self.kind,
                json=body,
            )
        self.raise_for(response, request.secret)
        tweet_id = str(response.json()["data"]["id"])
        return PublishResult(external_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")

    def _media_call(
        self, client, request: PublishRequest, path: str, *, method: str = "POST", **kwargs
    ) -> dict:
        """One step of the media upload; its ``data``. Media publish nothing by themselves."""
        response = send(
            client,
            method,
            path,
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,  # media publish nothing by themselves
            **kwargs,
        )
        self.raise_for(response, request.secret)
        return json_or_empty(response).get("data") or {}

    def _chunked_upload(
        self,
        client,
        request: PublishRequest,
        *,
        media_type: str,
        total_bytes: int,
        category: str,
        chunks: Iterable[bytes],
        part: tuple[str, str],
        not_started: Exception,
    ) -> tuple[str, dict]:
        """``initialize``, ``append`` each chunk (``segment_index``; ``part`` is the multipart
        file name and type), ``finalize``: the media id and what ``finalize`` answered."""
        started = self._media_call(
            client,
            request,
            "/2/media/upload/initialize",
            json={"media_type": media_type, "total_bytes": total_bytes, "media_category": category},
        )
        media_id = str(started.get("id") or "")
        if not media_id:
            raise not_started
        filename, chunk_type = part
        for index, chunk in enumerate(chunks):
            self._media_call(
                client,
                request,
                f"/2/media/upload/{media_id}/append",
                data={"segment_index": str(index)},
                files={"media": (filename, chunk, chunk_type)},
            )
        return media_id, self._media_call(client, request, f"/2/media/upload/{media_id}/finalize")

    def _upload_video(self, client, request: PublishRequest) -> str:
        """X API v2 chunked media upload: ``initialize`` (``tweet_video``, total bytes),
        ``append`` each chunk read from storage (``segment_index``), ``finalize``, then
        ``GET /2/media/upload?command=STATUS`` while processing is pending or in progress, and
        the alt text through ``/2/media/metadata``. Nothing is public until the post: every
        step is safe to repeat on a retry."""
        video = request.video
        try:
            with open_media(video.path) as handle:
                media_id, finished = self._chunked_upload(
                    client,
                    request,
                    media_type=video.content_type,
                    total_bytes=video.size,
                    category="tweet_video",
                    chunks=iter(lambda: handle.read(VIDEO_CHUNK_BYTES), b""),
                    part=("chunk", "application/octet-stream"),
                    not_started=PermanentError(
                        f"{self.kind}: risposta inattesa al caricamento del video"
                    ),
                )
        except OSError as exc:
            raise PermanentError(f"{self.kind}: video non leggibile ({exc.strerror})") from None
        info = finished.get("processing_info")
        for _poll in range(VIDEO_POLLS):
            state = (info or {}).get("state", "succeeded")
            if state == "succeeded":
                break
            if state == "failed":
                detail = str(((info or {}).get("error") or {}).get("message", ""))
                raise PermanentError(f"{self.kind}: video rifiutato ({detail})")
            wait = (info or {}).get("check_after_secs") or 1
            time.sleep(min(float(wait), VIDEO_MAX_WAIT_SECONDS) * VIDEO_WAIT_SCALE)
            info = self._media_call(
                client,
                request,
                "/2/media/upload",
                method="GET",
                params={"command": "STATUS", "media_id": media_id},
            ).get("processing_info")
        else:
            raise TransientError(f"{self.kind}: video ancora in elaborazione", retry_after=60.0)
        if video.description:
            self._media_call(
                client,
                request,
                "/2/media/metadata",
                json={
                    "id": media_id,
                    "metadata": {"alt_text": {"text": video.description[:MAX_ALT]}},
                },
            )
        for caption in video.captions:
            self._add_subtitles(client, request, media_id, caption)
        return media_id

    def _add_subtitles(self, client, request: PublishRequest, video_id: str, caption) -> None:
        """X's subtitles flow, before the post: the captions as SRT through the chunked
        upload with ``media_category=subtitles`` (``text/srt``), then
        ``POST /2/media/subtitles`` associating that media id with the video's and a language
        code (v2's form of v1.1's ``media/subtitles/create``).

        Nothing is public yet, so a refusal is not logged and skipped as on Facebook (where
        the video is already out): X answering 5xx or 429 is transient (the whole upload is
        retried later, safely), and X refusing the captions stops the send with the reason
        (a failed delivery): a Comune's video does not go out without the captions the office
        gave it unless someone decides so, by fixing or removing them and sending again."""
        language = caption.language.lower()
        try:
            data = caption_srt(caption.path)
        except (OSError, ValueError, webvtt.errors.MalformedFileError):
            raise PermanentError(
                f"{self.kind}: sottotitoli ({language}) non leggibili: il video non è partito"
            ) from None
        try:
            subtitles_id, _finished = self._chunked_upload(
                client,
                request,
                media_type="text/srt",
                total_bytes=len(data),
                category="subtitles",
                chunks=_chunks(data),
                part=("sottotitoli.srt", "text/srt"),
                not_started=TransientError(f"{self.kind}: caricamento dei sottotitoli non avviato"),
            )
            self._media_call(
                client,
                request,
                "/2/media/subtitles",
                json={
                    "id": video_id,
                    "media_category": "TweetVideo",
                    "subtitles": {
                        "id": subtitles_id,
                        "language_code": language.upper(),
                        "display_name": SUBTITLE_NAMES.get(language, language.upper()),
                    },
                },
            )
        except PermanentError as exc:
            raise PermanentError(
                f"{self.kind}: sottotitoli ({language}) rifiutati, il video non è partito: "
                + str(exc).removeprefix(f"{self.kind}: "),
                status=exc.status,
            ) from None

    def _upload(self, client, request: PublishRequest, image) -> str:
        data = image_bytes(image.path)
        if len(data) > MAX_IMAGE_BYTES:
            raise PermanentError(
                f"{self.kind}: immagine di {len(data) // 1024} KB, oltre i 5 MB che X accetta"
            )
        media_id, finished = self._chunked_upload(
            client,
            request,
            media_type=image.content_type,
            total_bytes=len(data),
            category="tweet_image",
            chunks=_chunks(data),
            part=("immagine", image.content_type),
            not_started=TransientError(f"{self.kind}: caricamento dell'immagine non avviato"),
        )
        state = (finished.get("processing_info") or {}).get("state", "succeeded")
        if state != "succeeded":  # images are ready at once; a pending one: try later
            raise TransientError(f"{self.kind}: immagine in elaborazione", retry_after=30.0)
        if image.alt_text:
            self._media_call(
                client,
                request,
                "/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": image.alt_text[:MAX_ALT]}}},
            )
        return media_id

    def reply(self, request: ReplyRequest) -> PublishResult:
        if weighted_length(request.text) > TEXT_LIMIT:
            raise PermanentError(f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri")
        with self._client(request.config, request.secret) as client:
            response = send(
                client,
                "POST",
                "/2/tweets",
                secret=request.secret,
                kind=self.kind,
                json={"text": request.text, "reply": {"in_reply_to_tweet_id": request.in_reply_to}},
            )
        self.raise_for(response, request.secret)
        tweet_id = str(response.json()["data"]["id"])
        return PublishResult(external_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")

    def moderate(self, *, network_id: str, action: str, config: dict, secret: str) -> None:
        if action != "hide":
            raise PermanentError(f"{self.kind}: le risposte altrui si possono solo nascondere")
        self.call_harmless(
            config, secret, "PUT", f"/2/tweets/{network_id}/hidden", json={"hidden": True}
        )

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        self.call_harmless(config, secret, "DELETE", f"/2/tweets/{external_id}")

    supports_metrics = True
    supports_followers = True

    def metrics(self, *, external_id: str, config: dict, secret: str) -> PostMetrics:
        response = self.call_harmless(
            config,
            secret,
            "GET",
            f"/2/tweets/{external_id}",
            params={"tweet.fields": "public_metrics"},
        )
        body = json_or_empty(response)
        data = body.get("data")
        if not isinstance(data, dict):
            errors = body.get("errors")
            first = errors[0] if isinstance(errors, list) and errors else {}
            if isinstance(first, dict) and str(first.get("type", "")).endswith("not-found"):
                raise GoneError(f"{self.kind}: post non più presente", status=404)
            raise PermanentError(f"{self.kind}: risposta senza metriche")
        figures = data.get("public_metrics") or {}
        return PostMetrics(
            impressions=figure(figures, "impression_count"),
            reactions=figure(figures, "like_count"),
            comments=figure(figures, "reply_count"),
            shares=total(figure(figures, "retweet_count"), figure(figures, "quote_count")),
        )

    def followers(self, *, config: dict, secret: str) -> int | None:
        response = self.call_harmless(
            config, secret, "GET", "/2/users/me", params={"user.fields": "public_metrics"}
        )
        data = json_or_empty(response).get("data") or {}
        return figure(data.get("public_metrics") or {}, "followers_count")
