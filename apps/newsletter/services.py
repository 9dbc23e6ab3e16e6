"""Newsletter writes: double opt-in, one-click unsubscribe, sending an issue.

Every consent step leaves a :class:`ConsentRecord` (when, from where, the text shown): the
evidence GDPR asks for. Tokens: the confirmation link is signed and expires; the
unsubscribe link carries the subscriber's random token and never expires, because an
unsubscribe must always work.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .enums import ConsentAction
from .models import ConsentRecord, IssueSend, Subscriber

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
    key = f"newsletter:subscribe:{ip_address or 'unknown'}"
    cache.add(key, 0, timeout=SUBSCRIBE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=SUBSCRIBE_WINDOW_SECONDS)
        count = 1
    return count <= SUBSCRIBE_LIMIT


def subscribe(*, email: str, consent_text: str, info: RequestInfo) -> Subscriber:
    """Record the request and email a confirmation link (double opt-in).

    The answer to the visitor is the same whether or not the address was known, so the page
    cannot be used to learn who is subscribed. An active subscriber gets no new email.
    """
    email = email.strip().lower()
    with transaction.atomic():
        try:
            with transaction.atomic():
                subscriber, created = Subscriber.objects.get_or_create(email=email)
        except IntegrityError:  # the same address submitted twice at the same moment
            subscriber, created = Subscriber.objects.get(email=email), False
        if subscriber.is_active:
            return subscriber
        recent = subscriber.consents.filter(
            action=ConsentAction.REQUESTED, at__gte=timezone.now() - RESEND_CONFIRMATION_AFTER
        ).exists()
        _consent(subscriber, ConsentAction.REQUESTED, info, consent_text)
    if created or not recent:
        transaction.on_commit(lambda: _send_confirmation(subscriber))
    return subscriber


def _send_confirmation(subscriber: Subscriber) -> None:
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
        # The citizen still sees "check your email"; a new request after the resend window
        # sends the link again. The address is not logged.
        logger.warning("Confirmation email for subscriber %s not sent: %s", subscriber.pk, exc)


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
    cutoff = (now or timezone.now()) - UNCONFIRMED_RETENTION
    stale = Subscriber.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff)
    count = stale.count()
    if not dry_run and count:
        stale.delete()
    return count


# --- Sending an issue ---------------------------------------------------------------------


@dataclass(frozen=True)
class IssueReport:
    sent_now: int
    sent_total: int
    refused: int


def active_subscribers():
    return Subscriber.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


def build_issue_message(*, subscriber: Subscriber, subject: str, text: str, link: str, connection):
    unsubscribe = unsubscribe_url(subscriber)
    context = {
        "text": text,
        "link": link,
        "unsubscribe_url": unsubscribe,
        "COMUNE_NAME": settings.COMUNE_NAME,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("newsletter/email/issue.txt", context),
        to=[subscriber.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string("newsletter/email/issue.html", context), "text/html"
    )
    return message


def send_issue(*, delivery_id: int, subject: str, text: str, link: str = "") -> IssueReport:
    """Send one issue to every active subscriber who has not had it yet.

    Connection errors propagate (the adapter makes them transient); a single refused address
    is recorded as refused and the others still get the issue.
    """
    subject = " ".join(subject.split())[:200]  # a header: no line breaks, reasonable length
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
