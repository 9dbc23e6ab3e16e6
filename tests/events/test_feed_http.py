"""The feeds over HTTP (issue 21): compression with an ETag per encoding, headers RFC 9110
asks for, a version per feed, and one rebuild per change however many clients poll."""

import gzip
import threading
import time

import pytest
from django.core.cache import cache

from apps.events import feeds
from apps.events.models import EventCategory
from apps.events.services import update_event

from .conftest import flush_caches, make_event, vevents

pytestmark = pytest.mark.django_db
FEED = "/eventi/feed.ics"
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


def test_a_client_that_accepts_gzip_gets_the_feed_compressed_with_its_own_etag(client, cultura):
    make_event(category=cultura, title="Mostra", description="Una descrizione. " * 200)
    plain = client.get(FEED)
    compressed = client.get(FEED, **GZIP)
    assert compressed["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) * 5 < len(plain.content)
    assert compressed["Content-Length"] == str(len(compressed.content))
    assert compressed["ETag"] != plain["ETag"]
    assert "accept-encoding" in _vary(plain) and "accept-encoding" in _vary(compressed)


@pytest.mark.parametrize(
    "accept_encoding", ["gzip;q=0", "identity", "br", "gzip;q=0, *;q=1", "", "gzip;q=x"]
)
def test_without_gzip_accepted_the_feed_is_sent_plain(client, cultura, accept_encoding):
    make_event(category=cultura)
    response = client.get(FEED, HTTP_ACCEPT_ENCODING=accept_encoding)
    assert "Content-Encoding" not in response
    assert len(vevents(response.content)) == 1


def test_each_etag_validates_only_its_own_encoding(client, cultura):
    make_event(category=cultura)
    plain_tag = client.get(FEED)["ETag"]
    gzip_tag = client.get(FEED, **GZIP)["ETag"]
    assert client.get(FEED, HTTP_IF_NONE_MATCH=gzip_tag, **GZIP).status_code == 304
    assert client.get(FEED, HTTP_IF_NONE_MATCH=plain_tag).status_code == 304
    # A stored plain body does not validate a compressed answer, nor the other way round.
    assert client.get(FEED, HTTP_IF_NONE_MATCH=plain_tag, **GZIP).status_code == 200
    assert client.get(FEED, HTTP_IF_NONE_MATCH=gzip_tag).status_code == 200


def test_a_304_has_no_content_length(client, cultura):
    make_event(category=cultura)
    etag = client.get(FEED, **GZIP)["ETag"]
    response = client.get(FEED, HTTP_IF_NONE_MATCH=etag, **GZIP)
    assert response.status_code == 304
    assert "Content-Length" not in response
    assert response["ETag"] == etag
    assert "accept-encoding" in _vary(response)


def test_the_italian_feed_says_italian_and_does_not_vary_by_language(client, cultura):
    make_event(category=cultura)
    for language in ("en", "it", "de"):
        response = client.get(FEED, HTTP_ACCEPT_LANGUAGE=language)
        assert response["Content-Language"] == "it"
        assert "accept-language" not in _vary(response)
    assert client.get(FEED, HTTP_ACCEPT_LANGUAGE="en").content == client.get(FEED).content


def test_an_unrelated_change_keeps_a_category_feeds_etag(client, cultura, mercati):
    sport = EventCategory.objects.get(slug="sport")
    make_event(category=sport, title="Torneo")
    concert = make_event(category=cultura, title="Concerto")
    before = {url: client.get(url)["ETag"] for url in ("/eventi/feed/sport.ics", FEED)}
    mercati.retired = True
    mercati.save(update_fields=["retired", "updated_at"])
    update_event(event=concert, by=None, title="Concerto d'estate")
    assert client.get("/eventi/feed/sport.ics")["ETag"] == before["/eventi/feed/sport.ics"]
    assert client.get(FEED)["ETag"] != before[FEED]


def test_a_change_in_a_category_changes_that_feeds_etag(client, cultura):
    concert = make_event(category=cultura, title="Concerto")
    before = client.get("/eventi/feed/cultura.ics")["ETag"]
    update_event(event=concert, by=None, title="Concerto d'estate")
    response = client.get("/eventi/feed/cultura.ics", HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200
    assert [str(e["SUMMARY"]) for e in vevents(response.content)] == ["Concerto d'estate"]


def test_public_pages_are_compressed_for_clients_that_ask(client, cultura):
    event = make_event(category=cultura, description="Testo lungo. " * 100)
    for url in ("/eventi/", f"/eventi/{event.pk}/", "/eventi/abbonati/"):
        response = client.get(url, **GZIP)
        assert response.status_code == 200
        assert response["Content-Encoding"] == "gzip", url
        assert b"</html>" in gzip.decompress(response.content)


class _SlowBuilds:
    """Stands in for the database build, slowly, counting the builds."""

    def __init__(self, seconds: float):
        self.seconds, self.count, self.lock = seconds, 0, threading.Lock()

    def __call__(self, slug=None, *, now=None):
        with self.lock:
            self.count += 1
        time.sleep(self.seconds)
        return b"BEGIN:VCALENDAR\r\nX-BUILT:new\r\nEND:VCALENDAR\r\n"


def _changed_feed(client, cultura):
    """A served feed, then a change: the next request finds its body out of date."""
    event = make_event(category=cultura, title="Mostra")
    old = client.get(FEED)
    update_event(event=event, by=None, title="Mostra fotografica")
    feeds._version()  # the new version, read once here (the threads below reuse it)
    return old


def test_after_a_change_concurrent_polls_rebuild_once_and_serve_the_old_body_meanwhile(
    client, cultura, monkeypatch
):
    old = _changed_feed(client, cultura)
    builds = _SlowBuilds(0.5)
    monkeypatch.setattr(feeds, "build_feed_body", builds)
    served = []

    def poll():
        body = feeds.current_feed(None)
        served.append((body.etag(gzipped=False), body.identity))

    threads = [threading.Thread(target=poll) for _ in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds.count == 1
    new = feeds.current_feed(None)
    assert new.identity.startswith(b"BEGIN:VCALENDAR\r\nX-BUILT:new")
    # Seven polls did not wait for the build: they had the old body with the old ETag.
    waited = [body for _etag, body in served if body == new.identity]
    assert len(waited) == 1
    assert sorted(set(served)) == sorted(
        {(old["ETag"], old.content), (new.etag(gzipped=False), new.identity)}
    )
    assert time.monotonic() - started < 2.0


def test_while_another_process_builds_the_old_body_is_served_without_building(
    client, cultura, monkeypatch
):
    old = _changed_feed(client, cultura)
    builds = _SlowBuilds(0)
    monkeypatch.setattr(feeds, "build_feed_body", builds)
    cache.add(feeds._lock_key(feeds.ALL), "another process", 60)
    response = client.get(FEED)
    assert (response["ETag"], response.content) == (old["ETag"], old.content)
    assert builds.count == 0
    cache.delete(feeds._lock_key(feeds.ALL))
    assert client.get(FEED).content.startswith(b"BEGIN:VCALENDAR\r\nX-BUILT:new")
    assert builds.count == 1


def test_a_process_with_nothing_older_waits_for_the_other_builder(client, cultura, monkeypatch):
    _changed_feed(client, cultura)
    flush_caches()  # a process that just started: no body of its own
    feeds._version()
    cache.add(feeds._lock_key(feeds.ALL), "another process", 60)
    builds = _SlowBuilds(0)
    monkeypatch.setattr(feeds, "build_feed_body", builds)
    version = feeds._version()["scopes"][feeds.ALL][0]
    day = feeds._today()[0]

    def other_process_finishes():
        time.sleep(0.3)
        body = b"BEGIN:VCALENDAR\r\nX-BUILT:elsewhere\r\nEND:VCALENDAR\r\n"
        cache.set(feeds._body_key(feeds.ALL, version, day), gzip.compress(body), 60)

    thread = threading.Thread(target=other_process_finishes)
    thread.start()
    body = feeds.current_feed(None)
    thread.join()
    assert body.identity.startswith(b"BEGIN:VCALENDAR\r\nX-BUILT:elsewhere")
    assert builds.count == 0


def test_translated_pages_still_vary_by_language(client):
    response = client.get("/eventi/", HTTP_ACCEPT_LANGUAGE="en")
    assert "accept-language" in _vary(response)
    assert response["Content-Language"] == "en"
