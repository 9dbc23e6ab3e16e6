"""Newsletter writes: double opt-in, one-click unsubscribe, sending an issue.

Every consent step leaves a :class:`ConsentRecord` (when, from where, the text shown): the
evidence GDPR asks for. Tokens: the confirmation link is signed and expires; the
unsubscribe link carries the subscriber's random token and never expires, because an
unsubscribe must always work.
"""

import hashlib
import hmac
import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import ratelimit
from apps.core.queue import enqueue

from .enums import ConsentAction
from .models import ConfirmationSent, ConsentRecord, IssueSend, Subscriber

logger = logging.getLogger(__name__)

CONFIRM_SALT = "newsletter.confirm"
CONFIRM_MAX_AGE = timedelta(days=7)
# A second subscribe for the same address within this window sends no new email.
RESEND_CONFIRMATION_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class RequestInfo:
    ip_address: str | None = None
    user_agent: str = ""


def _consent(subscriber: Subscriber, action: str, info: RequestInfo, text: str = ""):
    return ConsentRecord.objects.create(
        subscriber=subscriber,
        action=action,
        ip_address=info.ip_address or None,
        user_agent=info.user_agent[:300],
        text_shown=text,
    )


def confirm_token(subscriber: Subscriber) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(subscriber.token)


def confirm_url(subscriber: Subscriber) -> str:
    path = reverse("newsletter:confirm", kwargs={"signed": confirm_token(subscriber)})
    return settings.SITE_URL + path


def unsubscribe_url(subscriber: Subscriber) -> str:
    path = reverse("newsletter:unsubscribe", kwargs={"token": subscriber.token})
    return settings.SITE_URL + path


SUBSCRIBE_LIMIT = 10  # valid subscribe requests per IP address and window
SUBSCRIBE_WINDOW_SECONDS = 600


def allow_subscribe_request(ip_address: str | None) -> bool:
    """A public form that sends email: at most SUBSCRIBE_LIMIT requests per IP per window,
    so it cannot be used to flood other people's mailboxes."""
    return ratelimit.allow(
        f"newsletter:subscribe:{ip_address or 'unknown'}",
        limit=SUBSCRIBE_LIMIT,
        window_seconds=SUBSCRIBE_WINDOW_SECONDS,
    )


# At most this many confirmation emails per mailbox (see mailbox_of) in a day, whatever the
# spelling of the address and whoever asks: a public form must not flood anyone's inbox.
CONFIRMATIONS_PER_MAILBOX = 3
CONFIRMATION_MAILBOX_WINDOW = timedelta(days=1)
# Providers that ignore dots in the local part, and their alias domains.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox_of(email: str) -> str:
    """The mailbox an address delivers to: lower case, without a +tag, and without dots where
    the provider ignores them (Gmail): Victim+1@Gmail.com and v.ictim@googlemail.com are one."""
    local, _at, domain = email.strip().lower().rpartition("@")
    domain = domain.rstrip(".")
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def mailbox_digest(email: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, mailbox_of(email).encode(), hashlib.sha256).hexdigest()


def subscribe(*, email: str, consent_text: str, info: RequestInfo) -> Subscriber:
    """Record the request and queue the confirmation email (double opt-in).

    The request does the same work whether or not the address was known or already active,
    and never talks to the mail server: the answer, and its time, cannot tell who is
    subscribed, and a mail server that is slow, down or misconfigured cannot break the page.
    The task decides whether an email goes out (see :func:`send_confirmation`).
    """
    email = email.strip().lower()
    with transaction.atomic():
        try:
            with transaction.atomic():
                subscriber, _created = Subscriber.objects.get_or_create(email=email)
        except IntegrityError:  # the same address submitted twice at the same moment
            subscriber = Subscriber.objects.get(email=email)
        if not subscriber.is_active:
            _consent(subscriber, ConsentAction.REQUESTED, info, consent_text)
        transaction.on_commit(partial(_queue_confirmation, subscriber.pk))
    return subscriber


