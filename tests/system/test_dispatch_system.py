"""Real processes: Celery beat and two workers publish to local channel API servers.

What is checked is what a citizen would see: each post appears once on each channel, at its
time; a worker killed mid-send neither loses nor duplicates anything.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.channels.enums import ChannelKind
from apps.channels.models import Channel
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import ChannelCredential, Delivery
from apps.publishing.services import schedule_deliveries
from tests.channel_servers import start_server
from tests.factories import PostFactory
from tests.system.harness import wait_for

# Transactional: real worker processes read what the test wrote. The role groups and other
# reference rows come back after each flush (tests/conftest.py).
pytestmark = [
    pytest.mark.system,
    pytest.mark.django_db(transaction=True),
]

# Short thresholds so the sweeper acts within the test's patience. The sweeper never judges a
# send dead before Celery's hard time limit (+2 s), so the limits are short too; the soft
# limit stays above the local servers' read timeout (3 s).
SYSTEM_ENV = {
    "PA_PLANNER_PUBLISH_RETRY_BASE": "0.5",
    "PA_PLANNER_PUBLISH_QUEUED_TIMEOUT": "4",
    "PA_PLANNER_CELERY_SOFT_TIME_LIMIT": "5",
    "PA_PLANNER_CELERY_TIME_LIMIT": "6",
    "PA_PLANNER_PUBLISH_SENDING_TIMEOUT": "8",
    "PA_PLANNER_PUBLISH_MAX_ATTEMPTS": "10",  # kills must not use up the attempts
    # Small batches: a burst is many messages, shared by both workers, each batch concurrent.
    "PA_PLANNER_PUBLISH_SEND_BATCH": "4",
}
SETTLED = {D.SENT, D.FAILED, D.NEEDS_CHECK}
DISPATCH_RECEIVED = "Task publishing.dispatch_due["


@pytest.fixture(scope="module")
def servers():
    started = {kind: start_server(kind) for kind in (ChannelKind.MASTODON, ChannelKind.TELEGRAM)}
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture
def live_channels(servers, transactional_db):
    """One channel per local server, configured and with its credential."""
    made = {}
    for kind, server in servers.items():
        server.reset()
        channel = Channel.objects.create(name=f"{kind} di prova", kind=kind, config=server.config)
        ChannelCredential.objects.create(channel=channel, secret=server.token)
        made[kind] = channel
    return made


def approved_post(live_channels, *, in_seconds: float, text: str):
    post = PostFactory(
        title=text[:60],
        base_text=text,
        status=PostStatus.APPROVED,
        planned_at=timezone.now() + timedelta(seconds=in_seconds),
        channels=list(live_channels.values()),
    )
    schedule_deliveries(post=post)
    return post


def states(posts) -> list[str]:
    return list(Delivery.objects.filter(variant__post__in=posts).values_list("state", flat=True))


def all_settled(posts):
    found = states(posts)
    return found and all(state in SETTLED for state in found)


def test_an_approved_post_due_in_two_seconds_goes_out_once_on_each_channel_at_its_time(
    stack, servers, live_channels
):
    text = "Da lunedì la biblioteca civica apre anche il sabato mattina. #BibliotecaAperta"
    post = approved_post(live_channels, in_seconds=2, text=text)

    wait_for(lambda: states([post]) == [D.SENT, D.SENT], timeout=25, what="both channels sent")

    for kind, server in servers.items():
        assert server.published_texts() == [text], kind
    for delivery in Delivery.objects.filter(variant__post=post):
        lateness = (delivery.sending_started_at - delivery.due_at).total_seconds()
        assert 0 <= lateness < 4, lateness
        assert delivery.external_id
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_a_transient_500_then_success_publishes_once(stack, servers, live_channels):
    servers[ChannelKind.TELEGRAM].fail_next(1, "500")
    text = "Raccolta ingombranti: prenota il ritiro gratuito entro venerdì."
    post = approved_post(live_channels, in_seconds=0, text=text)

    wait_for(lambda: states([post]) == [D.SENT, D.SENT], timeout=25, what="both sent")

    assert servers[ChannelKind.TELEGRAM].published_texts() == [text]
    telegram = Delivery.objects.get(variant__post=post, variant__channel__kind="telegram")
    assert telegram.attempts == 2


def test_two_workers_send_a_burst_exactly_once(stack, servers, live_channels):
    texts = [f"Avviso {n}: lavori in via Roma, senso unico alternato." for n in range(15)]
    posts = [approved_post(live_channels, in_seconds=1, text=text) for text in texts]

    wait_for(lambda: states(posts).count(D.SENT) == 2 * len(texts), timeout=40, what="burst sent")

    for kind, server in servers.items():
        assert sorted(server.published_texts()) == sorted(texts), kind
    worker_logs = [stack.logs[name].read_text() for name in ("worker1", "worker2")]
    took_part = ["Task publishing.send_batch[" in log for log in worker_logs]
    if "--pool=threads" in stack.worker_args:
        # Eight threads each: one worker may reserve every batch of the burst before the other
        # asks; the kill test below is the one that needs both.
        assert any(took_part)
    else:
        assert all(took_part)


def test_workers_killed_mid_send_lose_nothing_and_send_nothing_twice(stack, servers, live_channels):
    for server in servers.values():
        # The first sends publish, then hang: the kill lands mid-send, after the item exists.
        server.fail_next(2, "hang", after_processing=True)
    texts = [f"Allerta meteo gialla n. {n}: evitate i sottopassi." for n in range(8)]
    posts = [approved_post(live_channels, in_seconds=0, text=text) for text in texts]

    wait_for(lambda: D.SENDING in states(posts), timeout=20, what="a send in progress")
    for _round in range(2):
        stack.kill("worker1")
        stack.kill("worker2")
        stack.start_worker("worker1")
        stack.start_worker("worker2")
        stack.wait_until_ready()
        # The next kill lands on the next send in progress (or after the burst, if none is).
        wait_for(
            lambda: D.SENDING in states(posts) or all_settled(posts),
            timeout=15,
            interval=0.05,
            what="another send in progress",
        )

    wait_for(
        lambda: all_settled(posts),
        timeout=40,
        interval=0.5,
        what=lambda: f"settled: {states(posts)}",
    )

    assert D.FAILED not in states(posts)
    # The kill did land mid-send: the sweeper had to reconcile or hand something to a person.
    assert AuditEntry.objects.filter(
        action__in=["delivery.reconcile", "delivery.needs_check"], post_id__in=[p.pk for p in posts]
    ).exists()
    for kind, server in servers.items():
        published = server.published_texts()
        assert len(published) == len(set(published)), f"{kind} duplicated: {published}"
        for delivery in Delivery.objects.filter(
            variant__post__in=posts, variant__channel__kind=kind
        ):
            count = published.count(delivery.variant.text)
            if delivery.state == D.SENT:
                assert count == 1, (kind, delivery.variant.text)
            else:
                assert delivery.state == D.NEEDS_CHECK
                assert count <= 1


def test_a_crisis_declared_mid_burst_stops_every_send_not_yet_started(
    stack, servers, live_channels
):
    from apps.accounts.roles import Role
    from apps.crisis_response.services import declare_crisis
    from tests.factories import UserFactory

    # Each answer takes 0.3 s, as a real API's do, and the posts fall due over ten seconds:
    # a batch sends everything due at once, so only a burst spread over several ticks has
    # sends both before and after the declaration.
    for server in servers.values():
        server.answer_delay = 0.3
    texts = [f"Sagra della castagna, giorno {n}: programma e orari." for n in range(20)]
    posts = [
        approved_post(live_channels, in_seconds=n // 2, text=text) for n, text in enumerate(texts)
    ]
    wait_for(lambda: D.SENT in states(posts), timeout=20, what="a first send")

    declare_crisis(
        by=UserFactory(role=Role.APPROVER), reason="Esondazione del torrente: allerta rossa"
    )
    # Two dispatcher ticks after the declaration (polled, not slept): nothing new may start.
    ticks = stack.count_in_worker_logs(DISPATCH_RECEIVED)
    wait_for(
        lambda: stack.count_in_worker_logs(DISPATCH_RECEIVED) >= ticks + 2,
        timeout=15,
        what="two dispatcher ticks after the declaration",
    )
    wait_for(
        lambda: not {D.QUEUED, D.SENDING} & set(states(posts)), timeout=20, what="sends finished"
    )

    declared = AuditEntry.objects.get(action="crisis.declared")
    assert not AuditEntry.objects.filter(action="delivery.sending", id__gt=declared.id).exists()
    assert D.SENT in states(posts) and set(states(posts)) != {D.SENT}
    for kind, server in servers.items():
        sent = Delivery.objects.filter(
            variant__post__in=posts, variant__channel__kind=kind, state=D.SENT
        ).values_list("variant__text", flat=True)
        assert sorted(server.published_texts()) == sorted(sent), kind
