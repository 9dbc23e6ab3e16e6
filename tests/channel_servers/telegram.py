"""Telegram Bot API: /bot<token>/sendMessage, sendPhoto, deleteMessage; ``ok: false`` errors."""

import re

from .base import ChannelServer, RecordedRequest, Reply, now

PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>\w+)$")
CHANNEL = {"id": -1001234567890, "title": "Comune di Esempio", "username": "comuneesempio"}


def _error(code: int, description: str, **parameters) -> Reply:
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Reply(code, body)


class TelegramServer(ChannelServer):
    kind = "telegram"
    default_token = "123456789:telegram-test-token-ABCDEFGHIJ"
    chat_id = "@comuneesempio"

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
            bot = {"id": 123456789, "is_bot": True, "first_name": "Comune", "username": "ComuneBot"}
            return Reply(200, {"ok": True, "result": bot})
        chat_id = str(request.field("chat_id", ""))
        if chat_id not in (self.chat_id, str(CHANNEL["id"])):
            return _error(400, "Bad Request: chat not found")
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
        if method == "deleteMessage":
            message_id = int(request.field("message_id", 0))
            item = next((i for i in self.items if i["message_id"] == message_id), None)
            if item is None:
                return _error(400, "Bad Request: message to delete not found")
            self.items.remove(item)
            return Reply(200, {"ok": True, "result": True})
        return _error(404, "Not Found: method not found")

    def _sent(self, *, text: str, photo: bool = False) -> Reply:
        message = {
            "message_id": self.next_id(),
            "chat": {**CHANNEL, "type": "channel"},
            "date": now(),
        }
        if photo:
            message["caption"] = text
            message["photo"] = [{"file_id": f"photo-{message['message_id']}", "width": 800}]
        else:
            message["text"] = text
        self.items.append({"id": str(message["message_id"]), "text": text, **message})
        return Reply(200, {"ok": True, "result": message})
