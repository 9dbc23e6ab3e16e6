"""Outgoing event webhooks: what is collected from the audit log, how each delivery is signed,
retried, recorded and resent, and when a failing webhook is switched off."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.audit.services import record
from apps.crisis.models import Blackout
from apps.events.services import cancel_event, create_event
from apps.notifications.enums import Kind
from apps.notifications.models import Notification
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from apps.publishing.services import schedule_deliveries
from apps.webhooks import services, tasks
from apps.webhooks.enums import DeliveryState, EventType
from apps.webhooks.models import Webhook, WebhookDelivery
from tests.factories import ChannelFactory, EventCategoryFactory, PostFactory

pytestmark = pytest.mark.django_db

ALL = list(EventType.values)


def webhook_for(receiver, admin_user, events=ALL) -> Webhook:
    webhook, secret = services.create_webhook(
        by=admin_user, name="App del Comune", url=receiver.url, events=events
    )
    webhook.secret = secret
    Webhook.objects.filter(pk=webhook.pk).update(secret=receiver.token)
    webhook.refresh_from_db()
    return webhook


def settled(now=None):
    """A moment after everything recorded so far (the collector leaves the newest second)."""
    return (now or timezone.now()) + timedelta(seconds=5)


def make_event(by, title="Concerto in piazza"):
    start = timezone.now() + timedelta(days=3)
    return create_event(
        by=by,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        category=EventCategoryFactory(),
    )


def send_all_due(now=None):
    for pk in services.due_ids(now=now):
        services.send_delivery(pk)


def test_the_secret_is_returned_once_and_stored_encrypted(admin_user, receiver):
    webhook, secret = services.create_webhook(
        by=admin_user, name="Sito", url=receiver.url, events=[EventType.EVENT_CREATED]
    )
    assert secret.startswith("whsec_") and len(secret) > 40
    stored = Webhook.objects.filter(pk=webhook.pk).values_list("secret", flat=True)
    assert Webhook.objects.get(pk=webhook.pk).secret == secret
    raw = AuditEntry.objects.filter(action="webhook.created").get()
    assert secret not in raw.summary
    assert stored  # read back decrypted through the field


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/hook", "javascript:alert(1)", "example.org/hook", "https://u:p@a.example/"],
)
def test_only_web_addresses_without_credentials_are_accepted(admin_user, url):
    with pytest.raises(services.WebhookError):
        services.create_webhook(by=admin_user, name="X", url=url, events=ALL)


@override_settings(PRIVATE_HOSTS_ALLOWED=[])
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/h", "http://169.254.169.254/latest", "http://[::1]/h"]
)
def test_internal_addresses_are_refused_unless_allowed(admin_user, url):
    with pytest.raises(services.WebhookError, match="rete interna"):
        services.create_webhook(by=admin_user, name="X", url=url, events=ALL)


@override_settings(PRODUCTION_MODE=True)
def test_in_production_only_https_is_accepted(admin_user):
    with pytest.raises(services.WebhookError, match="https"):
        services.create_webhook(by=admin_user, name="X", url="http://a.example/h", events=ALL)


def test_a_tick_builds_one_delivery_per_chosen_event_and_twice_builds_nothing_more(
    admin_user, receiver
):
    webhook = webhook_for(receiver, admin_user, events=[EventType.EVENT_CREATED])
    event = make_event(admin_user)
    record(action="post.approved", actor=admin_user, obj=PostFactory())  # not chosen

    assert services.collect_events(now=settled()) == 1
    assert services.collect_events(now=settled()) == 0

    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook == webhook
    assert delivery.event == EventType.EVENT_CREATED
    assert delivery.payload["data"]["event"]["title"] == "Concerto in piazza"
    assert delivery.payload["data"]["event"]["uid"] == str(event.uid)


def test_events_before_a_webhook_existed_are_not_sent_to_it(admin_user, receiver):
    make_event(admin_user, "Prima del webhook")
    webhook_for(receiver, admin_user)
    make_event(admin_user, "Dopo il webhook")

    services.collect_events(now=settled())

    titles = [d.payload["data"]["event"]["title"] for d in WebhookDelivery.objects.all()]
    assert titles == ["Dopo il webhook"]


def test_event_changes_and_cancellations_are_told(admin_user, receiver):
    webhook_for(receiver, admin_user)
    event = make_event(admin_user)
    cancel_event(event=event, by=admin_user)

    services.collect_events(now=settled())
    send_all_due()

    assert receiver.events() == [EventType.EVENT_CREATED, EventType.EVENT_CANCELLED]


def test_a_published_post_carries_its_public_urls(admin_user, receiver):
    webhook_for(receiver, admin_user, events=[EventType.POST_PUBLISHED])
    post = PostFactory(status=PostStatus.APPROVED, channels=[ChannelFactory()])
    schedule_deliveries(post=post)
    Delivery.objects.update(state=D.SENT, external_url="https://mastodon.example/@comune/1")
    record(action="post.published", obj=post)

    services.collect_events(now=settled())
    send_all_due()

    (item,) = receiver.items
    assert item["data"]["post"]["id"] == post.pk
    assert item["data"]["public_urls"][0]["url"] == "https://mastodon.example/@comune/1"


def test_a_blackout_is_told_when_it_starts_not_when_it_is_created(admin_user, receiver):
    webhook_for(receiver, admin_user, events=[EventType.BLACKOUT_STARTED])
    start = timezone.now() + timedelta(minutes=10)
    Blackout.objects.create(
        kind="mourning", reason="Lutto cittadino", starts_at=start, ends_at=start + timedelta(1)
    )

    assert services.collect_events(now=settled()) == 0
    assert services.collect_events(now=start + timedelta(seconds=1)) == 1
    assert services.collect_events(now=start + timedelta(seconds=30)) == 0
    assert WebhookDelivery.objects.get().payload["data"]["blackout"]["reason"] == "Lutto cittadino"


def test_each_delivery_is_signed_with_a_timestamp_the_receiver_verifies(admin_user, receiver):
    webhook_for(receiver, admin_user)
    make_event(admin_user)
    services.collect_events(now=settled())

    send_all_due()

    (request,) = receiver.requests
    assert receiver.signature_ok(request) and receiver.fresh(request)
    assert request.header("x-pa-planner-event") == "event.created"
    delivery = WebhookDelivery.objects.get()
    assert request.header("idempotency-key") == str(delivery.uid)
    assert (delivery.status, delivery.last_status, delivery.attempts) == (
        DeliveryState.SENT,
        200,
        1,
    )


def test_a_wrong_secret_is_recorded_as_the_receivers_401(admin_user, receiver):
    webhook = webhook_for(receiver, admin_user)
    Webhook.objects.filter(pk=webhook.pk).update(secret="whsec_another")
    make_event(admin_user)
    services.collect_events(now=settled())

    send_all_due()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status) == (DeliveryState.PENDING, 401)
    assert delivery.next_attempt_at > timezone.now()


@override_settings(WEBHOOKS_RETRY_BASE_SECONDS=10, WEBHOOKS_RETRY_MAX_SECONDS=1000)
def test_a_500_is_retried_with_growing_waits_then_delivered(admin_user, receiver):
    webhook_for(receiver, admin_user)
    make_event(admin_user)
    services.collect_events(now=settled())
    receiver.fail_next(2, "500")

    waits = []
    for _attempt in range(3):
        before = timezone.now()
        (pk,) = services.due_ids(now=before + timedelta(days=1))
        WebhookDelivery.objects.filter(pk=pk).update(next_attempt_at=before)
        services.send_delivery(pk)
        waits.append((WebhookDelivery.objects.get().next_attempt_at - before).total_seconds())

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("sent", 3, 200)
    assert 9 <= waits[0] <= 11 and 18 <= waits[1] <= 22
    assert len(receiver.items) == 1


def test_a_claimed_delivery_is_not_sent_twice(admin_user, receiver):
    webhook_for(receiver, admin_user)
    make_event(admin_user)
    services.collect_events(now=settled())
    (pk,) = services.due_ids()

    assert services.send_delivery(pk) == "sent"
    assert services.send_delivery(pk) == "skipped"
    assert len(receiver.requests) == 1


@override_settings(WEBHOOKS_MAX_ATTEMPTS=2)
def test_a_delivery_gives_up_after_the_last_attempt(admin_user, receiver):
    webhook_for(receiver, admin_user)
    make_event(admin_user)
    services.collect_events(now=settled())
    receiver.fail_next(5, "500")

    for _attempt in range(2):
        WebhookDelivery.objects.update(next_attempt_at=timezone.now())
        send_all_due()

    assert WebhookDelivery.objects.get().status == DeliveryState.FAILED
    assert services.due_ids(now=settled(settled())) == []


@override_settings(WEBHOOKS_DISABLE_AFTER=3, WEBHOOKS_MAX_ATTEMPTS=10)
def test_a_webhook_failing_n_times_in_a_row_is_disabled_and_administrators_told(
    admin_user, receiver, django_capture_on_commit_callbacks
):
    webhook = webhook_for(receiver, admin_user)
    make_event(admin_user)
    services.collect_events(now=settled())
    receiver.fail_next(10, "500")

    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(4):
            WebhookDelivery.objects.update(next_attempt_at=timezone.now())
            send_all_due()

    webhook.refresh_from_db()
    assert not webhook.active and "3" in webhook.disabled_reason
    assert len(receiver.requests) == 3  # nothing is sent to a disabled webhook
    note = Notification.objects.get(kind=Kind.WEBHOOK_DISABLED)
    assert note.user == admin_user and note.url == reverse("webhooks:detail", args=[webhook.pk])
    assert AuditEntry.objects.filter(action="webhook.auto_disabled").count() == 1


def test_a_success_resets_the_count_of_failures(admin_user, receiver):
    webhook = webhook_for(receiver, admin_user)
    make_event(admin_user)
    services.collect_events(now=settled())
    receiver.fail_next(1, "500")
    send_all_due()
    assert Webhook.objects.get(pk=webhook.pk).consecutive_failures == 1

    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    send_all_due()

    assert Webhook.objects.get(pk=webhook.pk).consecutive_failures == 0


def test_at_send_time_an_address_that_became_internal_is_refused(admin_user, receiver):
    webhook = webhook_for(receiver, admin_user)
    make_event(admin_user)
    services.collect_events(now=settled())

    with override_settings(PRIVATE_HOSTS_ALLOWED=[]):
        send_all_due()

    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert delivery.last_status is None and "rete interna" in delivery.last_error


def test_the_tick_task_queues_each_due_delivery(
    admin_user, receiver, tasks_run_at_once, django_capture_on_commit_callbacks
):
    webhook_for(receiver, admin_user)
    make_event(admin_user)
    services.collect_events(now=settled())

    with django_capture_on_commit_callbacks(execute=True):
        tasks.tick()

    assert receiver.events() == [EventType.EVENT_CREATED]


# --- Pages ------------------------------------------------------------------------------------


def test_an_administrator_registers_a_webhook_and_sees_its_secret_once(admin_client_, receiver):
    response = admin_client_.post(
        reverse("webhooks:create"),
        {"name": "Intranet", "url": receiver.url, "events": ["event.created", "crisis.declared"]},
    )

    assert response.status_code == 200
    webhook = Webhook.objects.get()
    assert webhook.secret in response.content.decode()
    assert webhook.events == ["crisis.declared", "event.created"]
    again = admin_client_.get(reverse("webhooks:list")).content.decode()
    assert webhook.secret not in again and "Intranet" in again


def test_a_refused_address_keeps_what_was_typed(admin_client_):
    response = admin_client_.post(
        reverse("webhooks:create"),
        {"name": "Intranet", "url": "ftp://x.example/h", "events": ["event.created"]},
    )

    assert response.status_code == 400
    assert 'value="Intranet"' in response.content.decode()
    assert not Webhook.objects.exists()


def test_the_page_lists_deliveries_with_codes_and_resends_one(
    admin_client_, admin_user, receiver, django_capture_on_commit_callbacks
):
    webhook = webhook_for(receiver, admin_user)
    make_event(admin_user)
    services.collect_events(now=settled())
    receiver.fail_next(1, "500")
    send_all_due()
    delivery = WebhookDelivery.objects.get()

    page = admin_client_.get(reverse("webhooks:detail", args=[webhook.pk])).content.decode()
    assert "500" in page and "Invia di nuovo" in page

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post(reverse("webhooks:resend", args=[webhook.pk, delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryState.PENDING and delivery.attempts == 0
    assert AuditEntry.objects.filter(action="webhook.resent", actor=admin_user).exists()


def test_a_disabled_webhook_is_switched_back_on_from_its_page(admin_client_, admin_user, receiver):
    webhook = webhook_for(receiver, admin_user)
    admin_client_.post(reverse("webhooks:toggle", args=[webhook.pk]))
    webhook.refresh_from_db()
    assert not webhook.active

    admin_client_.post(reverse("webhooks:toggle", args=[webhook.pk]))
    webhook.refresh_from_db()
    assert webhook.active and webhook.consecutive_failures == 0


def test_a_blackout_created_already_running_is_told_once(admin_user, receiver):
    webhook_for(receiver, admin_user, events=[EventType.BLACKOUT_STARTED])
    start = timezone.now() - timedelta(minutes=5)
    blackout = Blackout.objects.create(
        kind="mourning", reason="Lutto cittadino", starts_at=start, ends_at=start + timedelta(1)
    )
    record(action="blackout.created", actor=admin_user, obj=blackout)

    assert services.collect_events(now=settled()) == 1
    assert services.collect_events(now=settled()) == 0
    assert WebhookDelivery.objects.get().event == EventType.BLACKOUT_STARTED


def test_without_active_webhooks_a_tick_reads_and_writes_nothing(
    admin_user, django_assert_num_queries
):
    make_event(admin_user)
    with django_assert_num_queries(1):
        assert services.collect_events(now=settled()) == 0


def test_a_webhook_created_after_a_long_idle_time_starts_from_now(admin_user, receiver):
    webhook = webhook_for(receiver, admin_user)
    services.set_active(webhook, active=False, by=admin_user)
    for n in range(3):
        make_event(admin_user, f"Evento {n} mentre nessuno ascolta")

    services.set_active(webhook, active=True, by=admin_user)

    assert services.collect_events(now=settled()) == 0


@override_settings(WEBHOOKS_KEEP_DAYS=90)
def test_the_delivery_log_keeps_ninety_days_of_settled_deliveries(admin_user, receiver):
    webhook = webhook_for(receiver, admin_user)
    old = timezone.now() - timedelta(days=91)
    for n, state in enumerate([DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.PENDING]):
        row = WebhookDelivery.objects.create(
            webhook=webhook,
            event_key=f"k{n}",
            event="event.created",
            status=state,
            next_attempt_at=old,
        )
        WebhookDelivery.objects.filter(pk=row.pk).update(created_at=old)
    WebhookDelivery.objects.create(
        webhook=webhook,
        event_key="new",
        event="event.created",
        status=DeliveryState.SENT,
        next_attempt_at=old,
    )

    assert tasks.purge_old() == 2
    assert sorted(WebhookDelivery.objects.values_list("event_key", flat=True)) == ["k2", "new"]
