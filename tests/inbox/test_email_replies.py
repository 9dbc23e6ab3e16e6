"""Replies to the newsletter reach the inbox through the mail provider's signed webhook, and
the office's answer goes back by email (Django's SMTP backend, a local aiosmtpd server)."""

import email
import email.policy
import time
import uuid
from email.message import EmailMessage

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from apps.accounts.roles import Role
from apps.inbox import email_replies, services
from apps.inbox.enums import ConversationKind
from apps.inbox.enums import ConversationStatus as S
from apps.inbox.models import Conversation, Message
from apps.publishing.adapters.base import PublishRequest
from apps.publishing.adapters.email_newsletter import EmailNewsletterAdapter
from apps.publishing.models import Delivery
from tests.factories import ChannelFactory, PostFactory, UserFactory
from tests.newsletter.conftest import smtp_server  # noqa: F401  (the local SMTP server)
from tests.newsletter.factories import SubscriberFactory

pytestmark = pytest.mark.django_db
SECRET = "segreto-condiviso-del-webhook"
REPLY_TO = "risposte@comune.esempio.it"


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    settings.INBOX_EMAIL_WEBHOOK_SECRET = SECRET
    settings.NEWSLETTER_REPLY_TO = REPLY_TO
    settings.DEFAULT_FROM_EMAIL = "comunicazione@comune.esempio.it"


@pytest.fixture
def newsletter(db, office):
    return ChannelFactory(name="Newsletter", kind="newsletter")


def mail(
    text="Buongiorno, la TARI si può pagare a rate?",
    *,
    sender="Anna Bianchi <anna@example.org>",
    subject="Re: Raccolta differenziata: nuovi orari",
    message_id=None,
    in_reply_to="",
    references="",
    html=None,
    headers=None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = REPLY_TO
    message["Subject"] = subject
    message["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@example.org>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    if html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(text)
    return message.as_bytes()


def deliver(client, raw, *, secret=SECRET, timestamp=None, signature=None):
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    if signature is None:
        signature = email_replies.sign(raw, timestamp, secret)
    return client.post(
        reverse("inbox:email_webhook"),
        data=raw,
        content_type="message/rfc822",
        headers={"X-PA-Planner-Timestamp": timestamp, "X-PA-Planner-Signature": signature},
    )


def test_a_reply_is_a_private_conversation_with_the_quoted_history_cut(client, newsletter):
    text = (
        "Buongiorno, la TARI si può pagare a rate?\nGrazie\n\n"
        "Il giorno lun 7 dic 2026 alle 10:00 Comune <comunicazione@comune.esempio.it> "
        "ha scritto:\n> Raccolta differenziata: nuovi orari\n> Da lunedì il centro apre"
    )
    response = deliver(client, mail(text))
    assert (response.status_code, response.content) == (200, b"stored:1")
    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.kind) == (newsletter, ConversationKind.PRIVATE)
    assert (conversation.citizen_id, conversation.citizen_name) == (
        "anna@example.org",
        "Anna Bianchi",
    )
    message = conversation.messages.get()
    assert message.text == "Buongiorno, la TARI si può pagare a rate?\nGrazie"
    assert message.subject == "Re: Raccolta differenziata: nuovi orari"


def test_a_message_delivered_twice_is_stored_once_by_its_message_id(client, newsletter):
    raw = mail(message_id="<uno@example.org>")
    first_sent = int(time.time())
    assert deliver(client, raw, timestamp=str(first_sent)).status_code == 200
    # The provider retries with a new timestamp (so a new signature): still one message. (Its
    # timestamp is set apart from the first: one a second later could equal it, a replay.)
    again = deliver(client, raw, timestamp=str(first_sent - 5))
    assert (again.status_code, again.content) == (200, b"stored:0")
    assert Message.objects.get().network_id == "uno@example.org"


def test_a_forged_signature_stores_nothing(client, newsletter):
    raw = mail()
    assert deliver(client, raw, secret="un-altro-segreto").status_code == 403
    assert deliver(client, raw, signature="sha256=" + "0" * 64).status_code == 403
    assert deliver(client, raw, signature="").status_code == 403
    assert Message.objects.count() == 0


def test_without_a_configured_secret_everything_is_refused(client, newsletter, settings):
    settings.INBOX_EMAIL_WEBHOOK_SECRET = ""
    assert deliver(client, mail(), secret="").status_code == 403
    assert Message.objects.count() == 0


def test_a_stale_timestamp_is_refused(client, newsletter):
    old = str(int(time.time()) - email_replies.TOLERANCE_SECONDS - 60)
    assert deliver(client, mail(), timestamp=old).status_code == 403
    assert deliver(client, mail(), timestamp="domani").status_code == 403
    assert Message.objects.count() == 0


def test_a_replayed_delivery_is_refused(client, newsletter):
    raw = mail()
    timestamp = str(int(time.time()))
    signature = email_replies.sign(raw, timestamp, SECRET)
    assert deliver(client, raw, timestamp=timestamp, signature=signature).status_code == 200
    Message.objects.all().delete()
    replay = deliver(client, raw, timestamp=timestamp, signature=signature)
    assert replay.status_code == 409
    assert Message.objects.count() == 0


def test_an_html_only_reply_becomes_text_without_markup_or_scripts(client, newsletter):
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<p>Salve,<br>la strada di via Roma &egrave; piena di buche.</p>"
        "<blockquote>Testo della newsletter citato</blockquote></body></html>"
    )
    deliver(client, mail(html=html))
    text = Message.objects.get().text
    assert text == "Salve,\nla strada di via Roma è piena di buche."


