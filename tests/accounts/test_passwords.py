"""Self-service password change and reset by email, in Italian, with Django's validators."""

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

GOOD = "Girasole-del-porto-42"


def test_a_logged_in_person_changes_their_password(editor_client, editor):
    response = editor_client.post(
        reverse("accounts:password_change"),
        {"old_password": "pw", "new_password1": GOOD, "new_password2": GOOD},
    )

    assert response["Location"] == reverse("accounts:password_change_done")
    editor.refresh_from_db()
    assert editor.check_password(GOOD)
    assert editor_client.get(reverse("home")).status_code == 200  # still logged in


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password123", "troppo comune"),
        ("Corta-1", "troppo breve"),
        ("48210573956", "interamente numerica"),
    ],
)
def test_weak_passwords_are_refused_in_italian(editor_client, editor, password, message):
    response = editor_client.post(
        reverse("accounts:password_change"),
        {"old_password": "pw", "new_password1": password, "new_password2": password},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'aria-invalid="true"' in body
    editor.refresh_from_db()
    assert editor.check_password("pw")


def test_the_wrong_current_password_changes_nothing(editor_client, editor):
    response = editor_client.post(
        reverse("accounts:password_change"),
        {"old_password": "sbagliata", "new_password1": GOOD, "new_password2": GOOD},
    )
    assert "La password attuale non è corretta" in response.content.decode()
    assert "Password attuale" in response.content.decode()
    editor.refresh_from_db()
    assert editor.check_password("pw")


def test_the_login_page_offers_a_password_reset(client):
    assert reverse("accounts:password_reset") in client.get(reverse("login")).content.decode()


def test_a_reset_email_in_italian_links_to_the_site_url(client, editor, settings):
    settings.SITE_URL = "https://pa.comune.esempio.it"

    response = client.post(reverse("accounts:password_reset"), {"email": editor.email})

    assert response["Location"] == reverse("accounts:password_reset_done")
    [message] = mail.outbox
    assert message.to == [editor.email]
    assert "reimposta la password" in message.subject
    assert "https://pa.comune.esempio.it/accounts/password/reimposta/" in message.body
    assert "testserver" not in message.body


def test_an_unknown_address_gets_the_same_answer_and_no_email(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nessuno@example.org"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_the_reset_link_sets_a_new_password_once(client, editor):
    client.post(reverse("accounts:password_reset"), {"email": editor.email})
    link = re.search(r"https?://\S+/password/reimposta/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("/", 3)[3]
    form_page = client.get(path, follow=True)
    set_url = form_page.redirect_chain[-1][0]

    response = client.post(set_url, {"new_password1": GOOD, "new_password2": GOOD})

    assert response["Location"] == reverse("accounts:password_reset_complete")
    editor.refresh_from_db()
    assert editor.check_password(GOOD)
    again = client.get(path, follow=True)
    assert "Link non valido" in again.content.decode()


def test_the_reset_form_cannot_flood_mailboxes(client, editor, settings):
    from apps.accounts.views import RESET_LIMIT

    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("accounts:password_reset")
    for _ in range(RESET_LIMIT):
        client.post(url, {"email": editor.email}, HTTP_X_FORWARDED_FOR="198.51.100.66")

    refused = client.post(url, {"email": editor.email}, HTTP_X_FORWARDED_FOR="198.51.100.66")
    other = client.post(url, {"email": editor.email}, HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert refused.status_code == 429
    assert "Troppe richieste" in refused.content.decode()
    assert other.status_code == 302
    assert len(mail.outbox) == RESET_LIMIT + 1
