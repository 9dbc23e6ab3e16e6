"""Real processes: /healthz sees beat and the workers stop, and the split queues publish.

Beat, one worker for beat's tasks (``scheduling``) and one for sends, as the README tells an
operator to run them; heartbeats every second, and health limits of a few seconds.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.channels.models import Channel
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import ChannelCredential, Delivery
from apps.publishing.services import schedule_deliveries
from tests.channel_servers import start_server
from tests.factories import PostFactory
from tests.system.harness import CeleryStack, wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]
# The README's sends worker: the thread pool.
SENDS_WORKER_ARGS = ("--pool=threads", "--concurrency=32")


@pytest.fixture(scope="module")
def split_stack(django_db_setup, tmp_path_factory):
    stack = CeleryStack(
        tmp_path_factory.mktemp("celery-health"), extra_env={"PA_PLANNER_HEARTBEAT_SECONDS": "1"}
    )
    stack.start_worker("scheduler", queues=("default", "scheduling"))
    stack.start_worker("sender", queues=("sends",), args=SENDS_WORKER_ARGS)
    stack.start_beat()
    try:
        stack.wait_until_ready()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def stack(split_stack, request, settings):
    # The dispatch interval is 1 s in the harness: beat is stale after 3 s; workers after 4 s.
    settings.HEALTH_BEAT_STALE_SECONDS = 3
    settings.HEALTH_WORKER_STALE_SECONDS = 4
    yield split_stack
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(split_stack.tail())


def healthz(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    return response.status_code, response.json()


def test_health_is_ok_while_everything_runs_and_a_post_goes_out_through_both_queues(stack, client):
    server = start_server(ChannelKind.TELEGRAM)
    try:
        channel = Channel.objects.create(
            name="Telegram di prova", kind=ChannelKind.TELEGRAM, config=server.config
        )
        ChannelCredential.objects.create(channel=channel, secret=server.token)
        text = "Il mercato settimanale si sposta in piazza Garibaldi per i lavori."
        post = PostFactory(
            title=text[:60],
            base_text=text,
            status=PostStatus.APPROVED,
            planned_at=timezone.now() + timedelta(seconds=1),
            channels=[channel],
        )
        schedule_deliveries(post=post)

        wait_for(
            lambda: Delivery.objects.filter(variant__post=post, state=D.SENT).exists(),
            timeout=25,
            what="the post sent",
        )
        assert server.published_texts() == [text]
    finally:
        server.stop()
    # The scheduling worker claimed it, the sends worker sent it.
    assert "Task publishing.dispatch_due[" in stack.logs["scheduler"].read_text()
    assert "Task publishing.send_batch[" not in stack.logs["scheduler"].read_text()
    assert "Task publishing.send_batch[" in stack.logs["sender"].read_text()
    wait_for(lambda: healthz(client)[0] == 200, timeout=15, what=lambda: healthz(client))


def test_health_answers_503_within_seconds_of_beat_stopping(stack, client):
    wait_for(lambda: healthz(client)[0] == 200, timeout=15, what=lambda: healthz(client))

    stack.kill("beat")
    try:
        status, body = wait_for(
            lambda: (result := healthz(client))[0] == 503 and result,
            timeout=10,
            what=lambda: healthz(client),
        )
        assert (body["beat"], body["workers"]) == ("stale", "ok")
    finally:
        stack.start_beat()
    wait_for(lambda: healthz(client)[0] == 200, timeout=15, what=lambda: healthz(client))


def test_health_answers_503_when_the_worker_of_sends_stops(stack, client):
    wait_for(lambda: healthz(client)[0] == 200, timeout=15, what=lambda: healthz(client))

    stack.kill("sender")
    try:
        status, body = wait_for(
            lambda: (result := healthz(client))[0] == 503 and result,
            timeout=10,
            what=lambda: healthz(client),
        )
        assert (body["beat"], body["workers"]) == ("ok", "missing")
        assert body["errors"]["workers"].startswith("no worker for queue(s) sends ")
    finally:
        stack.start_worker("sender", queues=("sends",), args=SENDS_WORKER_ARGS)
        stack.wait_until_ready()
    wait_for(lambda: healthz(client)[0] == 200, timeout=20, what=lambda: healthz(client))
