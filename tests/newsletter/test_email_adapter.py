"""The newsletter adapter sends through Django's real SMTP backend to a local aiosmtpd."""

import email
import email.policy
import uuid

import pytest
from django.core import mail

from apps.newsletter.models import IssueSend
from apps.newsletter.services import unsubscribe_url
from apps.publishing.adapters.base import PublishRequest, TransientError
from apps.publishing.adapters.email_newsletter import EmailNewsletterAdapter
from tests.newsletter.factories import SubscriberFactory

pytestmark = pytest.mark.django_db
adapter = EmailNewsletterAdapter()


def _request(delivery_id=41, **kwargs):
    values = {
        "delivery_id": delivery_id,
        "idempotency_key": str(uuid.uuid4()),
        "title": "Raccolta differenziata: nuovi orari",
        "text": "Da lunedì il centro di raccolta apre anche il sabato pomeriggio.",
        "link": "https://comune.esempio.it/rifiuti",
    }
    values.update(kwargs)
    return PublishRequest(**values)


def test_each_confirmed_subscriber_gets_one_message_over_real_smtp(smtp_server):
    anna, bruno = SubscriberFactory(), SubscriberFactory()
    SubscriberFactory(confirmed_at=None)  # never confirmed
    SubscriberFactory(unsubscribed_at="2026-01-01T00:00Z")  # left

    result = adapter.publish(_request())

    recipients = sorted(rcpt for env in smtp_server.envelopes for rcpt in env.rcpt_tos)
    assert recipients == sorted([anna.email, bruno.email])
    assert result.external_id == "newsletter-41-2"


def test_messages_carry_one_click_unsubscribe_headers_with_a_personal_link(smtp_server):
    anna = SubscriberFactory()

    adapter.publish(_request())

    [envelope] = smtp_server.envelopes
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe_url(anna)}>"  # may be folded
    assert anna.token in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Subject"] == "Raccolta differenziata: nuovi orari"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Da lunedì il centro di raccolta" in body
    assert unsubscribe_url(anna) in body


def test_a_resend_of_the_same_delivery_skips_who_already_got_it(smtp_server):
    SubscriberFactory()
    adapter.publish(_request())
    SubscriberFactory()  # joined in between

    adapter.publish(_request())

    assert len(smtp_server.envelopes) == 2
    assert IssueSend.objects.filter(delivery_id=41).count() == 2


def test_a_refused_address_does_not_stop_the_others(smtp_server):
    refused, ok = SubscriberFactory(), SubscriberFactory()
    smtp_server.refuse.add(refused.email)

    adapter.publish(_request())

    assert [env.rcpt_tos for env in smtp_server.envelopes] == [[ok.email]]
    assert IssueSend.objects.get(subscriber=refused).refused is True


def test_an_unreachable_mail_server_is_transient(closed_smtp_port):
    SubscriberFactory()

    with pytest.raises(TransientError, match="server di posta"):
        adapter.publish(_request())

    assert IssueSend.objects.count() == 0


def test_with_no_subscribers_nothing_is_sent_and_it_still_succeeds():
    result = adapter.publish(_request())

    assert mail.outbox == []
    assert result.external_id == "newsletter-41-0"


def test_line_breaks_in_the_title_cannot_inject_headers_and_markup_stays_text(mailoutbox):
    subscriber = SubscriberFactory()

    adapter.publish(
        _request(title="Avviso\r\nBcc: spia@example.org\n", text="Prezzi <b>bassi</b> & più")
    )

    [message] = mailoutbox
    assert message.subject == "Avviso Bcc: spia@example.org"
    assert message.recipients() == [subscriber.email]
    headers = message.message()
    assert headers["Bcc"] is None
    assert "\n" not in headers["Subject"].replace("\n ", "")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Prezzi &lt;b&gt;bassi&lt;/b&gt; &amp; più" in html
