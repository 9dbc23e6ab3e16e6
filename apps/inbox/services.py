"""Writes of the inbox: storing what citizens wrote, and what the office does with it.

Every action is audited; audit summaries name the conversation, never its content (citizens'
messages are personal data and stay out of logs and the register).
"""

import dataclasses
import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.roles import can
from apps.audit.services import record
from apps.channels.connections import access_token_for
from apps.channels.models import Channel
from apps.planning.models import ContentCategory, Post
from apps.publishing.adapters.base import AdapterError, ReplyRequest, UnknownOutcome
from apps.publishing.adapters.registry import get_adapter
from apps.publishing.models import Delivery

from . import email_replies, transitions
from .collectors.base import Incoming
from .collectors.instagram import fetch_mentioned_comment
from .enums import ConversationKind, ConversationStatus, Direction, ModerationAction
from .models import (
    Conversation,
    EmailWebhookReceipt,
    Handover,
    InboxSettings,
    Message,
    ResponseTime,
)
from .targets import Targets, due_at, office_calendar

logger = logging.getLogger(__name__)
S = ConversationStatus
HANDOVER_DAYS = 7


class InboxError(Exception):
    """A refusal shown to the person (the text is for them)."""


@dataclass
class IngestResult:
    new: int = 0
    updated: int = 0
    reopened: int = 0


def _our_posts(channel: Channel, parent_ids: set[str]) -> dict[str, int]:
    """network id of one of our sent posts on this channel -> the post's id."""
    if not parent_ids:
        return {}
    return dict(
        Delivery.objects.filter(variant__channel=channel, external_id__in=parent_ids).values_list(
            "external_id", "variant__post_id"
        )
    )


def ingest(*, channel: Channel, items: list[Incoming], now: datetime | None = None) -> IngestResult:
    """Store what a collector or a webhook read. Idempotent: a message already stored (by its
    network id on this channel) is only updated when the citizen edited or deleted it."""
    now = now or timezone.now()
    result = IngestResult()
    if not items:
        return result
    calendar = office_calendar()
    targets = Targets()
    ids = {item.network_id for item in items}
    parents = {item.parent_id for item in items if item.parent_id}
    with transaction.atomic():
        existing = {
            m.network_id: m
            for m in Message.objects.filter(channel=channel, network_id__in=ids | parents).only(
                "pk", "network_id", "conversation_id", "text", "edited_at", "deleted_by_author_at"
            )
        }
        posts = _our_posts(channel, parents)
        conversations: dict[tuple[str, str], Conversation] = {}
        keys = {(item.thread_key, item.kind) for item in items}
        for conversation in Conversation.objects.filter(
            channel=channel, thread_key__in={k for k, _ in keys}
        ):
            conversations[(conversation.thread_key, conversation.kind)] = conversation
        by_id = {c.pk: c for c in conversations.values()}
        # A message new in this batch -> its conversation (a reply may follow in the batch).
        conversation_of: dict[str, Conversation] = {}
        new_conversations: dict[int, Conversation] = {}
        arrived: list[tuple[Incoming, Conversation, datetime]] = []
        touched: dict[int, tuple[Conversation, datetime]] = {}
        for item in items:
            received = item.received_at or now
            stored = existing.get(item.network_id)
            if stored is not None:
                result.updated += _apply_change(stored, item)
                continue
            if item.network_id in conversation_of:
                continue  # twice in one batch
            conversation = conversation_of.get(item.parent_id) or _conversation_for(
                item, channel, existing, conversations, by_id, posts
            )
            conversation_of[item.network_id] = conversation
            arrived.append((item, conversation, received))
            if conversation.pk is None:
                if id(conversation) not in new_conversations:
                    new_conversations[id(conversation)] = conversation
                    conversation.last_message_at = conversation.waiting_since = received
                else:
                    conversation.last_message_at = max(conversation.last_message_at, received)
                    conversation.waiting_since = min(conversation.waiting_since, received)
                continue
            previous = touched.get(conversation.pk)
            if previous is None or received > previous[1]:
                touched[conversation.pk] = (conversation, received)
        for conversation in new_conversations.values():
            conversation.due_at = due_at(
                calendar=calendar,
                targets=targets,
                channel_id=channel.pk,
                kind=conversation.kind,
                since=conversation.waiting_since,
            )
        _topics_from_posts(new_conversations.values())
        Conversation.objects.bulk_create(new_conversations.values(), batch_size=500)
        new_messages = [
            Message(
                conversation=conversation,
                channel=channel,
                network_id=item.network_id,
                direction=Direction.IN,
                author_id=item.author_id[:200],
                author_name=item.author_name[:200],
                author_handle=item.author_handle[:200],
                text="" if item.deleted else item.text,
                subject=item.subject[:300],
                url=item.url[:500] if item.url.startswith(("https://", "http://")) else "",
                received_at=received,
                edited_at=item.edited_at,
            )
            for item, conversation, received in arrived
        ]
        # ignore_conflicts: a webhook delivered twice at the same moment stores one row.
        Message.objects.bulk_create(new_messages, ignore_conflicts=True, batch_size=500)
        result.new = len(new_messages)
        for conversation, received in touched.values():
            result.reopened += _after_incoming(conversation, received, calendar, targets)
    return result


