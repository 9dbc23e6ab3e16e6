"""The demo's feeds are what a calendar application would read: checked by both parsers."""

import io

import ics
import pytest
from django.core.management import call_command

from apps.events.ical import summary
from apps.events.models import Event, EventStatus

from .conftest import vevents

pytestmark = pytest.mark.django_db


def test_the_demo_feed_shows_the_demo_events_to_both_parsers(client):
    call_command("load_demo", stdout=io.StringIO())
    body = client.get("/eventi/feed.ics").content
    published = {summary(e) for e in Event.objects.filter(published=True)}
    assert {str(e["SUMMARY"]) for e in vevents(body)} == published
    assert {e.name for e in ics.Calendar(body.decode()).events} == published
    statuses = {str(e["SUMMARY"]): str(e["STATUS"]) for e in vevents(body)}
    assert statuses["ANNULLATO – Torneo giovanile di pallavolo"] == "CANCELLED"
    assert statuses["RINVIATO – Cinema per ragazzi all'auditorium"] == "TENTATIVE"
    assert "RRULE" in {k for e in vevents(body) for k in e}
    assert Event.objects.filter(status=EventStatus.CANCELLED).count() == 1
    market = client.get("/eventi/feed/mercati.ics").content
    assert {str(e["SUMMARY"]) for e in vevents(market)} == {
        "Mercato settimanale del sabato",
        "Fiera d'autunno: artigianato e sapori",
    }
