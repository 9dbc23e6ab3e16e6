"""Words on the pages: citizens see the Comune, not the office's tool; "Registro" means the
audit log only; no Django placeholders or jokes in what the Comune sends."""

import re

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _title(body: str) -> str:
    return re.search(r"<title>(.*?)</title>", body, re.S).group(1).strip()


def _brand(body: str) -> str:
    return re.search(r'<div class="it-brand-title">(.*?)</div>', body).group(1)


@pytest.mark.parametrize(
    "url", ["/eventi/", "/newsletter/", "/pubblicazione/feed/notizie/", "/accessibilita/"]
)
def test_public_pages_carry_the_comune_name_not_the_staff_branding(client, url):
    body = client.get(url).content.decode()
    assert "PA Planner" not in body
    assert "Piano editoriale" not in body
    assert _brand(body) == settings.COMUNE_NAME
    assert _title(body).endswith(" · " + settings.COMUNE_NAME)
    assert "Eventi e notizie" in body


def test_staff_pages_keep_the_staff_branding(editor_client, client):
    home = editor_client.get(reverse("home")).content.decode()
    assert _brand(home) == "PA Planner"
    assert "Piano editoriale del" in home
    manage = editor_client.get(reverse("events:manage_list")).content.decode()
    assert _brand(manage) == "PA Planner"


def test_the_login_page_is_a_staff_page(client):
    body = client.get(reverse("login")).content.decode()
    assert _title(body) == "Accedi · PA Planner · " + settings.COMUNE_NAME


def test_the_blackout_type_asks_for_a_choice_in_words(admin_client_):
    body = admin_client_.get(reverse("crisis:blackout_create")).content.decode()
    assert "---------" not in body
    assert '<option value="" selected>Scegli il tipo di periodo</option>' in body


def test_the_channel_tone_level_is_called_formality_not_registro(admin_client_):
    listing = admin_client_.get(reverse("channels:list")).content.decode()
    form = admin_client_.get(reverse("channels:create")).content.decode()
    assert '<th scope="col">Formalità</th>' in listing
    assert ">Registro<" not in listing
    assert 'for="id_formality">Formalità' in form


def test_the_staff_menu_calls_the_audit_log_by_its_full_name(approver_client):
    body = approver_client.get(reverse("home")).content.decode()
    assert "<span>Registro delle attività</span>" in body
    assert "<span>Registro</span>" not in body


def test_the_newsletter_opt_in_email_is_formal():
    text = render_to_string(
        "newsletter/email/confirm.txt",
        {"COMUNE_NAME": "Comune di Esempio", "confirm_url": "https://x.example/c/1"},
    )
    assert "speriamo" not in text and "qualcuno" not in text
    assert "abbiamo ricevuto una richiesta di iscrizione di questo indirizzo" in text