def _topics_from_posts(conversations) -> None:
    """A new conversation's topic is the category of the post it answers."""
    post_ids = {c.post_id for c in conversations if c.post_id and c.topic_id is None}
    if not post_ids:
        return
    categories = dict(Post.objects.filter(pk__in=post_ids).values_list("pk", "category_id"))
    for conversation in conversations:
        if conversation.post_id and conversation.topic_id is None:
            conversation.topic_id = categories.get(conversation.post_id)


def set_topic(*, conversation: Conversation, topic: ContentCategory | None, by) -> bool:
    """Choose the conversation's topic by hand (or none); audited. False: unchanged."""
    topic_id = topic.pk if topic is not None else None
    if conversation.topic_id == topic_id:
        return False
    with transaction.atomic():
        Conversation.objects.filter(pk=conversation.pk).update(topic_id=topic_id)
        conversation.topic = topic
        record(
            action="inbox.topic",
            actor=by,
            obj=conversation,
            summary=lambda: (
                _("Argomento della conversazione: %(topic)s")
                % {"topic": topic.name if topic is not None else _("nessuno")}
            ),
        )
    return True


def newsletter_channel() -> Channel | None:
    """The channel newsletter replies arrive on (the first active newsletter channel)."""
    return Channel.objects.filter(kind="newsletter", active=True).order_by("pk").first()


def claim_webhook_signature(*, signature: str, now: datetime | None = None) -> bool:
    """True the first time a signed delivery of the email webhook arrives; False for a
    replay. Receipts older than the timestamp tolerance are deleted (a replay that old is
    refused by its timestamp)."""
    now = now or timezone.now()
    window = timedelta(seconds=2 * email_replies.TOLERANCE_SECONDS)
    EmailWebhookReceipt.objects.filter(received_at__lt=now - window).delete()
    try:
        with transaction.atomic():
            EmailWebhookReceipt.objects.create(signature=signature[:80], received_at=now)
    except IntegrityError:
        return False
    return True


def ingest_email_reply(*, channel: Channel, parsed: "email_replies.ParsedReply") -> IngestResult:
    """Store a reply to the newsletter: linked to the issue's post when it answers one."""
    if parsed.item is None:
        return IngestResult()
    post_id = None
    if parsed.delivery_id is not None:
        post_id = (
            Delivery.objects.filter(pk=parsed.delivery_id, variant__channel=channel)
            .values_list("variant__post_id", flat=True)
            .first()
        )
    item = dataclasses.replace(parsed.item, subject=parsed.subject, post_id=post_id)
    return ingest(channel=channel, items=[item])


