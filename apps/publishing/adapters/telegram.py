"""Telegram channel through the Bot API: ``sendMessage``, or ``sendPhoto``/``sendVideo`` with a
caption.

Config: ``chat_id`` (``@nomecanale`` or the numeric id), optional ``base_url`` (default
``https://api.telegram.org``). Secret: the bot token, which the Bot API puts in the path,
so URLs are never logged or put into messages. Errors come as
``{"ok": false, "error_code": 429, "description": ..., "parameters": {"retry_after": N}}``.
The Bot API has no idempotency key: an unknown outcome goes to a person.

No metrics: the Bot API reports neither a channel post's views nor reactions to a bot,
so the reports say that Telegram gives no numbers (``supports_metrics`` stays False). The
channel's subscribers are there: ``getChatMemberCount``.
"""

from contextlib import ExitStack

from apps.planning.checks import text_as_sent

from ._http import (
    client_for,
    image_bytes,
    json_or_empty,
    open_media,
    raise_for_status,
    require,
    require_secret,
    scrub,
    send,
)
from .base import Adapter, PermanentError, PublishRequest, PublishResult, ReplyRequest

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def _message(response) -> str:
    return str(json_or_empty(response).get("description", ""))


def _retry_after(response) -> float | None:
    value = (json_or_empty(response).get("parameters") or {}).get("retry_after")
    return float(value) if value is not None else None


class TelegramAdapter(Adapter):
    kind = "telegram"
    supports_delete = True
    supports_verify = True
    supports_video = True
    supports_reply = True
    moderation_actions = frozenset({"delete"})  # a bot administrator of the group may

    def verify(self, *, config: dict, secret: str) -> str:
        bot = self._call(config, secret, "getMe", may_duplicate=False)
        return "@" + str(bot.get("username", ""))

    def _call(self, config: dict, secret: str, method: str, *, may_duplicate=True, **kwargs):
        token = require_secret(secret, self.kind)
        base_url = config.get("base_url") or "https://api.telegram.org"
        with client_for(config, base_url=base_url) as client:
            response = send(
                client,
                "POST",
                f"/bot{token}/{method}",
                secret=secret,
                kind=self.kind,
                may_duplicate=may_duplicate,
                **kwargs,
            )
        raise_for_status(
            response,
            secret=secret,
            kind=self.kind,
            message_of=_message,
            retry_after_of=_retry_after,
        )
        body = json_or_empty(response)
        if not body.get("ok"):
            detail = body.get("description", "risposta non valida")
            raise PermanentError(scrub(f"{self.kind}: {detail}", secret))
        return body.get("result") or {}

    supports_followers = True

    def followers(self, *, config: dict, secret: str) -> int | None:
        chat_id = require(config, "chat_id", self.kind)
        count = self._call(
            config, secret, "getChatMemberCount", may_duplicate=False, json={"chat_id": chat_id}
        )
        return count if isinstance(count, int) and not isinstance(count, bool) else None

    def publish(self, request: PublishRequest) -> PublishResult:
        chat_id = require(request.config, "chat_id", self.kind)
        text = text_as_sent(request.text, self.kind, request.link)
        if request.video is not None:
            result = self._send_video(request, chat_id, text)
        elif request.images:
            if len(text) > CAPTION_LIMIT:
                raise PermanentError(
                    f"{self.kind}: didascalia oltre {CAPTION_LIMIT} caratteri ({len(text)})"
                )
            image = request.images[0]
            result = self._call(
                request.config,
                request.secret,
                "sendPhoto",
                data={"chat_id": chat_id, "caption": text},
                files={"photo": ("immagine", image_bytes(image.path), image.content_type)},
            )
        else:
            if len(text) > TEXT_LIMIT:
                raise PermanentError(f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri")
            result = self._call(
                request.config,
                request.secret,
                "sendMessage",
                json={"chat_id": chat_id, "text": text},
            )
        message_id = str(result.get("message_id", ""))
        return PublishResult(external_id=message_id, url=_public_url(result, chat_id, message_id))

    def _send_video(self, request: PublishRequest, chat_id: str, text: str) -> dict:
        """``sendVideo``: the MP4 streamed from storage as multipart ``video``, with its
        duration, size, poster (``thumbnail``) and ``supports_streaming``; the text is the
        caption (1,024 characters, as for a photo). Bots upload at most 50 MB
        (``media_library.networks``, checked before the send)."""
        if len(text) > CAPTION_LIMIT:
            raise PermanentError(
                f"{self.kind}: didascalia oltre {CAPTION_LIMIT} caratteri ({len(text)})"
            )
        video = request.video
        data = {"chat_id": chat_id, "caption": text, "supports_streaming": "true"}
        if video.duration:
            data["duration"] = str(round(video.duration))
        if video.width and video.height:
            data.update(width=str(video.width), height=str(video.height))
        try:
            with ExitStack() as files:
                parts = {
                    "video": ("video.mp4", files.enter_context(open_media(video.path)), "video/mp4")
                }
                if video.poster_path:
                    poster = files.enter_context(open_media(video.poster_path))
                    parts["thumbnail"] = ("poster.jpg", poster, "image/jpeg")
                return self._call(
                    request.config, request.secret, "sendVideo", data=data, files=parts
                )
        except OSError as exc:
            raise PermanentError(f"{self.kind}: video non leggibile ({exc.strerror})") from None

    def reply(self, request: ReplyRequest) -> PublishResult:
        """``sendMessage`` to the chat of the citizen's message (``<chat id>:<message id>``),
        as a reply to it."""
        chat_id, message_id = _chat_and_message(request.in_reply_to)
        if len(request.text) > TEXT_LIMIT:
            raise PermanentError(f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri")
        result = self._call(
            request.config,
            request.secret,
            "sendMessage",
            json={
                "chat_id": chat_id,
                "text": request.text,
                "reply_parameters": {"message_id": message_id, "allow_sending_without_reply": True},
            },
        )
        return PublishResult(external_id=f"{chat_id}:{result.get('message_id', '')}")

    def moderate(self, *, network_id: str, action: str, config: dict, secret: str) -> None:
        if action != "delete":
            raise PermanentError(f"{self.kind}: nei gruppi si può solo eliminare")
        chat_id, message_id = _chat_and_message(network_id)
        self._call(
            config,
            secret,
            "deleteMessage",
            may_duplicate=False,
            json={"chat_id": chat_id, "message_id": message_id},
        )

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        chat_id = require(config, "chat_id", self.kind)
        self._call(
            config,
            secret,
            "deleteMessage",
            may_duplicate=False,
            json={"chat_id": chat_id, "message_id": int(external_id)},
        )


def _chat_and_message(network_id: str) -> tuple[int, int]:
    """``"<chat id>:<message id>"`` (how apps.inbox names a Telegram message) as numbers."""
    chat, _sep, message = network_id.rpartition(":")
    try:
        return int(chat), int(message)
    except ValueError:
        raise PermanentError("telegram: messaggio di origine non riconosciuto") from None


def _public_url(result: dict, chat_id: str, message_id: str) -> str:
    username = (result.get("chat") or {}).get("username") or ""
    if not username and chat_id.startswith("@"):
        username = chat_id[1:]
    return f"https://t.me/{username}/{message_id}" if username else ""
