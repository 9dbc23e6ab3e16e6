"""The inbox in a real browser, axe-core on each page: a person picks a ready answer, edits it,
sends it, and the answer reaches the local Mastodon server once."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from apps.inbox import services
from apps.inbox.models import CannedAnswer, Conversation
from apps.publishing.models import ChannelCredential
from tests.browser import conftest as harness
from tests.channel_servers import start_server
from tests.factories import ChannelFactory
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
def conversation(mastodon, role_groups):
    mastodon.reset()
    channel = ChannelFactory(name="Mastodon del Comune", kind="mastodon", config=mastodon.config)
    ChannelCredential.objects.create(channel=channel, secret=mastodon.token)
    CannedAnswer.objects.create(
        title="Scadenza TARI",
        topic="TARI",
        text="Buongiorno {nome}, la seconda rata della TARI scade il 16 dicembre.",
    )
    services.ingest(
        channel=channel,
        items=[
            incoming(
                "120000001",
                "Quando scade la seconda rata della TARI?",
                author_handle="@mario@social.example",
            )
        ],
    )
    return Conversation.objects.get()


def test_a_person_answers_a_citizen_from_the_inbox(
    page, editor_user, force_login, conversation, mastodon
):
    force_login(editor_user)
    page.goto("/conversazioni/")
    assert heading_problems(page) == []
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Mario Rossi").click()
    page.wait_for_url(f"**/conversazioni/{conversation.pk}/")
    assert heading_problems(page) == []
    assert_no_axe_violations(page)
    page.get_by_label("Risposte pronte").select_option(label="TARI: Scadenza TARI")
    reply = page.get_by_label("La tua risposta")
    assert reply.input_value().startswith("Buongiorno Mario Rossi, la seconda rata")
    reply.fill(reply.input_value() + " Trova il modello F24 sul sito.")
    page.locator("#reply-checks").get_by_text("caratteri su 500").wait_for()
    page.get_by_role("button", name="Invia la risposta").click()
    page.get_by_text("Risposta inviata.").wait_for()
    assert_no_axe_violations(page)
    sent = mastodon.requests_to("/api/v1/statuses")
    assert len(sent) == 1
    assert sent[0].field("status").endswith("Trova il modello F24 sul sito.")
    assert sent[0].field("in_reply_to_id") == "120000001"
    conversation.refresh_from_db()
    assert conversation.status == "answered"


def test_the_keyboard_shortcuts_stay_off_until_turned_on(
    page, editor_user, force_login, conversation
):
    force_login(editor_user)
    page.goto("/conversazioni/")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.dataset.inboxRow") is None
    page.get_by_text("Scorciatoie da tastiera").click()
    toggle = page.get_by_label("Attiva le scorciatoie")
    toggle.focus()
    page.keyboard.press("Space")
    assert toggle.is_checked()
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.dataset.inboxRow") == ""
    assert_no_axe_violations(page)


def test_the_demo_inbox_pages_are_accessible(page, force_login, role_groups):
    call_command("load_demo", verbosity=0)
    anagrafe = Conversation.objects.get(messages__network_id="demo-fb-dm-1")
    token = services.hand_over(
        conversation=anagrafe,
        office="Anagrafe",
        email="anagrafe@comune.esempio.it",
        note="",
        by=None,
    )
    insult = Conversation.objects.get(messages__network_id="demo-fb-5")
    failures = []
    urls = {
        "amministratore": [
            "/conversazioni/",
            "/conversazioni/?stato=&domanda=on",
            f"/conversazioni/{anagrafe.pk}/",
            f"/conversazioni/{insult.pk}/",
            "/conversazioni/esporta/",
            "/",
        ],
        None: [f"/conversazioni/ufficio/{token}/"],
    }
    for username, paths in urls.items():
        page.context.clear_cookies()
        if username:
            force_login(User.objects.get(username=username))
        for url in paths:
            response = page.goto(url)
            if response.status != 200:
                failures.append(f"{url}: HTTP {response.status}")
                continue
            failures.extend(heading_problems(page))
            try:
                assert_no_axe_violations(page)
            except AssertionError as error:
                failures.append(f"{url}: {error}")
    assert failures == [], "\n".join(failures)
