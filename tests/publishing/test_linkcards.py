"""Link cards from Open Graph: what a page's tags give, and the pages that must give nothing
(huge, slow, silent, endless redirects, internal addresses by name or by redirect, not HTML)."""

import socket
import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.publishing import linkcards, tasks
from apps.publishing.models import LinkCard
from tests.channel_servers.pages import PagesServer

pytestmark = pytest.mark.django_db

REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture(scope="module")
def site():
    server = PagesServer()
    yield server
    server.stop()


@pytest.fixture
def dns(monkeypatch):
    answers: dict[str, str] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port or 0))]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_the_open_graph_tags_make_the_card(site):
    card = linkcards.refresh(site.base_url + "/notizia")

    assert card.error == ""
    assert card.title == "Lavori in via Roma: «senso unico» fino a maggio"
    assert card.description.startswith("Dal 3 marzo senso unico alternato")
    assert card.site_name == "Comune di Esempio"
    assert card.image_url == site.base_url + "/immagini/cantiere.jpg"
    assert card.fetched_at <= timezone.now()


def test_without_open_graph_the_page_title_is_used(site):
    card = linkcards.refresh(site.base_url + "/senza-og")
    assert (card.title, card.description, card.error) == ("Solo il titolo", "", "")


def test_the_declared_charset_is_honoured(site):
    assert linkcards.refresh(site.base_url + "/latin1").title == "Città"


def test_one_redirect_is_followed(site):
    assert linkcards.refresh(site.base_url + "/uno-giro").site_name == "Comune di Esempio"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/enorme-dichiarata", "troppo grande"),
        ("/enorme", "troppo grande"),
        ("/giro/0", "troppi reindirizzamenti"),
        ("/immagine", "non è una pagina HTML"),
        ("/mancante", "HTTP 404"),
    ],
)
def test_hostile_or_useless_pages_give_no_card(site, path, reason):
    card = linkcards.refresh(site.base_url + path)
    assert reason in card.error
    assert (card.title, card.description, card.image_url) == ("", "", "")


def test_endless_redirects_stop_after_three(site):
    site.requests.clear()
    linkcards.refresh(site.base_url + "/giro/0")
    assert site.requests == ["/giro/0", "/giro/1", "/giro/2", "/giro/3"]


@pytest.mark.parametrize("path", ["/lenta", "/muta"])
def test_a_slow_or_silent_page_is_given_up_within_the_total_time(site, monkeypatch, path):
    monkeypatch.setattr(linkcards, "TOTAL_SECONDS", 1.0)
    started = time.monotonic()

    card = linkcards.refresh(site.base_url + path)

    assert "troppo lenta" in card.error
    assert time.monotonic() - started < 2.5


@override_settings(PRIVATE_HOSTS_ALLOWED=[])
@pytest.mark.parametrize("address", ["10.0.0.5", "127.0.0.1", "169.254.169.254", "192.168.1.1"])
def test_a_name_that_resolves_to_an_internal_address_is_refused(dns, address):
    dns["notizie.example.org"] = address
    card = linkcards.refresh("http://notizie.example.org/pagina")
    assert "rete interna" in card.error


@override_settings(PRIVATE_HOSTS_ALLOWED=["127.0.0.1"])
def test_a_redirect_to_an_internal_host_is_checked_again_and_refused(site, dns):
    dns["intranet.comune.test"] = "192.168.10.20"
    site.redirect_to = "http://intranet.comune.test/riservato"

    card = linkcards.refresh(site.base_url + "/redirect-out")

    assert "rete interna" in card.error


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "file:///etc/passwd", "http://u:p@example.org/", "javascript:x"]
)
def test_only_plain_http_addresses_are_fetched(url):
    assert linkcards.refresh(url).error


def test_a_redirect_to_another_scheme_is_refused(site):
    site.redirect_to = "file:///etc/passwd"
    assert "non http(s)" in linkcards.refresh(site.base_url + "/redirect-out").error


def test_the_parser_reads_only_the_head_and_keeps_fields_short():
    html = (
        "<head><meta property='og:title' content='" + "T" * 1000 + "'>"
        "<meta name='twitter:title' content='Secondo'></head>"
        "<body><meta property='og:description' content='Nel corpo'></body>"
    )
    card = linkcards.parse(html, base_url="https://example.org/")
    assert card["title"] == "T" * 300 and card["description"] == ""


def test_an_image_address_that_is_not_http_is_dropped():
    html = "<head><meta property='og:image' content='javascript:alert(1)'></head>"
    assert linkcards.parse(html, base_url="https://example.org/")["image_url"] == ""


def test_the_task_fetches_once_then_keeps_the_card_fresh(site):
    url = site.base_url + "/notizia"
    site.requests.clear()

    assert tasks.fetch_link_card(url=url) == "fetched"
    assert tasks.fetch_link_card(url=url) == "fresh"
    assert site.requests == ["/notizia"]

    LinkCard.objects.update(fetched_at=timezone.now() - timedelta(days=2))
    assert tasks.fetch_link_card(url=url) == "fetched"
