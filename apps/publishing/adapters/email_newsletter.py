"""The email newsletter: one message per confirmed subscriber, through Django's email backend.

Each message carries ``List-Unsubscribe: <https://…/newsletter/disiscrizione/<token>/>`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058). The sending itself, with a
per-subscriber record so a resend after a crash skips who already got it, lives in
``apps.newsletter.services.send_issue``; this adapter translates its errors.
"""

import smtplib

from apps.newsletter.services import send_issue

from .base import Adapter, PublishRequest, PublishResult, TransientError


class EmailNewsletterAdapter(Adapter):
    kind = "newsletter"
    can_reconcile = True  # a resend skips the subscribers already served

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