def _queue_confirmation(subscriber_id: int) -> None:
    from .tasks import send_confirmation_task  # noqa: PLC0415  (tasks import this module)

    # The broker down: the citizen can ask again; the page still answers.
    enqueue(send_confirmation_task, subscriber_id=subscriber_id)


def send_confirmation(*, subscriber_id: int) -> bool:
    """Email the confirmation link, unless the subscriber is already active, had one within
    RESEND_CONFIRMATION_AFTER, or the mailbox had CONFIRMATIONS_PER_MAILBOX today.

    True when an email was handed to the mail server. Safe to run twice.
    """
    now = timezone.now()
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id).first()
        if subscriber is None or subscriber.is_active:
            return False
        sent_at = subscriber.confirmation_sent_at
        if sent_at and sent_at > now - RESEND_CONFIRMATION_AFTER:
            return False
        mailbox = mailbox_digest(subscriber.email)
        sent_today = ConfirmationSent.objects.filter(
            mailbox=mailbox, sent_at__gt=now - CONFIRMATION_MAILBOX_WINDOW
        ).count()
        if sent_today >= CONFIRMATIONS_PER_MAILBOX:
            logger.info("Confirmation for subscriber %s not sent: mailbox limit", subscriber.pk)
            return False
        ConfirmationSent.objects.create(mailbox=mailbox)
        subscriber.confirmation_sent_at = now
        subscriber.save(update_fields=["confirmation_sent_at"])
    return _send_confirmation(subscriber)


