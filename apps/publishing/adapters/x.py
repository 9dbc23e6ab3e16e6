"""X through API v2: ``POST /2/tweets`` with ``{"text": ...}``; ``DELETE /2/tweets/{id}``.
A video is uploaded in chunks first (``/2/media/upload``: initialize, append, finalize, status).

Config: optional ``base_url`` (default ``https://api.x.com``). Secret: an OAuth 2.0 user
access token (bearer). A 429 carries ``x-rate-limit-reset`` (epoch seconds). Errors are
``{"title", "detail", "type", "status"}`` (or ``{"errors": [{"message"}]}``). No idempotency.
"""

import time

from apps.planning.checks import count_characters, text_as_sent

from ._http import BearerApiAdapter, bearer_client, json_or_empty, open_media, send
from .base import PermanentError, PublishRequest, PublishResult, TransientError

TEXT_LIMIT = 280
# Video upload: chunks of 4 MB (X takes at most 5 MB a chunk); X says how long to wait between
# status reads (``check_after_secs``), capped here so that one send fits the worker's limits.
VIDEO_CHUNK_BYTES = 4 * 1024 * 1024
VIDEO_POLLS = 10
VIDEO_MAX_WAIT_SECONDS = 5.0
VIDEO_WAIT_SCALE = 1.0  # tests make the waits short


def weighted_length(text: str) -> int:
    """X's count: every link weighs 23 (t.co). The editor and the review count the same way."""
    return count_characters(text, "x")


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
        with self._client(request.config, request.secret) as client:
            payload = {"text": text}
            if request.video is not None:
                payload["media"] = {"media_ids": [self._upload_video(client, request)]}
            response = send(
                client,
                "POST",
                "/2/tweets",
                secret=request.secret,
                kind=self.kind,
                json=payload,
            )
        self.raise_for(response, request.secret)
        tweet_id = str(response.json()["data"]["id"])
        return PublishResult(external_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")

    def _upload_video(self, client, request: PublishRequest) -> str:
        """X API v2 chunked media upload: ``initialize`` (``tweet_video``, total bytes),
        ``append`` each chunk read from storage (``segment_index``), ``finalize``, then
        ``GET /2/media/upload?command=STATUS`` while processing is pending or in progress, and
        the alt text through ``/2/media/metadata``. Nothing is public until the post: every
        step is safe to repeat on a retry."""
        video = request.video
        response = self._media_call(
            client,
            request,
            "POST",
            "/2/media/upload/initialize",
            json={
                "media_type": video.content_type,
                "total_bytes": video.size,
                "media_category": "tweet_video",
            },
        )
        media_id = str((json_or_empty(response).get("data") or {}).get("id", ""))
        if not media_id:
            raise PermanentError(f"{self.kind}: risposta inattesa al caricamento del video")
        try:
            with open_media(video.path) as handle:
                for index, chunk in enumerate(iter(lambda: handle.read(VIDEO_CHUNK_BYTES), b"")):
                    self._media_call(
                        client,
                        request,
                        "POST",
                        f"/2/media/upload/{media_id}/append",
                        data={"segment_index": str(index)},
                        files={"media": ("chunk", chunk, "application/octet-stream")},
                    )
        except OSError as exc:
            raise PermanentError(f"{self.kind}: video non leggibile ({exc.strerror})") from None
        response = self._media_call(client, request, "POST", f"/2/media/upload/{media_id}/finalize")
        info = (json_or_empty(response).get("data") or {}).get("processing_info")
        for _poll in range(VIDEO_POLLS):
            state = (info or {}).get("state", "succeeded")
            if state == "succeeded":
                break
            if state == "failed":
                detail = str(((info or {}).get("error") or {}).get("message", ""))
                raise PermanentError(f"{self.kind}: video rifiutato ({detail})")
            wait = (info or {}).get("check_after_secs") or 1
            time.sleep(min(float(wait), VIDEO_MAX_WAIT_SECONDS) * VIDEO_WAIT_SCALE)
            response = self._media_call(
                client,
                request,
                "GET",
                "/2/media/upload",
                params={"command": "STATUS", "media_id": media_id},
            )
            info = (json_or_empty(response).get("data") or {}).get("processing_info")
        else:
            raise TransientError(f"{self.kind}: video ancora in elaborazione", retry_after=60.0)
        if video.description:
            self._media_call(
                client,
                request,
                "POST",
                "/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": video.description[:1000]}}},
            )
        return media_id

    def _media_call(self, client, request: PublishRequest, method: str, path: str, **kwargs):
        response = send(
            client,
            method,
            path,
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            **kwargs,
        )
        self.raise_for(response, request.secret)
        return response

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        self.call_harmless(config, secret, "DELETE", f"/2/tweets/{external_id}")
