"""Administrators set, replace and clear a channel's secret; it is never shown back or logged."""

import json

import pytest
from django.urls import reverse

from apps.audit.models import AuditEntry
from apps.channels.enums import ChannelKind
from apps.publishing.models import ChannelCredential
from tests.channel_servers import Reply, start_server
from tests.channel_servers.graph import GraphServer
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db
SECRET = "tok-ABCDEFGHIJKLMNOP-9876"


@pytest.fixture
def channel():
    return ChannelFactory(name="Mastodon del Comune", kind=ChannelKind.MASTODON)


def _edit_url(channel):
    return reverse("credentials:edit", kwargs={"pk": channel.pk})


def _audit_text(entry: AuditEntry) -> str:
    return " ".join([entry.summary, json.dumps(entry.before), json.dumps(entry.after)])


def test_an_admin_sets_a_secret_and_the_list_shows_only_its_masked_tail(admin_client_, channel):
    response = admin_client_.post(_edit_url(channel), {"action": "set", "secret": SECRET})

    assert response.status_code == 302
    assert ChannelCredential.objects.get(channel=channel).secret == SECRET
    page = admin_client_.get(reverse("credentials:list")).content.decode()
    assert "••••••••9876" in page
    assert SECRET not in page


def test_the_edit_form_never_renders_the_stored_secret(admin_client_, channel):
    ChannelCredential.objects.create(channel=channel, secret=SECRET)

    html = admin_client_.get(_edit_url(channel)).content.decode()

    assert SECRET not in html
    assert 'type="password"' in html
    assert "••••••••9876" in html


def test_setting_and_replacing_are_audited_without_the_value(admin_client_, admin_user, channel):
    admin_client_.post(_edit_url(channel), {"action": "set", "secret": SECRET})
    admin_client_.post(_edit_url(channel), {"action": "set", "secret": "altro-token-0000"})

    entries = list(AuditEntry.objects.filter(action__startswith="credential.").order_by("id"))
    assert [e.action for e in entries] == ["credential.set", "credential.replaced"]
    assert all(e.actor == admin_user for e in entries)
    assert entries[1].before == {"secret_set": True}
    for entry in entries:
        text = _audit_text(entry)
        assert SECRET not in text and "9876" not in text and "0000" not in text


def test_clearing_empties_the_secret_and_is_audited(admin_client_, channel):
    ChannelCredential.objects.create(channel=channel, secret=SECRET)

    admin_client_.post(_edit_url(channel), {"action": "clear"})

    assert ChannelCredential.objects.get(channel=channel).secret == ""
    entry = AuditEntry.objects.get(action="credential.cleared")
    assert entry.after == {"secret_set": False}
    assert SECRET not in _audit_text(entry)


def test_an_empty_secret_is_refused_with_an_error_tied_to_the_field(admin_client_, channel):
    response = admin_client_.post(_edit_url(channel), {"action": "set", "secret": "  "})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in html
    assert 'id="id_secret_error"' in html
    assert not ChannelCredential.objects.filter(channel=channel).exists()


def test_an_approver_cannot_read_or_change_credentials(approver_client, channel):
    ChannelCredential.objects.create(channel=channel, secret=SECRET)

    listing = approver_client.get(reverse("credentials:list"))
    change = approver_client.post(_edit_url(channel), {"action": "clear"})

    assert (listing.status_code, change.status_code) == (403, 403)
    assert ChannelCredential.objects.get(channel=channel).secret == SECRET


def test_the_secret_is_never_logged(admin_client_, caplog):
    caplog.set_level("DEBUG")
    # Telegram is the hard case: the Bot API puts the token in the request path.
    with start_server("telegram") as server:
        channel = ChannelFactory(name="Telegram", kind=ChannelKind.TELEGRAM, config=server.config)
        admin_client_.post(_edit_url(channel), {"action": "set", "secret": server.token})
        admin_client_.post(reverse("credentials:verify", kwargs={"pk": channel.pk}))
        admin_client_.get(reverse("credentials:list"))

    logged = [record.getMessage() for record in caplog.records]
    assert any("/bot[segreto]/getMe" in message for message in logged)  # logged, redacted
    assert [message for message in logged if server.token in message] == []


def test_verifying_a_working_credential_names_the_account_and_is_audited(admin_client_):
    with start_server("mastodon") as server:
        channel = ChannelFactory(name="Mastodon", kind=ChannelKind.MASTODON, config=server.config)
        ChannelCredential.objects.create(channel=channel, secret=server.token)

        response = admin_client_.post(
            reverse("credentials:verify", kwargs={"pk": channel.pk}), follow=True
        )

        assert "Credenziale valida per «Mastodon»: account @comune." in response.content.decode()
        assert server.items == []
    entry = AuditEntry.objects.get(action="credential.verified")
    assert entry.summary == "@comune"


def test_verifying_a_refused_credential_shows_the_services_message(admin_client_):
    with start_server("telegram") as server:
        channel = ChannelFactory(name="Telegram", kind=ChannelKind.TELEGRAM, config=server.config)
        ChannelCredential.objects.create(channel=channel, secret="123:revocato-da-botfather")

        response = admin_client_.post(
            reverse("credentials:verify", kwargs={"pk": channel.pk}), follow=True
        )

    html = response.content.decode()
    assert "non è riuscita" in html and "Unauthorized" in html
    assert "revocato-da-botfather" not in html
    entry = AuditEntry.objects.get(action="credential.verify_failed")
    assert "revocato-da-botfather" not in entry.summary


def test_the_form_explains_which_token_each_kind_needs(admin_client_, channel):
    html = admin_client_.get(_edit_url(channel)).content.decode()

    assert "write:statuses" in html


@pytest.mark.parametrize("pasted", ["tok-ABC\nDEF", "tok ABC", "tok-\u200bABC"])
def test_a_secret_with_spaces_or_line_breaks_inside_is_refused_on_its_field(
    admin_client_, channel, pasted
):
    response = admin_client_.post(_edit_url(channel), {"action": "set", "secret": pasted})

    assert response.status_code == 200
    assert not ChannelCredential.objects.filter(channel=channel).exclude(secret="").exists()
    content = response.content.decode()
    assert 'id="id_secret_error"' in content
    assert 'aria-describedby="id_secret_helptext id_secret_error"' in content
    assert pasted not in content


class _GraphAnsweringWithAWebPage(GraphServer):
    """A base_url that points at a web page: 200, HTML, no account."""

    def handle(self, request):
        if request.method == "GET":
            return Reply(
                200, "<html><body>Manutenzione</body></html>", {"Content-Type": "text/html"}
            )
        return super().handle(request)


def test_verifying_against_a_page_that_is_not_the_api_fails_with_a_message(admin_client_):
    with _GraphAnsweringWithAWebPage() as server:
        channel = ChannelFactory(name="Pagina", kind=ChannelKind.FACEBOOK, config=server.config)
        ChannelCredential.objects.create(channel=channel, secret=server.token)

        response = admin_client_.post(
            reverse("credentials:verify", kwargs={"pk": channel.pk}), follow=True
        )

    assert response.status_code == 200
    assert "La verifica di «Pagina» non è riuscita" in response.content.decode()
    assert AuditEntry.objects.filter(action="credential.verify_failed").count() == 1


def test_clearing_a_credential_asks_for_confirmation_first(admin_client_, channel):
    ChannelCredential.objects.create(channel=channel, secret=SECRET)

    page = admin_client_.get(_edit_url(channel)).content.decode()

    clear_form = page[page.rindex("<form") : page.index('value="clear"')]
    assert "data-confirm=" in clear_form
    assert "non potrà pubblicare" in clear_form
