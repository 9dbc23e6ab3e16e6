"""Connecting a Telegram channel: a bot token pasted once (Telegram has no OAuth).

The token is checked with ``getMe``; the chats where the bot is an administrator come from
``getUpdates`` (each chat the bot was added to or saw a post in), ``getChat`` and
``getChatAdministrators``; a public channel can also be named as ``@nomecanale``. Before
anything is saved ``getChatMember`` must say the bot may post there. While the person picks,
the token waits in the session, encrypted; token and chat are then saved together.
"""

import logging
import re

import httpx
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.encryption import decrypt, encrypt

from .connections import PENDING_TTL, Choice, ConnectionError, Provider, save_connection
from .enums import ChannelKind
from .models import Channel, ChannelConnection

logger = logging.getLogger(__name__)

DEFAULT_API = "https://api.telegram.org"
TOKEN = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{20,100}$")
CHAT = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-?\d{1,20})$")
PROVIDER = Provider(
    name="telegram",
    label="Telegram",
    authorize_url="",
    token_url="",
    api_url="",
    scope="",
    client_id="",
    client_secret="",
    refreshes=False,
)


class _ApiError(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


def _call(channel: Channel, token: str, method: str, **params):
    """One Bot API call; its ``result``. The token is in the path: never logged or shown."""
    base = str((channel.config or {}).get("base_url") or DEFAULT_API).rstrip("/")
    try:
        response = httpx.post(
            f"{base}/bot{token}/{method}", data=params, timeout=10.0, follow_redirects=False
        )
        body = response.json()
    except (httpx.HTTPError, ValueError):
        raise _ApiError(0, _("Telegram non risponde: riprova tra poco.")) from None
    if not isinstance(body, dict) or not body.get("ok"):
        body = body if isinstance(body, dict) else {}
        description = str(body.get("description", "")).replace(token, "[token]")[:200]
        raise _ApiError(int(body.get("error_code") or response.status_code), description)
    return body.get("result")


def verify_bot(*, channel: Channel, token: str) -> dict:
    """The bot the token belongs to (``getMe``), or a clear refusal."""
    token = (token or "").strip()
    if not TOKEN.match(token):
        raise ConnectionError(
            _("Il token non ha la forma di un token di bot (numero:codice, da @BotFather).")
        )
    try:
        bot = _call(channel, token, "getMe")
    except _ApiError as exc:
        if exc.code in (401, 404):
            raise ConnectionError(
                _("Telegram non riconosce questo token: copialo di nuovo da @BotFather.")
            ) from None
        raise ConnectionError(str(exc) or _("Telegram non risponde: riprova.")) from None
    try:
        return {"id": int(bot["id"]), "username": str(bot.get("username", ""))}
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ConnectionError(_("Telegram ha risposto in modo inatteso: riprova.")) from None


def pending_token(*, token: str, bot: dict) -> dict:
    return {
        "token": encrypt(token.strip()),
        "bot": bot,
        "started": timezone.now().timestamp(),
    }


def _pending(pending: dict | None) -> tuple[str, dict]:
    if not pending or timezone.now().timestamp() - float(pending.get("started", 0)) > (
        PENDING_TTL.seconds
    ):
        raise ConnectionError(_("Il collegamento è scaduto: incolla di nuovo il token."))
    try:
        return decrypt(pending["token"]), dict(pending["bot"])
    except Exception:
        raise ConnectionError(_("Il collegamento è scaduto: incolla di nuovo il token.")) from None


def _may_post(member: dict) -> bool:
    if member.get("status") == "creator":
        return True
    if member.get("status") != "administrator":
        return False
    # In a channel an administrator bot needs "post messages"; in a group it may write.
    return member.get("can_post_messages", True) is not False


def _label(chat: dict) -> str:
    title = str(chat.get("title") or chat.get("username") or chat.get("id"))
    return f"{title} (@{chat['username']})" if chat.get("username") else title


def admin_chats(*, channel: Channel, pending: dict | None) -> list[Choice]:
    """The channels and groups where the bot is an administrator that may post, as far as
    the bot's recent updates tell (Telegram keeps them 24 hours)."""
    token, bot = _pending(pending)
    try:
        # No offset (nothing is consumed) and no allowed_updates (that setting would stick
        # to the bot): my_chat_member updates come by default.
        updates = _call(channel, token, "getUpdates")
    except _ApiError:
        return []  # e.g. 409: a webhook is set; the person names the channel instead
    chat_ids = []
    for update in updates if isinstance(updates, list) else []:
        for key in ("my_chat_member", "channel_post", "message", "chat_member"):
            entry = update.get(key) if isinstance(update, dict) else None
            chat = entry.get("chat") if isinstance(entry, dict) else None
            if not isinstance(chat, dict) or "id" not in chat:
                continue
            if chat.get("type") in ("channel", "group", "supergroup") and chat["id"] not in (
                chat_ids
            ):
                chat_ids.append(chat["id"])
    choices = []
    for chat_id in chat_ids[:20]:
        try:
            chat = _call(channel, token, "getChat", chat_id=chat_id)
            admins = _call(channel, token, "getChatAdministrators", chat_id=chat_id)
        except _ApiError:
            continue  # removed since, or no longer an administrator
        try:
            mine = next((a for a in admins or [] if a["user"]["id"] == bot["id"]), None)
            if mine and _may_post(mine):
                choices.append(Choice(str(chat["id"]), _label(chat)))
        except (KeyError, TypeError):
            continue  # an answer not in the documented shape: leave that chat out
    return choices


def connect_chat(*, channel: Channel, pending: dict | None, chat: str, by) -> ChannelConnection:
    """Save the bot token and the chat, once ``getChatMember`` says the bot may post there."""
    token, bot = _pending(pending)
    chat = (chat or "").strip()
    if chat and not chat.startswith("@") and not chat.lstrip("-").isdigit():
        chat = "@" + chat
    if not CHAT.match(chat):
        raise ConnectionError(_("Scegli un canale dall'elenco o scrivi @nomecanale."))
    try:
        found = _call(channel, token, "getChat", chat_id=chat)
        member = _call(channel, token, "getChatMember", chat_id=chat, user_id=bot["id"])
    except _ApiError as exc:
        if exc.code in (400, 403):
            raise ConnectionError(
                _(
                    "Telegram non trova %(c)s o il bot non ne fa parte: aggiungi @%(b)s come "
                    "amministratore del canale e riprova."
                )
                % {"c": chat, "b": bot["username"]}
            ) from None
        raise ConnectionError(str(exc) or _("Telegram non risponde: riprova.")) from None
    if not isinstance(member, dict) or not _may_post(member):
        raise ConnectionError(
            _(
                "@%(b)s non può pubblicare in %(c)s: rendilo amministratore con il permesso "
                "di pubblicare messaggi."
            )
            % {"b": bot["username"], "c": _label(found or {"id": chat})}
        )
    if not isinstance(found, dict) or "id" not in found or not isinstance(member, dict):
        raise ConnectionError(_("Telegram ha risposto in modo inatteso: riprova."))
    chat_id = f"@{found['username']}" if found.get("username") else str(found["id"])
    return save_connection(
        channel,
        PROVIDER,
        {"access_token": token},
        {"id": str(found["id"]), "name": f"@{bot['username']} → {_label(found)}"},
        by=by,
        config={"chat_id": chat_id},
    )


def is_telegram(channel: Channel) -> bool:
    return channel.kind == ChannelKind.TELEGRAM