def complete_instagram_mention(*, message_id: int) -> bool:
    """Fill in the text and author of an Instagram mention the webhook named by id only."""
    message = (
        Message.objects.select_related("channel__credential", "channel__connection", "conversation")
        .filter(pk=message_id, text="", channel__kind="instagram")
        .first()
    )
    if message is None:
        return False
    found = fetch_mentioned_comment(
        config=dict(message.channel.config or {}),
        secret=_secret_for(message.channel),
        comment_id=message.network_id,
    )
    if not found.get("text"):
        return False
    handle = "@" + found["username"] if found.get("username") else ""
    Message.objects.filter(pk=message.pk, text="").update(
        text=found["text"], author_handle=handle[:200]
    )
    Conversation.objects.filter(pk=message.conversation_id, citizen_handle="").update(
        citizen_handle=handle[:200]
    )
    return True


def _conversation_for(item, channel, existing, conversations, by_id, posts) -> Conversation:
    parent = existing.get(item.parent_id) if item.parent_id else None
    if parent is not None and parent.conversation_id in by_id:
        return by_id[parent.conversation_id]
    if parent is not None:
        conversation = Conversation.objects.get(pk=parent.conversation_id)
        by_id[conversation.pk] = conversation
        return conversation
    key = (item.thread_key, item.kind)
    conversation = conversations.get(key)
    if conversation is None:
        conversation = Conversation(
            channel=channel,
            kind=item.kind,
            thread_key=item.thread_key[:200],
            post_id=posts.get(item.parent_id) or item.post_id,
            citizen_id=item.author_id[:200],
            citizen_name=item.author_name[:200],
            citizen_handle=item.author_handle[:200],
        )
        conversations[key] = conversation
    return conversation


def _apply_change(message: Message, item: Incoming) -> int:
    """An edit or a deletion by the citizen of a message already stored."""
    if item.deleted and message.deleted_by_author_at is None:
        # Deleted by its author: we keep that it existed, not what it said.
        Message.objects.filter(pk=message.pk).update(text="", deleted_by_author_at=timezone.now())
        return 1
    if item.edited_at and item.edited_at != message.edited_at and not item.deleted:
        Message.objects.filter(pk=message.pk).update(text=item.text, edited_at=item.edited_at)
        return 1
    return 0


def _after_incoming(conversation: Conversation, received: datetime, calendar, targets) -> int:
    """The conversation has news: unread, waiting, reopened if it was done."""
    fields = {"unread": True}
    if received > conversation.last_message_at:
        fields["last_message_at"] = received
    waiting = {}
    if conversation.waiting_since is None:
        waiting = {
            "waiting_since": received,
            "due_at": due_at(
                calendar=calendar,
                targets=targets,
                channel_id=conversation.channel_id,
                kind=conversation.kind,
                since=received,
            ),
            "overdue_notified_at": None,
            "escalated_at": None,
        }
    if conversation.status in (S.ANSWERED, S.CLOSED):
        transitions.move(
            conversation,
            S.REOPENED,
            summary=lambda: _("Il cittadino ha scritto di nuovo: conversazione riaperta"),
            **fields,
            **waiting,
        )
        return 1
    Conversation.objects.filter(pk=conversation.pk).update(**fields, **waiting)
    return 0


def mark_read(*, conversation: Conversation) -> None:
    if conversation.unread:
        Conversation.objects.filter(pk=conversation.pk).update(unread=False)
        conversation.unread = False


def assign(*, conversation: Conversation, assignee, by) -> bool:
    who = assignee.get_full_name() or assignee.username
    return transitions.move(
        conversation,
        S.ASSIGNED,
        by=by,
        assignee=assignee,
        summary=lambda: _("Conversazione assegnata a %(who)s") % {"who": who},
    )


def close(*, conversation: Conversation, reason: str, by) -> bool:
    return transitions.move(
        conversation,
        S.CLOSED,
        by=by,
        reason=reason,
        waiting_since=None,
        due_at=None,
    )


def _secret_for(channel: Channel) -> str:
    token = access_token_for(channel)
    if token is not None:
        return token
    credential = getattr(channel, "credential", None)
    return credential.secret if credential is not None else ""


def _last_incoming(conversation: Conversation) -> Message | None:
    return (
        conversation.messages.filter(direction=Direction.IN, deleted_by_author_at__isnull=True)
        .order_by("-received_at", "-pk")
        .first()
    )