def _send_confirmation(subscriber: Subscriber) -> bool:
    context = {"confirm_url": confirm_url(subscriber), "COMUNE_NAME": settings.COMUNE_NAME}
    message = EmailMultiAlternatives(
        subject=_("Conferma l'iscrizione alla newsletter del %(comune)s")
        % {"comune": settings.COMUNE_NAME},
        body=render_to_string("newsletter/email/confirm.txt", context),
        to=[subscriber.email],
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        # A new request after the resend window sends the link again. The address is not
        # logged.
        logger.warning("Confirmation email for subscriber %s not sent: %s", subscriber.pk, exc)
        return False
    return True


class InvalidToken(Exception):
    """The link is malformed, tampered with or expired; the message is shown."""


def subscriber_for_confirmation(signed: str) -> Subscriber:
    try:
        token = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(signed, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidToken(_("Il link di conferma è scaduto: iscriviti di nuovo.")) from None
    except signing.BadSignature:
        raise InvalidToken(_("Il link di conferma non è valido.")) from None
    subscriber = Subscriber.objects.filter(token=token).first()
    if subscriber is None:
        raise InvalidToken(_("Il link di conferma non è valido."))
    issued_at = datetime.fromtimestamp(signing.b62_decode(signed.rsplit(":", 2)[1]), tz=UTC)
    if subscriber.unsubscribed_at and subscriber.unsubscribed_at >= issued_at:
        # An unsubscribe after the link was sent wins over the old link.
        raise InvalidToken(
            _("Dopo questo link hai annullato l'iscrizione: iscriviti di nuovo se vuoi.")
        )
    return subscriber


def confirm(*, subscriber: Subscriber, info: RequestInfo) -> bool:
    """Confirm the subscription; False when it was already active (nothing changes)."""
    with transaction.atomic():
        changed = (
            Subscriber.objects.filter(pk=subscriber.pk)
            .exclude(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
            .update(confirmed_at=timezone.now(), unsubscribed_at=None)
        )
        if changed:
            _consent(subscriber, ConsentAction.CONFIRMED, info)
    subscriber.refresh_from_db()
    return bool(changed)


def unsubscribe(*, subscriber: Subscriber, info: RequestInfo, via: str = "") -> bool:
    """Always honoured, at once; False when already unsubscribed."""
    with transaction.atomic():
        changed = Subscriber.objects.filter(pk=subscriber.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
        if changed:
            _consent(subscriber, ConsentAction.UNSUBSCRIBED, info, via)
    subscriber.refresh_from_db()
    return bool(changed)


UNCONFIRMED_RETENTION = timedelta(days=30)


def purge_unconfirmed(*, now=None, dry_run: bool = False) -> int:
    """Forget addresses whose subscription was never confirmed (GDPR: no consent, no data).

    Confirmed and unsubscribed people keep their consent trail: it is the evidence.
    """
    now = now or timezone.now()
    cutoff = now - UNCONFIRMED_RETENTION
    stale = Subscriber.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff)
    count = stale.count()
    if not dry_run:
        if count:
            stale.delete()
        ConfirmationSent.objects.filter(sent_at__lt=now - CONFIRMATION_MAILBOX_WINDOW).delete()
    return count


# --- Sending an issue ---------------------------------------------------------------------


@dataclass(frozen=True)
class IssueReport:
    sent_now: int
    sent_total: int
    refused: int


def active_subscribers():
    return Subscriber.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


def issue_parts(*, text: str, link: str, unsubscribe: str) -> tuple[str, str]:
    """The (text, HTML) parts of an issue: what every subscriber gets, and what the preview
    frame shows (``planning.views.newsletter_email``)."""
    context = {
        "text": text,
        "link": link,
        "unsubscribe_url": unsubscribe,
        "COMUNE_NAME": settings.COMUNE_NAME,
    }
    return (
        render_to_string("newsletter/email/issue.txt", context),
        render_to_string("newsletter/email/issue.html", context),
    )


def issue_subject(subject: str) -> str:
    return " ".join(subject.split())[:200]  # a header: no line breaks, reasonable length


def message_id_domain() -> str:
    """The domain of our Message-IDs: the sender address's."""
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"


def issue_message_id(*, delivery_id: int, subscriber: Subscriber) -> str:
    """``<newsletter.<delivery>.<subscriber>.<random>@domain>``: a citizen's reply names it
    (In-Reply-To), so the inbox links the reply to the issue's post."""
    random = secrets.token_hex(6)
    return f"<newsletter.{delivery_id}.{subscriber.pk}.{random}@{message_id_domain()}>"


def build_issue_message(
    *,
    subscriber: Subscriber,
    subject: str,
    text: str,
    link: str,
    connection,
    delivery_id: int | None = None,
):
    unsubscribe = unsubscribe_url(subscriber)
    text_part, html_part = issue_parts(text=text, link=link, unsubscribe=unsubscribe)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text_part,
        to=[subscriber.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    # Replies go to the office's mailbox, whose provider pushes them to the inbox.
    if settings.NEWSLETTER_REPLY_TO:
        message.reply_to = [settings.NEWSLETTER_REPLY_TO]
    if delivery_id is not None:
        message.extra_headers["Message-ID"] = issue_message_id(
            delivery_id=delivery_id, subscriber=subscriber
        )
    message.attach_alternative(html_part, "text/html")
    return message


def send_issue(*, delivery_id: int, subject: str, text: str, link: str = "") -> IssueReport:
    """Send one issue to every active subscriber who has not had it yet.

    Connection errors propagate (the adapter makes them transient); a single refused address
    is recorded as refused and the others still get the issue.
    """
    subject = issue_subject(subject)
    served = IssueSend.objects.filter(delivery_id=delivery_id).values_list("subscriber_id")
    pending = list(active_subscribers().exclude(pk__in=served).order_by("pk"))
    sent_now = refused = 0
    if pending:
        connection = get_connection()
        connection.open()
        try:
            for subscriber in pending:
                message = build_issue_message(
                    subscriber=subscriber,
                    subject=subject,
                    text=text,
                    link=link,
                    connection=connection,
                    delivery_id=delivery_id,
                )
                was_refused = False
                try:
                    message.send()
                except smtplib.SMTPRecipientsRefused:
                    logger.warning("Newsletter %s: address %s refused", delivery_id, subscriber.pk)
                    was_refused = True
                IssueSend.objects.get_or_create(
                    delivery_id=delivery_id,
                    subscriber=subscriber,
                    defaults={"refused": was_refused},
                )
                refused += was_refused
                sent_now += not was_refused
        finally:
            connection.close()
    total = IssueSend.objects.filter(delivery_id=delivery_id, refused=False).count()
    return IssueReport(sent_now=sent_now, sent_total=total, refused=refused)
