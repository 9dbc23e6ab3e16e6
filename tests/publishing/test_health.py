"""/healthz says "ok" only when publishing moves; the staff banner and one email say when not."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Heartbeat, PublishingIncident
from apps.crisis.models import Blackout
from apps.planning.enums import PostStatus
from apps.publishing import health
from apps.publishing.context_processors import STALL_CACHE_KEY
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from apps.publishing.services import schedule_deliveries
from tests.factories import ChannelFactory, PostFactory


def beat_seen(seconds_ago: float) -> None:
    now = timezone.now()
    Heartbeat.objects.update_or_create(
        name="beat",
        defaults={
            "role": "beat",
            "started_at": now - timedelta(hours=1),
            "seen_at": now - timedelta(seconds=seconds_ago),
        },
    )


def worker_seen(seconds_ago: float, *, name="worker@host", queues="default,scheduling,sends"):
    now = timezone.now()
    Heartbeat.objects.update_or_create(
        name=name,
        defaults={
            "role": "worker",
            "queues": queues,
            "started_at": now - timedelta(hours=1),
            "seen_at": now - timedelta(seconds=seconds_ago),
        },
    )


@pytest.fixture
def running(db):
    """Beat ticked a second ago, one worker for every queue was seen just now."""
    beat_seen(1)
    worker_seen(2)


@pytest.fixture(autouse=True)
def fresh_banner_cache():
    cache.delete(STALL_CACHE_KEY)
    yield
    cache.delete(STALL_CACHE_KEY)


def due_post(*, minutes_ago: float, status=PostStatus.APPROVED):
    post = PostFactory(
        channels=[ChannelFactory()],
        status=status,
        planned_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    schedule_deliveries(post=post)
    return post


@pytest.mark.django_db
def test_healthz_is_ok_when_beat_ticks_workers_run_and_nothing_is_overdue(client, running):
    due_post(minutes_ago=0.5)  # due, but well inside the threshold

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "beat": "ok",
        "workers": "ok",
        "deliveries": "ok",
    }


@pytest.mark.django_db
def test_healthz_answers_503_when_beat_has_not_ticked_for_three_intervals(client, running):
    # Three dispatch intervals, and never less than 15 s.
    beat_seen(16)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["beat"], body["workers"]) == ("unavailable", "stale", "ok")
    assert body["errors"]["beat"].startswith("beat last ticked 16 s ago")


@pytest.mark.django_db
def test_a_heartbeat_a_few_seconds_late_is_not_a_dead_beat(client, running):
    beat_seen(10)  # beat ticks every second, but a write may wait on a busy database

    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_answers_503_when_beat_never_ran(client):
    worker_seen(1)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["errors"] == {"beat": "beat has never ticked"}


@pytest.mark.django_db
def test_healthz_answers_503_when_no_worker_was_seen_for_a_minute(client, running):
    worker_seen(61)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert (body["beat"], body["workers"]) == ("ok", "missing")
    assert body["errors"] == {
        "workers": "no worker for queue(s) scheduling, sends seen in the last 60 s"
    }


@pytest.mark.django_db
def test_healthz_answers_503_when_only_the_queue_of_sends_has_no_worker(client, running):
    worker_seen(61)
    worker_seen(1, name="scheduling@host", queues="default,scheduling")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["errors"] == {
        "workers": "no worker for queue(s) sends seen in the last 60 s"
    }


@pytest.mark.django_db
def test_healthz_answers_503_when_a_delivery_is_overdue(client, running):
    post = due_post(minutes_ago=3)
    delivery = Delivery.objects.get(variant__post=post)

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert (body["beat"], body["workers"], body["deliveries"]) == ("ok", "ok", "overdue")
    assert body["errors"]["deliveries"].startswith(f"delivery {delivery.pk} has been due for 18")


@pytest.mark.django_db
def test_a_queued_delivery_whose_message_never_arrives_is_overdue_too(client, running):
    post = due_post(minutes_ago=3)
    Delivery.objects.filter(variant__post=post).update(
        state=DeliveryState.QUEUED, queued_at=timezone.now()
    )

    assert client.get("/healthz").json()["deliveries"] == "overdue"


@pytest.mark.django_db
def test_deliveries_held_in_a_blackout_or_backing_off_are_not_a_stall(client, running):
    now = timezone.now()
    Blackout.objects.create(
        kind="mourning",
        reason="Lutto cittadino",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    due_post(minutes_ago=10)
    retrying = due_post(minutes_ago=10)
    Delivery.objects.filter(variant__post=retrying).update(
        next_attempt_at=now + timedelta(minutes=5)
    )

    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_a_cancelled_or_sent_post_is_never_overdue(client, running):
    due_post(minutes_ago=10, status=PostStatus.CANCELLED)
    sent = due_post(minutes_ago=10)
    Delivery.objects.filter(variant__post=sent).update(state=DeliveryState.SENT)

    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_administrators_are_emailed_once_per_incident(client, running, admin_user, editor):
    beat_seen(600)
    for _check in range(3):
        assert client.get("/healthz").status_code == 503
    assert health.watch().ok is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [admin_user.email]
    assert message.subject == "PA Planner: le pubblicazioni sono ferme"
    assert "Le pubblicazioni sono ferme da 10 minuti: il servizio di invio non risponde." in (
        message.body
    )
    assert "celery beat" in message.body
    incident = PublishingIncident.objects.get()
    assert incident.notified_at is not None and incident.ended_at is None

    beat_seen(1)  # beat is back: the incident ends
    assert client.get("/healthz").status_code == 200
    incident.refresh_from_db()
    assert incident.ended_at is not None and incident.open_marker is None

    worker_seen(120)  # a new stall is a new incident, with its own email
    assert client.get("/healthz").status_code == 503
    assert len(mail.outbox) == 2
    assert PublishingIncident.objects.filter(open_marker="open").count() == 1


@pytest.mark.django_db
def test_the_staff_banner_says_how_long_publishing_has_been_stopped(editor_client, running):
    due_post(minutes_ago=1)
    beat_seen(4 * 60 + 10)

    body = editor_client.get(reverse("home")).content.decode()

    assert "Le pubblicazioni sono ferme da 4 minuti: il servizio di invio non risponde." in body
    assert 'id="publishing-stall-banner"' in body


@pytest.mark.django_db
def test_the_banner_names_a_backlog_when_beat_and_workers_run(editor_client, running):
    due_post(minutes_ago=5)

    body = editor_client.get(reverse("home")).content.decode()

    assert "Le pubblicazioni sono in ritardo di 5 minuti" in body


@pytest.mark.django_db
def test_no_banner_while_publishing_moves_or_when_nothing_waits(editor_client, running):
    due_post(minutes_ago=0.5)
    assert "publishing-stall-banner" not in editor_client.get(reverse("home")).content.decode()

    cache.delete(STALL_CACHE_KEY)
    Delivery.objects.update(state=DeliveryState.SENT)
    beat_seen(600)  # beat is down, but nothing is waiting to go out
    assert "publishing-stall-banner" not in editor_client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_citizens_and_outsiders_never_see_the_banner(client, outsider, running):
    due_post(minutes_ago=1)
    beat_seen(600)

    public = client.get(reverse("events:public_list")).content.decode()
    client.force_login(outsider)
    logged_in = client.get(reverse("events:public_list")).content.decode()

    assert "publishing-stall-banner" not in public
    assert "publishing-stall-banner" not in logged_in


@pytest.mark.django_db
@pytest.mark.parametrize("public_url", ["website_feed:list", "newsletter:subscribe"])
def test_staff_do_not_see_the_banner_on_the_news_feed_or_the_newsletter_page(
    editor_client, running, public_url
):
    due_post(minutes_ago=1)
    beat_seen(600)

    staff_page = editor_client.get(reverse("planning:calendar")).content.decode()
    public_page = editor_client.get(reverse(public_url))

    assert 'id="publishing-stall-banner"' in staff_page
    assert public_page.status_code == 200
    assert "publishing-stall-banner" not in public_page.content.decode()


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_unreachable_broker(client, monkeypatch, running):
    from pa_planner.celery import app

    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    original = app.conf.broker_url, app.conf.broker_transport
    # Nothing listens on port 1. The transport is reset too: the embedded default names one.
    app.conf.broker_url, app.conf.broker_transport = "redis://127.0.0.1:1/0", None
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url, app.conf.broker_transport = original
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"] == "unreachable"
    assert list(body["errors"]) == ["broker"]


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_unreachable_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "unreachable"
    assert (body["beat"], body["workers"], body["deliveries"]) == ("unknown",) * 3
