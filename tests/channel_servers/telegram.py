"""Telegram Bot API: /bot<token>/sendMessage, sendPhoto, deleteMessage; ``ok: false`` errors.

For connecting a channel: ``getMe``, ``getUpdates`` (the ``my_chat_member`` updates of the
chats the bot was added to, kept 24 hours; 409 while a webhook is set), ``getChat``,
``getChatAdministrators`` and ``getChatMember`` over ``chats`` (see :meth:`add_chat`).

For the inbox: citizens write to the bot (:meth:`add_private_message`) or comment a channel
post in the linked discussion group (:meth:`add_group_comment`), and edit
(:meth:`edit_message`); ``getUpdates`` honours ``offset`` (earlier updates are confirmed and
forgotten, as Telegram does) and ``limit``, and ``sendMessage`` answers in those chats."""

import re

from .base import ChannelServer, RecordedRequest, Reply, now

PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>\w+)$")
CHANNEL = {"id": -1001234567890, "title": "Comune di Esempio", "username": "comuneesempio"}


def _error(code: int, description: str, **parameters) -> Reply:
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Reply(code, body)


BOT = {"id": 123456789, "is_bot": True, "first_name": "Comune", "username": "ComuneBot"}
OWNER = {"id": 5550001, "is_bot": False, "first_name": "Ufficio"}


def _bot_member(status: str, can_post: bool = True) -> dict:
    member = {"user": BOT, "status": status}
    if status == "administrator":
        member.update(can_be_edited=False, can_post_messages=can_post, can_delete_messages=True)
    return member


