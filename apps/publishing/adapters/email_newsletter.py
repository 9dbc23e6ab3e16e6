"""The email newsletter: one message per confirmed subscriber, through Django's email backend.

Each message carries ``List-Unsubscribe: <https://…/newsletter/disiscrizione/<token>/>`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058). The sending itself, with a
per-subscriber record so a resend after a crash skips who already got it, lives in
``apps.newsletter.services.send_issue``; this adapter translates its errors.
"""

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage

from apps.newsletter.services import message_id_domain, send_issue

from .base import (
    Adapter,
    PermanentError,
    PublishRequest,
    PublishResult,
    ReplyRequest,
    TransientError,
)


class EmailNewsletterAdapter(Adapter):
    kind = "newsletter"
    can_reconcile = True  # a resend skips the subscribers already served
    supports_reply = True  # a citizen's reply to the newsletter is answered by email

    def publish(self, request: PublishRequest) -> PublishResult:
        try:
            report = send_issue(
                delivery_id=request.delivery_id,
                # The variant's public title (required on this channel): never the post's
                # internal title.
                subject=request.title,
                text=request.text,
                link=request.link,
            )
        except (smtplib.SMTPException, OSError) as exc:  # timeouts are OSErrors
            # Nothing is lost: the subscribers already served are recorded, a retry goes on.
            raise TransientError(
                f"newsletter: server di posta non disponibile ({type(exc).__name__})"
            ) from None
        return PublishResult(
            external_id=f"newsletter-{request.delivery_id}-{report.sent_total}", url=""
        )

    def reply(self, request: ReplyRequest) -> PublishResult:
        """Answer a citizen's email (apps.inbox) by email, threaded under it: ``In-Reply-To``
        and ``References`` name the citizen's Message-ID; our own Message-ID is the result's
        id, so the citizen's next reply joins the same conversation."""
        if "@" not in request.recipient:
            raise PermanentError("newsletter: indirizzo del cittadino mancante")
        own_id = make_msgid("inbox", domain=message_id_domain())
        headers = {"Message-ID": own_id}
        if request.in_reply_to and not request.in_reply_to.startswith("sha256:"):
            headers["In-Reply-To"] = f"<{request.in_reply_to}>"
            headers["References"] = f"<{request.in_reply_to}>"
        reply_to = [settings.NEWSLETTER_REPLY_TO] if settings.NEWSLETTER_REPLY_TO else []
        message = EmailMessage(
            subject=request.subject or f"Re: {settings.COMUNE_NAME}",
            body=request.text,
            to=[request.recipient],
            reply_to=reply_to,
            headers=headers,
        )
        try:
            message.send()
        except (smtplib.SMTPRecipientsRefused, ValueError):  # refused, or not an address
            raise PermanentError("newsletter: il server di posta rifiuta l'indirizzo") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(
                f"newsletter: server di posta non disponibile ({type(exc).__name__})"
            ) from None
        return PublishResult(external_id=own_id.strip("<>"))