def test_a_reply_to_an_issue_links_the_issue_post(client, newsletter):
    post = PostFactory(channels=[newsletter])
    delivery = Delivery.objects.create(
        variant=post.variants.get(), due_at=timezone.now(), state="sent", external_id="n-1"
    )
    issue_id = f"<newsletter.{delivery.pk}.7.abc123@comune.esempio.it>"
    deliver(client, mail(in_reply_to=issue_id, references=issue_id))
    assert Conversation.objects.get().post == post


def test_replies_of_one_sender_are_threaded_by_address(client, newsletter):
    deliver(client, mail("Prima domanda"))
    deliver(client, mail("Seconda domanda", subject="Altro argomento"))
    deliver(client, mail("Di un'altra persona", sender="bruno@example.org"))
    threads = sorted(Conversation.objects.values_list("citizen_id", flat=True).order_by("pk"))
    assert threads == ["anna@example.org", "bruno@example.org"]
    anna = Conversation.objects.get(citizen_id="anna@example.org")
    assert anna.messages.count() == 2


def test_automatic_replies_and_our_own_messages_are_not_stored(client, newsletter):
    deliver(client, mail("Sono in ferie", headers={"Auto-Submitted": "auto-replied"}))
    deliver(client, mail("Eco", sender=f"Comune <{REPLY_TO}>"))
    assert Message.objects.count() == 0


def test_a_message_that_is_not_an_email_stores_nothing_and_breaks_nothing(client, newsletter):
    response = deliver(client, b"\x00\xff non \xe8 una email")
    assert response.status_code == 200
    assert Message.objects.count() == 0


def test_the_answer_goes_back_by_email_threaded_and_the_next_reply_joins(
    client,
    newsletter,
    smtp_server,  # noqa: F811
):
    deliver(client, mail(message_id="<domanda-1@example.org>"))
    conversation = Conversation.objects.get()
    editor = UserFactory(role=Role.EDITOR)

    sent = services.reply(
        conversation=conversation, text="Sì, in quattro rate: vedi il sito.", by=editor
    )

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["anna@example.org"]
    answer = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert answer["In-Reply-To"] == "<domanda-1@example.org>"
    assert answer["Subject"] == "Re: Raccolta differenziata: nuovi orari"
    assert answer["Reply-To"] == REPLY_TO
    assert "quattro rate" in answer.get_body(preferencelist=("plain",)).get_content()
    assert sent.network_id == answer["Message-ID"].strip("<>")
    conversation.refresh_from_db()
    assert conversation.status == S.ANSWERED

    # The citizen answers our email, from another address: it joins by In-Reply-To.
    deliver(
        client,
        mail("Grazie!", sender="anna.ufficio@example.org", in_reply_to=answer["Message-ID"]),
    )
    conversation.refresh_from_db()
    assert conversation.messages.count() == 3
    assert conversation.status == S.REOPENED


def test_newsletter_issues_name_their_delivery_and_the_reply_to_address(smtp_server):  # noqa: F811
    SubscriberFactory()
    EmailNewsletterAdapter().publish(
        PublishRequest(delivery_id=41, idempotency_key="k", text="Testo", title="Oggetto")
    )
    [envelope] = smtp_server.envelopes
    issue = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert issue["Reply-To"] == REPLY_TO
    assert issue["Message-ID"].startswith("<newsletter.41.")
    assert email_replies.ISSUE_ID.match(issue["Message-ID"].strip("<>")).group(1) == "41"


def test_quoted_history_is_cut_only_where_obvious():
    assert email_replies.strip_quoted("Da lunedì apro io.\nCiao") == "Da lunedì apro io.\nCiao"
    assert email_replies.strip_quoted("Ok\n\n-----Original Message-----\nFrom: x") == "Ok"
    assert email_replies.strip_quoted("Sì\n> citato\nfine") == "Sì\nfine"


def test_a_message_too_large_is_refused_before_it_is_read(client, newsletter, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    raw = mail("x" * 20_000)
    assert deliver(client, raw).status_code == 413
    assert Message.objects.count() == 0


@settings_hypothesis(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=2000))
def test_parsing_any_bytes_never_raises(raw):
    parsed = email_replies.parse(raw)
    assert parsed.item is None or parsed.item.network_id


@settings_hypothesis(max_examples=100, deadline=None)
@given(text=st.text(max_size=500), subject=st.text(max_size=100))
def test_parsing_any_reply_keeps_its_sender_and_never_raises(text, subject):
    message = EmailMessage()
    message["From"] = "anna@example.org"
    message["Subject"] = " ".join(subject.split())
    message.set_content(text)
    parsed = email_replies.parse(message.as_bytes())
    assert parsed.item is not None and parsed.item.author_id == "anna@example.org"


def test_our_sender_address_with_a_display_name_is_recognised(client, newsletter, settings):
    settings.DEFAULT_FROM_EMAIL = "Comune di Esempio <comunicazione@comune.esempio.it>"
    deliver(client, mail("Eco", sender="Comune <comunicazione@comune.esempio.it>"))
    assert Message.objects.count() == 0
