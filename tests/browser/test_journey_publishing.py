"""An approver approves a post due in a few seconds; a real Celery worker (started by beat's
dispatch tick) sends it to a local Mastodon server at its time; the post page shows it published.

Reuses the system-test harness (tests/system/harness.py): one worker and beat against the
live server's test database.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.channels.models import Channel
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState
from apps.publishing.models import ChannelCredential, Delivery
from tests.browser.conftest import assert_no_axe_violations, login
from tests.channel_servers import start_server
from tests.factories import PostFactory
from tests.system.harness import CeleryStack, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.system]


@pytest.fixture
def celery_worker_and_beat(live_server, tmp_path):
    stack = CeleryStack(tmp_path / "celery")
    (tmp_path / "celery").mkdir()
    stack.start_worker("worker1")
    stack.start_beat()
    try:
        stack.wait_until_ready()
        yield stack
    finally:
        for name in list(stack.processes):
            stack.kill(name)  # SIGKILL: nothing to finish, and a warm shutdown costs seconds


@pytest.fixture
def mastodon_server():
    server = start_server(ChannelKind.MASTODON)
    yield server
    server.stop()


def test_an_approved_post_is_sent_by_a_real_worker_at_its_time_and_shows_published(
    page, approver_user, editor_user, mastodon_server, celery_worker_and_beat
):
    channel = Channel.objects.create(
        name="Mastodon del Comune", kind=ChannelKind.MASTODON, config=mastodon_server.config
    )
    ChannelCredential.objects.create(channel=channel, secret=mastodon_server.token)
    text = "Da lunedì la biblioteca civica apre anche il sabato mattina. #BibliotecaAperta"
    post = PostFactory(
        title="Biblioteca aperta il sabato",
        author=editor_user,
        status=PostStatus.IN_REVIEW,
        channels=[channel],
        base_text=text,
        planned_at=timezone.now() + timedelta(seconds=12),
    )
    login(page, approver_user)
    page.goto(f"/calendario/{post.pk}/")
    page.get_by_role("button", name=f"Approva la versione {post.version}").click()
    page.get_by_text("Approvato", exact=True).first.wait_for()
    if timezone.now() < post.planned_at - timedelta(seconds=2):
        assert mastodon_server.published_texts() == []  # not before its time

    delivery = wait_for(
        lambda: Delivery.objects.filter(variant__post=post, state=DeliveryState.SENT).first(),
        timeout=60,
        what=lambda: "the delivery sent\n" + celery_worker_and_beat.tail(),
    )
    assert delivery.sending_started_at >= delivery.due_at
    assert mastodon_server.published_texts() == [text]

    page.reload()
    assert page.get_by_text("Pubblicato", exact=True).first.is_visible()
    assert page.get_by_text(re.compile("Inviato")).first.is_visible()
    assert_no_axe_violations(page)
