"""Telegram: ``getUpdates`` with ``offset`` = the cursor + 1 (which confirms every earlier
update) and ``timeout=0`` (a short poll: never a long poll that would hold the bot's one
``getUpdates`` consumer). A webhook set on the bot makes ``getUpdates`` answer 409: the
channel shows "ascolto interrotto" with that reason.

Private chats with the bot are private messages, one conversation per chat. In the discussion
group linked to the channel, a reply to the automatic forward of a channel post is a comment
on that post (``forward_from_message_id`` is the post's message id, our delivery's external
id); the thread is the forward. Edits arrive as ``edited_message``.
"""

from apps.inbox.enums import ConversationKind
from apps.publishing.adapters.telegram import TelegramAdapter

from .base import MAX_PAGES, Batch, Incoming, parse_time

PAGE_SIZE = 100
UPDATES = ["message", "edited_message"]


def _name(user: dict) -> str:
    return " ".join(filter(None, (user.get("first_name"), user.get("last_name"))))


def _incoming(update: dict) -> Incoming | None:
    message = update.get("message") or update.get("edited_message")
    if not isinstance(message, dict) or "message_id" not in message:
        return None
    chat = message.get("chat") or {}
    user = message.get("from") or {}
    if user.get("is_bot") or message.get("is_automatic_forward"):
        return None  # our own channel post echoed into the discussion group
    text = str(message.get("text") or message.get("caption") or "")
    parent = ""
    if chat.get("type") == "private":
        kind, thread = ConversationKind.PRIVATE, f"chat:{chat.get('id')}"
    else:
        replied = message.get("reply_to_message") or {}
        if replied.get("is_automatic_forward") and replied.get("forward_from_message_id"):
            parent = str(replied["forward_from_message_id"])
            kind, thread = (
                ConversationKind.COMMENT,
                f"{chat.get('id')}:{replied.get('message_id')}",
            )
        elif replied:
            parent = f"{chat.get('id')}:{replied.get('message_id')}"
            kind, thread = ConversationKind.COMMENT, parent
        else:
            kind, thread = ConversationKind.MENTION, f"{chat.get('id')}:{message['message_id']}"
    return Incoming(
        # Message ids are unique per chat only.
        network_id=f"{chat.get('id')}:{message['message_id']}",
        kind=kind,
        thread_key=thread,
        text=text,
        received_at=parse_time(message.get("date")),
        author_id=str(user.get("id", "")),
        author_name=_name(user),
        author_handle="@" + user["username"] if user.get("username") else "",
        parent_id=parent,
        edited_at=parse_time(message.get("edit_date")) if "edited_message" in update else None,
    )


class TelegramCollector:
    kind = "telegram"

    def collect(self, *, config: dict, secret: str, cursor: str) -> Batch:
        adapter = TelegramAdapter()
        batch = Batch(cursor=cursor)
        for _page in range(MAX_PAGES):
            params = {"timeout": 0, "limit": PAGE_SIZE, "allowed_updates": UPDATES}
            if batch.cursor:
                params["offset"] = int(batch.cursor) + 1
            updates = adapter._call(config, secret, "getUpdates", may_duplicate=False, json=params)
            if not isinstance(updates, list):
                break
            updates = [u for u in updates if isinstance(u, dict) and "update_id" in u]
            for update in sorted(updates, key=lambda u: int(u["update_id"])):
                item = _incoming(update)
                if item is not None:
                    batch.items.append(item)
                batch.cursor = str(update["update_id"])
            if len(updates) < PAGE_SIZE:
                break
        return batch
