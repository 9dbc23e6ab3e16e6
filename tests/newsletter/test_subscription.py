"""Double opt-in and one-click unsubscribe, as a citizen meets them."""

import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from apps.newsletter import services
from apps.newsletter.models import ConsentRecord, Subscriber
from apps.newsletter.services import confirm_token, unsubscribe_url
from tests.newsletter.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribe(client, django_capture_on_commit_callbacks):
    """POST the subscribe form; the confirmation email (sent on commit) goes out."""

    def post(email="maria.rossi@example.org", consent="on"):
        data = {"email": email}
        if consent:
            data["consent"] = consent
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("newsletter:subscribe"), data, REMOTE_ADDR="203.0.113.7")

    return post


def _confirm_link(message) -> str:
    return re.search(r"http://\S+/newsletter/conferma/\S+/", message.body).group(0)


def test_the_subscribe_page_shows_the_privacy_notice_and_a_labelled_consent_box(client):
    response = client.get(reverse("newsletter:subscribe"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Informativa sul trattamento dei dati personali" in html
    assert '<label for="id_consent">' in html
    assert '<label class="form-label" for="id_email">' in html


def test_subscribing_sends_a_confirmation_link_and_records_the_request(subscribe):
    response = subscribe()

    assert response.status_code == 302
    assert response["Location"] == reverse("newsletter:subscribed")
    subscriber = Subscriber.objects.get(email="maria.rossi@example.org")
    assert subscriber.is_active is False
    [message] = mail.outbox
    assert message.to == ["maria.rossi@example.org"]
    assert confirm_token(subscriber).split(":")[0] in _confirm_link(message)
    [record] = subscriber.consents.all()
    assert record.action == "requested"
    assert record.ip_address == "203.0.113.7"
    assert "acconsento a ricevere la newsletter" in record.text_shown


def test_without_consent_the_form_comes_back_with_the_email_kept_and_the_error_tied(subscribe):
    response = subscribe(consent="")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="maria.rossi@example.org"' in html
    assert "Per iscriverti serve il tuo consenso." in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_consent_error"' in html
    assert Subscriber.objects.count() == 0
    assert mail.outbox == []


def test_an_invalid_email_is_refused_with_a_message(subscribe):
    response = subscribe(email="non-una-email")

    assert response.status_code == 200
    assert Subscriber.objects.count() == 0
    assert "id_email_error" in response.content.decode()


def test_a_second_request_within_minutes_sends_no_second_email(subscribe):
    subscribe()
    subscribe()

    assert len(mail.outbox) == 1
    assert ConsentRecord.objects.filter(action="requested").count() == 2


def test_an_active_subscriber_subscribing_again_gets_no_email_and_the_same_answer(subscribe):
    SubscriberFactory(email="maria.rossi@example.org")

    response = subscribe()

    assert response["Location"] == reverse("newsletter:subscribed")
    assert mail.outbox == []


def test_opening_the_confirmation_link_asks_for_a_click_and_confirms_nothing_yet(client, subscribe):
    subscribe()
    link = _confirm_link(mail.outbox[0])

    response = client.get(link)

    assert response.status_code == 200
    assert "Confermo l'iscrizione" in response.content.decode()
    assert Subscriber.objects.get().is_active is False


def test_confirming_activates_the_subscription_and_records_it(client, subscribe):
    subscribe()
    link = _confirm_link(mail.outbox[0])

    response = client.post(link, REMOTE_ADDR="203.0.113.8")

    subscriber = Subscriber.objects.get()
    assert response.status_code == 200
    assert "Iscrizione confermata" in response.content.decode()
    assert subscriber.is_active is True
    assert list(subscriber.consents.values_list("action", "ip_address")) == [
        ("requested", "203.0.113.7"),
        ("confirmed", "203.0.113.8"),
    ]


def test_a_tampered_confirmation_link_is_refused_with_a_message(client, subscribe):
    subscribe()
    link = _confirm_link(mail.outbox[0])

    response = client.post(link[:-3] + "xx/")

    assert response.status_code == 400
    assert "non è valido" in response.content.decode()
    assert Subscriber.objects.get().is_active is False


def test_an_expired_confirmation_link_is_refused(client, monkeypatch):
    subscriber = SubscriberFactory(confirmed_at=None)
    eight_days_ago = int(time.time() - timedelta(days=8).total_seconds())
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(eight_days_ago)
    )
    expired = confirm_token(subscriber)
    monkeypatch.undo()

    response = client.post(reverse("newsletter:confirm", kwargs={"signed": expired}))

    assert response.status_code == 400
    assert "scaduto" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.is_active is False


def test_the_unsubscribe_page_asks_before_unsubscribing(client):
    subscriber = SubscriberFactory()

    response = client.get(unsubscribe_url(subscriber))

    subscriber.refresh_from_db()
    assert response.status_code == 200
    assert "Sì, disiscrivimi" in response.content.decode()
    assert subscriber.is_active is True


def test_one_click_unsubscribe_works_without_a_csrf_token(db):
    subscriber = SubscriberFactory()
    mail_client = Client(enforce_csrf_checks=True)  # a mail client has no session or token

    response = mail_client.post(
        unsubscribe_url(subscriber),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    subscriber.refresh_from_db()
    assert response.status_code == 200
    assert subscriber.is_active is False
    [record] = subscriber.consents.all()
    assert record.action == "unsubscribed"
    assert "RFC 8058" in record.text_shown


def test_subscribing_still_requires_a_csrf_token(db):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(reverse("newsletter:subscribe"), {"email": "a@example.org"})

    assert response.status_code == 403


def test_unsubscribing_twice_records_once(client):
    subscriber = SubscriberFactory()

    client.post(unsubscribe_url(subscriber))
    client.post(unsubscribe_url(subscriber))

    assert subscriber.consents.filter(action="unsubscribed").count() == 1


def test_an_unknown_unsubscribe_token_is_404(client):
    response = client.get(reverse("newsletter:unsubscribe", kwargs={"token": "sconosciuto"}))

    assert response.status_code == 404


def test_the_subscriber_email_is_escaped_on_pages(client):
    subscriber = SubscriberFactory(email='"<b>x</b>"@example.org')

    response = client.get(unsubscribe_url(subscriber))

    content = response.content.decode()
    assert "<b>x</b>" not in content
    assert "&lt;b&gt;x&lt;/b&gt;" in content


def test_one_connection_cannot_flood_mailboxes_with_confirmation_requests(subscribe):
    limit = services.SUBSCRIBE_LIMIT
    responses = [subscribe(email=f"vittima{n}@example.org") for n in range(limit + 1)]

    assert [r.status_code for r in responses] == [302] * limit + [429]
    assert "Troppe richieste" in responses[-1].content.decode()
    assert 'value="vittima10@example.org"' in responses[-1].content.decode()
    assert len(mail.outbox) == limit


def test_a_confirmation_link_older_than_an_unsubscribe_no_longer_subscribes(client, subscribe):
    subscribe()
    link = _confirm_link(mail.outbox[0])
    subscriber = Subscriber.objects.get()
    client.post(unsubscribe_url(subscriber))

    response = client.post(link)

    subscriber.refresh_from_db()
    assert response.status_code == 400
    assert "Dopo questo link hai annullato" in response.content.decode()
    assert subscriber.is_active is False


def test_a_mail_server_outage_never_breaks_the_subscribe_page(subscribe, closed_smtp_port):
    response = subscribe()

    assert response.status_code == 302
    assert Subscriber.objects.get().consents.count() == 1