def needs_approval(user, conversation: Conversation | None = None) -> bool:
    """Replies by people who do not review (editors, trainees) wait for an approver when the
    office asks for it: for every reply, or for conversations on the topics it chose."""
    if can(user, "review"):
        return False
    office = InboxSettings.load()
    if office.editor_replies_need_approval:
        return True
    topic_id = conversation.topic_id if conversation is not None else None
    return topic_id is not None and office.approval_topics.filter(pk=topic_id).exists()


def reply(*, conversation: Conversation, text: str, by, key: str = "") -> Message:
    """Answer as the Comune's account through the channel's adapter, once; or, when the
    office wants replies by editors approved (:func:`needs_approval`), keep it for an
    approver (``awaiting_approval``).

    ``key`` (from the form) makes a double submission harmless: the outgoing message is
    reserved under it before the network is called, so a second request with the same key
    finds it and sends nothing. The network's refusal is an :class:`InboxError`.
    """
    text = (text or "").strip()
    if not text:
        raise InboxError(_("Scrivi la risposta prima di inviarla."))
    if conversation.purged_at is not None:
        raise InboxError(_("Il contenuto di questa conversazione è stato cancellato."))
    channel = conversation.channel
    adapter = get_adapter(channel.kind)
    if not adapter.supports_reply:
        raise InboxError(_("Questo canale non permette di rispondere da PA Planner."))
    if _last_incoming(conversation) is None:
        raise InboxError(_("Non c'è un messaggio del cittadino a cui rispondere."))
    draft = needs_approval(by, conversation)
    key = key or uuid.uuid4().hex
    try:
        with transaction.atomic():
            pending = Message.objects.create(
                conversation=conversation,
                channel=channel,
                network_id=f"{'draft' if draft else 'pending'}:{uuid.uuid4().hex}",
                reply_key=key[:64],
                direction=Direction.OUT,
                text=text,
                received_at=timezone.now(),
                sent_by=by,
                awaiting_approval=draft,
            )
            if draft:
                record(
                    action="inbox.reply_proposed",
                    actor=by,
                    obj=conversation,
                    summary=lambda: _("Risposta proposta, in attesa di approvazione"),
                )
    except IntegrityError:
        raise InboxError(_("Questa risposta è già stata inviata.")) from None
    if draft:
        return pending
    return _send(conversation, pending, by=by)


def approve_reply(*, message: Message, by) -> Message:
    """An approver signs off a proposed reply, which then goes out (never their own)."""
    if not can(by, "review"):
        raise InboxError(_("Solo chi approva può dare il via a una risposta."))
    if message.sent_by_id == getattr(by, "pk", None):
        raise InboxError(_("Una risposta proposta da te deve approvarla un'altra persona."))
    sending = f"pending:{uuid.uuid4().hex}"
    claimed = Message.objects.filter(pk=message.pk, awaiting_approval=True).update(
        awaiting_approval=False, network_id=sending
    )
    if not claimed:
        raise InboxError(_("Questa risposta è già stata approvata o scartata."))
    draft_id = message.network_id
    message.awaiting_approval, message.network_id = False, sending
    try:
        return _send(message.conversation, message, by=by, approved_from=message.sent_by)
    except InboxError:
        Message.objects.filter(pk=message.pk, network_id=sending).update(
            awaiting_approval=True, network_id=draft_id
        )
        raise


def reject_reply(*, message: Message, by) -> None:
    if not can(by, "review"):
        raise InboxError(_("Solo chi approva può scartare una risposta."))
    with transaction.atomic():
        if not Message.objects.filter(pk=message.pk, awaiting_approval=True).delete()[0]:
            raise InboxError(_("Questa risposta è già stata approvata o scartata."))
        record(
            action="inbox.reply_rejected",
            actor=by,
            obj=message.conversation,
            summary=lambda: _("Risposta proposta scartata"),
        )


