"""Replies to the newsletter's reply-to address, pushed by the mail provider's inbound webhook.

The contract (docs/inbox.md): ``POST /conversazioni/webhook/email/`` with the raw RFC 5322
message as the body, ``X-PA-Planner-Timestamp: <unix seconds>`` and
``X-PA-Planner-Signature: sha256=<hex>``, the HMAC-SHA256 with the shared secret
(``PA_PLANNER_INBOX_EMAIL_WEBHOOK_SECRET``) of ``<timestamp>.`` followed by the raw body. A
timestamp older or newer than :data:`TOLERANCE_SECONDS` is refused, and so is a signature
already seen (the view keeps them for that long).

:func:`parse` reads the message with the standard library (``policy=default``): the sender,
the plain-text part (an HTML-only message is turned into text, markup and scripts dropped),
the quoted history cut where it is obvious, threaded by ``In-Reply-To`` / ``References``
(one of our messages, or an earlier one of the citizen's) or else by sender address; the
network id is the ``Message-ID``, so a message delivered twice is stored once.
"""

import email
import email.policy
import hashlib
import hmac
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html import unescape
from html.parser import HTMLParser

from .collectors.base import Incoming
from .enums import ConversationKind

TOLERANCE_SECONDS = 300
MAX_ID = 200  # Message.network_id
MAX_TEXT = 20_000  # characters kept of one reply
# Our newsletter issues carry Message-ID <newsletter.<delivery id>.<subscriber>.<random>@…>:
# a reply to one names the post it answers.
ISSUE_ID = re.compile(r"^newsletter\.(\d{1,18})\.")
_MSGID = re.compile(r"<([^<>\s]{1,998})>")

# Where the quoted history obviously starts (one line each, matched from its start).
_QUOTE_HEADERS = (
    re.compile(
        r"^(il|on|le|am|el)\b.{0,200}\b(ha scritto|wrote|a écrit|schrieb|escribió)\s*:?\s*$",
        re.I,
    ),
    re.compile(
        r"^-{2,}\s*(messaggio originale|original message|messaggio inoltrato)\s*-{2,}\s*$",
        re.I,
    ),
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^(da|from)\s*:\s.{0,300}[@<]", re.I),
)


def sign(body: bytes, timestamp: str, secret: str) -> str:
    """The signature header's value (the provider's side; used by the tests)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signature_valid(body: bytes, timestamp: str | None, header: str | None, secret: str) -> bool:
    if not secret or not timestamp or not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(body, timestamp, secret), header)


def timestamp_fresh(timestamp: str, now: float) -> bool:
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(now - int(timestamp)) <= TOLERANCE_SECONDS


class _TextExtractor(HTMLParser):
    """The text of an HTML email: no markup, no scripts or styles, line breaks kept."""

    BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.quoted = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        if tag == "blockquote":
            self.quoted += 1  # the quoted history of most mail clients
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        if tag == "blockquote" and self.quoted:
            self.quoted -= 1
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping and not self.quoted:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = unescape("".join(parser.parts))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quoted(text: str) -> str:
    """Cut the quoted history where it is obvious: lines starting with ``>`` and everything
    from a client's "On … wrote:" / "Il … ha scritto:" / "----- Original Message -----"."""
    kept = []
    for line in text.splitlines():
        bare = line.strip()
        if any(pattern.match(bare) for pattern in _QUOTE_HEADERS) and kept:
            break
        if bare.startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _message_id(value) -> str:
    found = _MSGID.search(str(value or ""))
    return found.group(1) if found else ""


def network_id_for(message_id: str) -> str:
    """A Message-ID as stored (without the angle brackets; hashed when too long)."""
    if len(message_id) <= MAX_ID:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except (TypeError, ValueError, IndexError):  # a header the parser cannot read
        return ""


def _body(message: EmailMessage) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
    except (LookupError, ValueError, TypeError, AssertionError):  # unknown charset, broken part
        return ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return content


@dataclass(frozen=True)
class ParsedReply:
    item: Incoming | None  # None: nothing for the inbox (automatic reply, no sender)
    subject: str = ""
    delivery_id: int | None = None  # the newsletter issue it answers, when it names one
    recipients: tuple[str, ...] = ()


def parse(raw: bytes, *, own_addresses: frozenset[str] = frozenset()) -> ParsedReply:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    name, address = parseaddr(_header(message, "From"))
    address = address.strip().lower()
    auto = _header(message, "Auto-Submitted").strip().lower()
    recipients = tuple(
        a.lower() for _n, a in getaddresses([_header(message, "To"), _header(message, "Cc")]) if a
    )
    subject = " ".join(_header(message, "Subject").split())[:300]
    if (
        "@" not in address
        or len(address) > MAX_ID
        or (auto and auto != "no")  # RFC 3834: out-of-office and other automatic replies
        or address in own_addresses
    ):
        return ParsedReply(item=None, subject=subject, recipients=recipients)
    message_id = _message_id(_header(message, "Message-ID"))
    network_id = (
        network_id_for(message_id)
        if message_id
        else "sha256:" + hashlib.sha256(raw).hexdigest()  # no Message-ID: the content's
    )
    in_reply_to = _message_id(_header(message, "In-Reply-To"))
    references = _MSGID.findall(_header(message, "References"))[-50:]
    parent = in_reply_to or (references[-1] if references else "")
    delivery_id = None
    for ref in [in_reply_to, *reversed(references)]:
        issue = ISSUE_ID.match(ref or "")
        if issue:
            delivery_id = int(issue.group(1))
            break
    text = strip_quoted(_body(message)[: MAX_TEXT * 5])[:MAX_TEXT]
    return ParsedReply(
        item=Incoming(
            network_id=network_id,
            kind=ConversationKind.PRIVATE,
            thread_key=f"mail:{address}",
            text=text,
            author_id=address,
            author_name=" ".join(name.split())[:200],
            author_handle=address,
            parent_id=network_id_for(parent) if parent else "",
        ),
        subject=subject,
        delivery_id=delivery_id,
        recipients=recipients,
    )