class TelegramServer(ChannelServer):
    kind = "telegram"
    default_token = "123456789:telegram-test-token-ABCDEFGHIJ"
    chat_id = "@comuneesempio"

    def __init__(self, **kwargs):
        self._reset_state()
        super().__init__(**kwargs)

    def _reset_state(self):
        # chat id -> {"chat": Chat, "bot": ChatMember of the bot}; the Comune's channel has
        # the bot as an administrator that may post, and it was added recently (an update).
        self.chats: dict[int, dict] = {}
        self.updates: list[dict] = []
        self.webhook_set = False
        # Bots upload files of at most 50 MB (Bot API, "Sending files"): larger answers 413.
        self.max_upload_bytes = 50 * 1024 * 1024
        self.private_chats: dict[int, dict] = {}
        self.group = {
            "id": -1009876543210,
            "title": "Comune di Esempio - discussione",
            "type": "supergroup",
        }
        self._update_ids = iter(range(910000, 10**7))
        self.add_chat(dict(CHANNEL, type="channel"), bot_status="administrator")

    def add_chat(self, chat: dict, *, bot_status: str, can_post: bool = True) -> None:
        """A chat the bot was added to (``bot_status``: administrator, member, left…)."""
        self.chats[chat["id"]] = {"chat": chat, "bot": _bot_member(bot_status, can_post)}
        self.updates.append(
            {
                "update_id": 900000 + len(self.updates),
                "my_chat_member": {
                    "chat": chat,
                    "from": OWNER,
                    "date": now(),
                    "old_chat_member": {"user": BOT, "status": "left"},
                    "new_chat_member": _bot_member(bot_status, can_post),
                },
            }
        )

    def _find_chat(self, chat_id: str) -> dict | None:
        for entry in self.chats.values():
            chat = entry["chat"]
            if chat_id == str(chat["id"]) or (
                chat.get("username") and chat_id.lower() == "@" + chat["username"].lower()
            ):
                return entry
        return None

    def _connect_method(self, method: str, request: RecordedRequest) -> Reply | None:
        if method == "getUpdates":
            if self.webhook_set:
                return _error(409, "Conflict: can't use getUpdates method while webhook is active")
            return self._get_updates(request)
        if method not in ("getChat", "getChatAdministrators", "getChatMember"):
            return None
        entry = self._find_chat(str(request.field("chat_id", "")))
        if entry is None:
            return _error(400, "Bad Request: chat not found")
        if entry["bot"]["status"] in ("left", "kicked"):
            return _error(403, "Forbidden: bot is not a member of the channel chat")
        if method == "getChat":
            return Reply(200, {"ok": True, "result": entry["chat"]})
        if method == "getChatAdministrators":
            admins = [{"user": OWNER, "status": "creator", "is_anonymous": False}]
            if entry["bot"]["status"] == "administrator":
                admins.append(entry["bot"])
            return Reply(200, {"ok": True, "result": admins})
        if str(request.field("user_id", "")) == str(BOT["id"]):
            return Reply(200, {"ok": True, "result": entry["bot"]})
        return _error(400, "Bad Request: user not found")

    @property
    def config(self):
        return {**super().config, "chat_id": self.chat_id}

    def server_error(self):
        return _error(500, "Internal Server Error")

    def rate_limited(self, retry_after):
        # The Bot API says when to retry inside the body, not in a header.
        seconds = int(retry_after)
        return _error(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    def handle(self, request: RecordedRequest) -> Reply:
        match = PATH.match(request.path)
        if match is None:
            return _error(404, "Not Found")
        if match["token"] != self.token:
            return _error(401, "Unauthorized")
        method = match["method"]
        if method == "getMe":
            return Reply(200, {"ok": True, "result": BOT})
        reply = self._connect_method(method, request)
        if reply is not None:
            return reply
        chat_id = str(request.field("chat_id", ""))
        if method == "sendMessage" and chat_id in self._reply_chats():
            return self._answer(request, chat_id)
        if chat_id not in (self.chat_id, str(CHANNEL["id"])):
            return _error(400, "Bad Request: chat not found")
        if method == "getChatMemberCount":
            return Reply(200, {"ok": True, "result": self.followers})
        if method == "sendMessage":
            text = request.field("text", "") or ""
            if not text.strip():
                return _error(400, "Bad Request: message text is empty")
            if len(text) > 4096:
                return _error(400, "Bad Request: message is too long")
            return self._sent(text=text)
        if method == "sendPhoto":
            caption = request.field("caption", "") or ""
            if "photo" not in request.files and not request.field("photo"):
                return _error(400, "Bad Request: there is no photo in the request")
            if len(caption) > 1024:
                return _error(400, "Bad Request: message caption is too long")
            return self._sent(text=caption, photo=True)
        if method == "sendVideo":
            caption = request.field("caption", "") or ""
            upload = request.files.get("video")
            if upload is None and not request.field("video"):
                return _error(400, "Bad Request: there is no video in the request")
            if len(caption) > 1024:
                return _error(400, "Bad Request: message caption is too long")
            if upload is not None and len(upload.data) > self.max_upload_bytes:
                return _error(413, "Request Entity Too Large")
            return self._sent(text=caption, video=request)
        if method == "deleteMessage":
            message_id = int(request.field("message_id", 0))
            item = next((i for i in self.items if i["message_id"] == message_id), None)
            if item is None:
                return _error(400, "Bad Request: message to delete not found")
            self.items.remove(item)
            return Reply(200, {"ok": True, "result": True})
        return _error(404, "Not Found: method not found")

    def _reply_chats(self) -> set[str]:
        return {str(c) for c in self.private_chats} | {str(self.group["id"])}

    def _answer(self, request, chat_id: str) -> Reply:
        text = request.field("text", "") or ""
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        chat = self.private_chats.get(int(chat_id)) or self.group
        message = {"message_id": self.next_id(), "chat": chat, "date": now(), "text": text}
        reply_to = (request.field("reply_parameters") or {}).get("message_id")
        self.items.append(
            {
                "id": f"{chat_id}:{message['message_id']}",
                "text": text,
                "reply_to": reply_to,
                **message,
            }
        )
        return Reply(200, {"ok": True, "result": message})

    def _get_updates(self, request) -> Reply:
        offset = request.field("offset")
        try:
            limit = min(max(int(request.field("limit", 100)), 1), 100)
            offset = int(offset) if offset not in (None, "") else None
        except (TypeError, ValueError):
            return _error(400, "Bad Request: wrong parameter")
        if offset is not None:
            # Confirmed: Telegram forgets every update before the offset.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        return Reply(200, {"ok": True, "result": self.updates[:limit]})

    def _push(self, key: str, message: dict) -> dict:
        update = {"update_id": next(self._update_ids), key: message}
        self.updates.append(update)
        return update

    def add_private_message(
        self, text: str, *, user_id: int = 7001, first_name: str = "Giulia", last_name="Bianchi"
    ) -> dict:
        """A citizen writes to the bot in a private chat."""
        with self._lock:
            user = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name,
                "last_name": last_name,
            }
            chat = {"id": user_id, "type": "private", "first_name": first_name}
            self.private_chats[user_id] = chat
            message = {
                "message_id": self.next_id(),
                "from": user,
                "chat": chat,
                "date": now(),
                "text": text,
            }
            self._push("message", message)
            return message

    def add_group_comment(
        self, text: str, *, post_message_id: int, user_id: int = 7002, first_name: str = "Luca"
    ) -> dict:
        """A citizen comments a channel post in the linked discussion group: a reply to the
        post's automatic forward."""
        with self._lock:
            forward = {
                "message_id": 50000 + post_message_id,
                "chat": self.group,
                "date": now(),
                "is_automatic_forward": True,
                "forward_from_message_id": post_message_id,
                "sender_chat": CHANNEL,
            }
            user = {"id": user_id, "is_bot": False, "first_name": first_name}
            message = {
                "message_id": self.next_id(),
                "from": user,
                "chat": self.group,
                "date": now(),
                "text": text,
                "reply_to_message": forward,
            }
            self._push("message", message)
            return message

    def edit_message(self, message: dict, text: str) -> None:
        with self._lock:
            edited = {**message, "text": text, "edit_date": now()}
            self._push("edited_message", edited)

    def _sent(self, *, text: str, photo: bool = False, video=None) -> Reply:
        message = {
            "message_id": self.next_id(),
            "chat": {**CHANNEL, "type": "channel"},
            "date": now(),
        }
        if photo:
            message["caption"] = text
            message["photo"] = [{"file_id": f"photo-{message['message_id']}", "width": 800}]
        elif video is not None:
            message["caption"] = text
            message["video"] = {
                "file_id": f"video-{message['message_id']}",
                "duration": int(video.field("duration", 0) or 0),
                "width": int(video.field("width", 0) or 0),
                "height": int(video.field("height", 0) or 0),
                "mime_type": "video/mp4",
                "file_size": len(video.files["video"].data) if "video" in video.files else 0,
            }
            if "thumbnail" in video.files:
                message["video"]["thumbnail"] = {"file_id": f"thumb-{message['message_id']}"}
        else:
            message["text"] = text
        self.items.append({"id": str(message["message_id"]), "text": text, **message})
        return Reply(200, {"ok": True, "result": message})