def _send(conversation: Conversation, pending: Message, *, by, approved_from=None) -> Message:
    """Send the reserved outgoing ``pending`` message through the channel's adapter."""
    channel = conversation.channel
    adapter = get_adapter(channel.kind)
    target = _last_incoming(conversation)
    if target is None:
        raise InboxError(_("Non c'è un messaggio del cittadino a cui rispondere."))
    request = ReplyRequest(
        text=pending.text,
        in_reply_to=target.network_id,
        private=conversation.kind == ConversationKind.PRIVATE,
        recipient=conversation.citizen_id,
        mention=target.author_handle,
        subject=_reply_subject(target.subject),
        config=dict(channel.config or {}),
        secret=_secret_for(channel),
        idempotency_key=pending.reply_key,
    )
    try:
        result = adapter.reply(request)
    except UnknownOutcome:
        # It may have reached the network: kept as it is, never sent again blindly.
        logger.warning("inbox reply on channel %s: unknown outcome", channel.pk)
        raise InboxError(
            _(
                "Nessuna risposta dal canale dopo l'invio: controlla sul canale se la risposta "
                "è uscita prima di riprovare."
            )
        ) from None
    except AdapterError as exc:
        if approved_from is None:
            Message.objects.filter(pk=pending.pk).delete()
        logger.warning("inbox reply on channel %s failed: %s", channel.pk, type(exc).__name__)
        raise InboxError(
            _("Il canale non ha accettato la risposta: %(error)s") % {"error": exc}
        ) from None
    now = timezone.now()
    with transaction.atomic():
        Message.objects.filter(pk=pending.pk).update(
            network_id=result.external_id or pending.network_id.replace("pending:", "sent:"),
            url=result.url if result.url.startswith(("https://", "http://")) else "",
            received_at=now,
        )
        waited_from = conversation.waiting_since
        if waited_from is not None:
            _record_response_time(conversation, waited_from, now)

        def approved() -> str:
            if approved_from is None:
                return ""
            who = approved_from.get_full_name() or approved_from.username
            return _(" (proposta da %(who)s, approvata)") % {"who": who}

        if conversation.status != S.ANSWERED:
            transitions.move(
                conversation,
                S.ANSWERED,
                by=by,
                waiting_since=None,
                due_at=None,
                unread=False,
                summary=lambda: (
                    _("Risposta inviata sul canale %(channel)s") % {"channel": channel} + approved()
                ),
            )
        else:
            Conversation.objects.filter(pk=conversation.pk).update(unread=False)
            record(
                action="inbox.answered",
                actor=by,
                obj=conversation,
                summary=lambda: (
                    _("Altra risposta inviata sul canale %(channel)s") % {"channel": channel}
                    + approved()
                ),
            )
    pending.refresh_from_db()
    return pending


def _reply_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        return ""
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"[:300]


def _record_response_time(conversation: Conversation, waited_from: datetime, now: datetime):
    calendar = office_calendar()
    hours, _escalation = Targets().hours(conversation.channel_id, conversation.kind)
    ResponseTime.objects.create(
        channel_id=conversation.channel_id,
        kind=conversation.kind,
        conversation=conversation,
        waited_from=waited_from,
        answered_at=now,
        working_seconds=calendar.working_seconds(waited_from, now),
        target_seconds=hours * 3600,
    )


