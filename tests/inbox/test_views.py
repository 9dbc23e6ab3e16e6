"""The inbox pages: the list (overdue first, filters, unread counts), answering through the
channel's adapter once, moderation with a reason, handing over to an office, the export."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.inbox import overdue, services
from apps.inbox.enums import ConversationStatus as S
from apps.inbox.models import CannedAnswer, Conversation, Handover, Message, ResponseTime
from apps.publishing.models import ChannelCredential
from tests.channel_servers import start_server
from tests.channel_servers.graph import GraphServer
from tests.factories import ChannelFactory, UserFactory
from tests.inbox.conftest import incoming

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def mastodon():
    server = start_server("mastodon")
    yield server
    server.stop()


@pytest.fixture
def mastodon_channel(mastodon, office):
    mastodon.reset()
    channel = ChannelFactory(name="Mastodon del Comune", kind="mastodon", config=mastodon.config)
    ChannelCredential.objects.create(channel=channel, secret=mastodon.token)
    return channel


def _store(channel, network_id, text="Quando scade la TARI?", **kwargs):
    kwargs.setdefault("thread_key", network_id)
    services.ingest(channel=channel, items=[incoming(network_id, text, **kwargs)])
    return Conversation.objects.get(messages__network_id=network_id, channel=channel)


def test_the_inbox_lists_overdue_conversations_first(editor_client, mastodon_channel):
    late = _store(mastodon_channel, "1", "Buca in via Roma", received_at=timezone.now())
    fresh = _store(mastodon_channel, "2", "Orari TARI?", received_at=timezone.now())
    Conversation.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    Conversation.objects.filter(pk=fresh.pk).update(due_at=timezone.now() + timedelta(hours=1))
    response = editor_client.get(reverse("inbox:list"))
    rows = list(response.context["page"].object_list)
    assert rows == [late, fresh]
    assert rows[0].overdue is True
    assert response.context["overdue"] == 1
    assert "In ritardo" in response.content.decode()


def test_filters_by_question_mark_keyword_and_status(editor_client, mastodon_channel):
    question = _store(mastodon_channel, "1", "Quando passa la raccolta del vetro?")
    _store(mastodon_channel, "2", "Grazie per le informazioni")
    closed = _store(mastodon_channel, "3", "Spam spam? spam")
    services.close(conversation=closed, reason="spam", by=None)
    response = editor_client.get(reverse("inbox:list"), {"domanda": "on", "stato": "open"})
    assert list(response.context["page"].object_list) == [question]
    response = editor_client.get(reverse("inbox:list"), {"cerca": "vetro"})
    assert list(response.context["page"].object_list) == [question]


def test_htmx_filtering_answers_only_the_list_and_pushes_the_url(editor_client, mastodon_channel):
    _store(mastodon_channel, "1")
    response = editor_client.get(
        reverse("inbox:list"), {"stato": "open"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert 'id="inbox-list"' in body and "<html" not in body
    assert response["HX-Push-Url"] == reverse("inbox:list") + "?stato=open"


def test_unread_counts_per_channel_and_reading_clears_them(editor_client, mastodon_channel):
    conversation = _store(mastodon_channel, "1")
    _store(mastodon_channel, "2")
    assert "2 non lette" in editor_client.get(reverse("inbox:counts")).content.decode()
    editor_client.get(conversation.get_absolute_url())
    assert "1 non letta" in editor_client.get(reverse("inbox:counts")).content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_the_inbox_runs_a_fixed_number_of_queries(
    editor_client, mastodon_channel, django_assert_num_queries, count
):
    for n in range(count):
        _store(mastodon_channel, str(n))
    with django_assert_num_queries(17):  # 15 + the topics filter + the header bell
        editor_client.get(reverse("inbox:list"))


def test_an_answer_goes_out_once_through_the_adapter(
    editor_client, editor, mastodon, mastodon_channel
):
    conversation = _store(mastodon_channel, "120000009", author_handle="@mario@social.example")
    data = {"testo": "Buongiorno, la TARI scade il 16 dicembre.", "chiave": "k-1"}
    url = reverse("inbox:reply", args=[conversation.pk])
    first = editor_client.post(url, data)
    second = editor_client.post(url, data)  # a double click
    assert first.status_code == 302
    assert "già stata inviata" in second.content.decode()
    sent = mastodon.requests_to("/api/v1/statuses")
    assert len(sent) == 1
    assert sent[0].field("in_reply_to_id") == "120000009"
    assert sent[0].field("status").startswith("@mario@social.example Buongiorno")
    conversation.refresh_from_db()
    assert conversation.status == S.ANSWERED and conversation.due_at is None
    out = Message.objects.get(direction="out")
    assert (out.sent_by, out.network_id) == (editor, sent and mastodon.items[-1]["id"])
    assert ResponseTime.objects.get().conversation == conversation
    assert AuditEntry.objects.filter(action="inbox.answered", actor=editor).count() == 1


def test_a_refused_answer_keeps_the_text_and_says_why(editor_client, mastodon, mastodon_channel):
    conversation = _store(mastodon_channel, "120000009")
    mastodon.fail_next(1, "500")
    mastodon.fail_next(1, "500")
    response = editor_client.post(
        reverse("inbox:reply", args=[conversation.pk]), {"testo": "Risposta lunga", "chiave": "k"}
    )
    body = response.content.decode()
    assert "Il canale non ha accettato la risposta" in body and "Risposta lunga" in body
    assert Message.objects.filter(direction="out").count() == 0
    assert Conversation.objects.get().status == S.NEW


def test_the_reply_page_shows_tone_guidance_live_checks_and_ready_answers(
    editor_client, mastodon_channel
):
    CannedAnswer.objects.create(
        title="Scadenze TARI", topic="TARI", text="Ciao {nome}, gli uffici sono aperti {orari}."
    )
    conversation = _store(mastodon_channel, "1", author_name="Mario Rossi")
    body = editor_client.get(conversation.get_absolute_url()).content.decode()
    assert mastodon_channel.guidance.split(".")[0] in body
    assert "Ciao Mario Rossi, gli uffici sono aperti dal lunedì al venerdì, 08:00–17:00." in body
    checks = editor_client.post(
        reverse("inbox:reply_checks", args=[conversation.pk]), {"testo": "A" * 600}
    )
    assert "oltre il limite" in checks.content.decode()


@pytest.fixture(scope="module")
def graph():
    server = GraphServer()
    yield server
    server.stop()


def test_hiding_a_facebook_comment_needs_a_reason_and_is_audited(client, graph, office):
    graph.reset()
    approver = UserFactory(username="approvatrice", role="Approvatori")
    client.force_login(approver)
    channel = ChannelFactory(name="Facebook", kind="facebook", config=graph.config)
    ChannelCredential.objects.create(channel=channel, secret=graph.token)
    comment = graph.add_comment("facebook", on=f"{graph.page_id}_1", text="Siete dei ladri")
    conversation = _store(channel, comment["id"], comment["text"])
    message = conversation.messages.get()
    url = reverse("inbox:moderate", args=[message.pk])
    refused = client.post(url, {"azione": "hide", "motivo": ""})
    assert (
        "motivo" in refused.content.decode().lower() and not graph.comments[comment["id"]]["hidden"]
    )
    client.post(url, {"azione": "hide", "motivo": "Insulto (netiquette, punto 3)"})
    assert graph.comments[comment["id"]]["hidden"] is True
    message.refresh_from_db()
    assert (message.moderation, message.moderation_reason) == (
        "hide",
        "Insulto (netiquette, punto 3)",
    )
    entry = AuditEntry.objects.get(action="inbox.moderation.hide")
    assert entry.actor == approver and "netiquette" in entry.summary


def test_moderation_where_the_network_cannot_hides_in_pa_planner_only(client, mastodon_channel):
    client.force_login(UserFactory(username="admin1", role="Amministratori"))
    message = _store(mastodon_channel, "1", "spam").messages.get()
    client.post(reverse("inbox:moderate", args=[message.pk]), {"azione": "hide", "motivo": "Spam"})
    assert "solo in PA Planner" in AuditEntry.objects.get(action="inbox.moderation.hide").summary


def test_an_office_answers_through_its_expiring_link(editor_client, mastodon_channel):
    conversation = _store(mastodon_channel, "1", "Devo cambiare residenza, cosa serve?")
    editor_client.post(
        reverse("inbox:hand_over", args=[conversation.pk]),
        {"ufficio": "Anagrafe", "email": "anagrafe@comune.esempio.it", "nota": "Residenza"},
    )
    email = mail.outbox[-1]
    assert email.to == ["anagrafe@comune.esempio.it"]
    link = next(line for line in email.body.splitlines() if "/conversazioni/ufficio/" in line)
    path = link[link.index("/conversazioni/") :]
    page = editor_client.get(path)
    assert "cosa serve?" in page.content.decode()
    editor_client.post(path, {"risposta": "Serve il modulo ministeriale.", "firma": "Anagrafe"})
    handover = Handover.objects.get()
    assert handover.answer == "Serve il modulo ministeriale."
    assert "token" not in handover.token_hash and path.split("/")[-2] not in handover.token_hash
    page = editor_client.get(conversation.get_absolute_url()).content.decode()
    assert '<option value="Serve il modulo ministeriale.">' in page  # ready to send
    Handover.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert editor_client.get(path).status_code == 404


def test_overdue_emails_go_to_the_assignee_then_once_to_the_head(mastodon_channel, office):
    assignee = UserFactory(username="incaricata", role="Redazione")
    head = UserFactory(username="capo", role="Approvatori")
    office.office_head = head
    office.save()
    conversation = _store(mastodon_channel, "1")
    services.assign(conversation=conversation, assignee=assignee, by=None)
    Conversation.objects.filter(pk=conversation.pk).update(
        due_at=timezone.now() - timedelta(days=10)
    )
    overdue.notify_overdue()
    overdue.notify_overdue()  # a second tick sends nothing more
    assert sorted(m.to[0] for m in mail.outbox) == [head.email, assignee.email]
    assert all("TARI" not in m.body for m in mail.outbox)  # no message content in emails


def test_the_gdpr_export_has_every_conversation_of_one_citizen(client, mastodon_channel):
    admin = UserFactory(username="amministra", role="Amministratori")
    client.force_login(admin)
    _store(mastodon_channel, "1", "Prima", author_handle="@mario")
    _store(mastodon_channel, "2", "Seconda", author_handle="@mario", thread_key="altro")
    _store(mastodon_channel, "3", "Di altri", author_handle="@luisa", thread_key="terzo")
    response = client.post(reverse("inbox:export"), {"cittadino": "@mario"})
    data = json.loads(response.content)
    texts = [m["testo"] for c in data["conversazioni"] for m in c["messaggi"]]
    assert texts == ["Prima", "Seconda"]
    assert AuditEntry.objects.filter(action="inbox.export", actor=admin).count() == 1


def test_the_home_page_shows_the_overdue_count(editor_client, mastodon_channel):
    conversation = _store(mastodon_channel, "1")
    Conversation.objects.filter(pk=conversation.pk).update(
        due_at=timezone.now() - timedelta(hours=2)
    )
    response = editor_client.get(reverse("home"))
    assert response.context["inbox_overdue"] == 1


def test_an_editors_reply_waits_for_an_approver_when_the_office_asks(
    client, editor_client, editor, mastodon, mastodon_channel, office
):
    office.editor_replies_need_approval = True
    office.save()
    conversation = _store(mastodon_channel, "120000001")
    editor_client.post(
        reverse("inbox:reply", args=[conversation.pk]),
        {"testo": "Proposta di risposta", "chiave": "p"},
    )
    assert mastodon.requests_to("/api/v1/statuses") == []
    proposed = Message.objects.get(direction="out")
    assert proposed.awaiting_approval is True
    assert editor_client.post(reverse("inbox:approve_reply", args=[proposed.pk])).status_code == 403
    approver = UserFactory(username="approva", role="Approvatori")
    client.force_login(approver)
    client.post(reverse("inbox:approve_reply", args=[proposed.pk]))
    client.post(reverse("inbox:approve_reply", args=[proposed.pk]))  # twice: sent once
    assert [r.field("status") for r in mastodon.requests_to("/api/v1/statuses")] == [
        "@mario Proposta di risposta"
    ]
    conversation.refresh_from_db()
    assert conversation.status == S.ANSWERED
    entry = AuditEntry.objects.get(action="inbox.answered")
    assert entry.actor == approver and "approvata" in entry.summary


def test_an_approver_cannot_approve_their_own_proposal(client, mastodon_channel, office):
    office.editor_replies_need_approval = True
    office.save()
    conversation = _store(mastodon_channel, "120000001")
    editor = UserFactory(username="redattore2", role="Redazione")
    proposed = services.reply(conversation=conversation, text="Ciao", by=editor)
    services.reject_reply(message=proposed, by=UserFactory(username="ap2", role="Approvatori"))
    assert not Message.objects.filter(direction="out").exists()
    assert AuditEntry.objects.filter(action="inbox.reply_rejected").count() == 1
    with pytest.raises(services.InboxError):
        services.approve_reply(message=proposed, by=editor)
