"""Topics in a real browser, axe-core on each page: a person changes a conversation's topic,
then filters the inbox by it; an editor's reply on a topic the office chose waits for an
approver."""

import re

import pytest

from apps.inbox import services
from apps.inbox.models import Conversation, InboxSettings, Message
from apps.publishing.models import ChannelCredential
from tests.browser import conftest as harness
from tests.channel_servers import start_server
from tests.factories import CategoryFactory, ChannelFactory
from tests.inbox.conftest import incoming

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
force_login = harness.force_login
assert_no_axe_violations = harness.assert_no_axe_violations
heading_problems = harness.heading_problems


@pytest.fixture(scope="module")
def mastodon():
    server = start_server("mastodon")
    yield server
    server.stop()


@pytest.fixture
def conversations(mastodon, role_groups):
    mastodon.reset()
    channel = ChannelFactory(name="Mastodon del Comune", kind="mastodon", config=mastodon.config)
    ChannelCredential.objects.create(channel=channel, secret=mastodon.token)
    services.ingest(
        channel=channel,
        items=[
            incoming("120000001", "Quando scade la TARI?", thread_key="a"),
            incoming("120000002", "Concerto in piazza?", thread_key="b", author_name="Lia"),
        ],
    )
    return Conversation.objects.order_by("pk")


def test_a_person_sets_a_topic_filters_by_it_and_the_reply_waits(
    page, editor_user, force_login, conversations, mastodon
):
    tributi = CategoryFactory(name="Tributi", slug="tributi")
    CategoryFactory(name="Eventi", slug="eventi")
    InboxSettings.load().approval_topics.add(tributi)
    tari = conversations[0]
    force_login(editor_user)

    page.goto(f"/conversazioni/{tari.pk}/")
    page.get_by_role("combobox", name="Argomento").select_option(label="Tributi")
    page.get_by_role("button", name="Cambia argomento").click()
    page.get_by_text("Argomento aggiornato.").wait_for()
    assert heading_problems(page) == []
    assert_no_axe_violations(page)
    page.get_by_text("Le risposte della redazione escono dopo il via di chi approva.").wait_for()
    page.get_by_label("La tua risposta").fill("La TARI scade il 16 dicembre.")
    page.get_by_role("button", name="Proponi la risposta").click()
    page.get_by_text("Risposta proposta").first.wait_for()
    assert mastodon.requests_to("/api/v1/statuses") == []
    assert Message.objects.get(direction="out").awaiting_approval is True

    page.goto("/conversazioni/")
    assert page.get_by_role("link", name=re.compile(r"^Lia ")).count() == 1
    page.locator("#id_argomento").select_option(label="Tributi")
    page.get_by_role("button", name="Filtra").click()
    page.wait_for_url("**argomento=*")
    page.get_by_role("link", name="Mario Rossi").wait_for()
    assert page.get_by_role("link", name=re.compile(r"^Lia ")).count() == 0
    assert_no_axe_violations(page)