def moderate(*, message: Message, action: str, reason: str, by) -> bool:
    """Hide or delete a citizen's comment, always with a reason and an audit entry. Returns
    whether the network itself did it (False: hidden in PA Planner only, where the network
    does not allow it)."""
    reason = (reason or "").strip()
    if not reason:
        raise InboxError(_("Indica il motivo: un ente pubblico deve poterlo giustificare."))
    if action not in ModerationAction.values:
        raise InboxError(_("Azione di moderazione sconosciuta."))
    if message.direction != Direction.IN:
        raise InboxError(_("Si moderano solo i messaggi dei cittadini."))
    channel = message.channel
    adapter = get_adapter(channel.kind)
    on_network = action in adapter.moderation_actions
    if on_network:
        try:
            adapter.moderate(
                network_id=message.network_id,
                action=action,
                config=dict(channel.config or {}),
                secret=_secret_for(channel),
            )
        except AdapterError as exc:
            raise InboxError(
                _("Il canale non ha accettato la moderazione: %(error)s") % {"error": exc}
            ) from None
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            moderation=action, moderation_reason=reason[:300]
        )
        record(
            action=f"inbox.moderation.{action}",
            actor=by,
            obj=message.conversation,
            summary=lambda: (
                _("Messaggio %(what)s (%(where)s). Motivo: %(reason)s")
                % {
                    "what": ModerationAction(action).label.lower(),
                    "where": _("sulla rete") if on_network else _("solo in PA Planner"),
                    "reason": reason[:300],
                }
            ),
        )
    return on_network


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hand_over(*, conversation: Conversation, office: str, email: str, note: str, by) -> str:
    """Create the office's link (valid :data:`HANDOVER_DAYS` days) and return its token; the
    caller emails it. Only the token's hash is stored."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        handover = Handover.objects.create(
            conversation=conversation,
            office=office[:120],
            email=email,
            note=note,
            token_hash=_token_hash(token),
            expires_at=timezone.now() + timedelta(days=HANDOVER_DAYS),
            created_by=by,
        )
        record(
            action="inbox.handover",
            actor=by,
            obj=conversation,
            summary=lambda: (
                _("Conversazione passata all'ufficio %(office)s (%(email)s)")
                % {"office": handover.office, "email": email}
            ),
        )
    return token


def handover_for_token(token: str) -> Handover | None:
    """The handover of a link still valid, or None."""
    if not token or len(token) > 100:
        return None
    return (
        Handover.objects.select_related("conversation__channel")
        .filter(token_hash=_token_hash(token), expires_at__gt=timezone.now())
        .first()
    )


def record_office_answer(*, handover: Handover, answer: str, signed: str) -> None:
    answer = (answer or "").strip()
    if not answer:
        raise InboxError(_("Scrivi la risposta dell'ufficio."))
    with transaction.atomic():
        changed = Handover.objects.filter(pk=handover.pk, answered_at__isnull=True).update(
            answer=answer, answered_by=signed[:120], answered_at=timezone.now()
        )
        if not changed:
            raise InboxError(_("L'ufficio ha già risposto a questa richiesta."))
        record(
            action="inbox.handover_answered",
            obj=handover.conversation,
            summary=lambda: (
                _("L'ufficio %(office)s ha risposto (firmato: %(who)s)")
                % {"office": handover.office, "who": signed[:120] or "—"}
            ),
        )


def purge_expired(*, now: datetime | None = None, months: int, dry_run: bool = False) -> int:
    """Delete the content of conversations silent for ``months`` months; keep the rows
    (channel, kind, times, status) and their response times, so counts remain."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=round(months * 30.44))
    stale = Conversation.objects.filter(last_message_at__lt=cutoff, purged_at__isnull=True)
    ids = list(stale.values_list("pk", flat=True))
    if dry_run or not ids:
        return len(ids)
    with transaction.atomic():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            Message.objects.filter(conversation_id__in=chunk).update(
                text="", subject="", author_name="", author_handle="", author_id="", url=""
            )
            Handover.objects.filter(conversation_id__in=chunk).update(note="", answer="")
            Conversation.objects.filter(pk__in=chunk).update(
                citizen_id="", citizen_name="", citizen_handle="", purged_at=now
            )
        record(
            action="inbox.retention",
            summary=lambda: (
                _("Conservazione: cancellato il contenuto di %(n)s conversazioni") % {"n": len(ids)}
            ),
        )
    return len(ids)


def citizen_filter(query: str) -> Q:
    """Conversations of one citizen, by network id, name or handle (exact, case-insensitive)."""
    query = query.strip()
    return (
        Q(citizen_id=query)
        | Q(citizen_handle__iexact=query)
        | Q(citizen_handle__iexact="@" + query.lstrip("@"))
        | Q(citizen_name__iexact=query)
    )


def site_url() -> str:
    return settings.SITE_URL
