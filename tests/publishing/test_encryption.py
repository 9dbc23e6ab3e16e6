"""Channel secrets are encrypted at rest, with key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.channels.models import ChannelConnection, MastodonApp
from apps.core.encryption import PREFIX
from apps.publishing.models import ChannelCredential
from apps.publishing.services import build_publish_request, schedule_deliveries
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TOKEN = "123456:AAE-segreto-del-bot"


def stored(credential) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret FROM publishing_channelcredential WHERE id = %s", [credential.pk]
        )
        return cursor.fetchone()[0]


def test_the_database_holds_ciphertext_and_the_app_reads_the_token():
    credential = ChannelCredential.objects.create(channel=ChannelFactory(), secret=TOKEN)

    raw = stored(credential)

    assert raw.startswith(PREFIX) and TOKEN not in raw
    assert ChannelCredential.objects.get(pk=credential.pk).secret == TOKEN


def test_a_send_uses_the_decrypted_token():
    channel = ChannelFactory()
    ChannelCredential.objects.create(channel=channel, secret=TOKEN)
    post = PostFactory(channels=[channel])
    (delivery,) = schedule_deliveries(post=post)

    assert build_publish_request(delivery).secret == TOKEN


def test_rotation_re_encrypts_under_the_new_key_and_the_old_key_may_then_go():
    with override_settings(SECRET_ENCRYPTION_KEYS=[OLD]):
        credential = ChannelCredential.objects.create(channel=ChannelFactory(), secret=TOKEN)
    before = stored(credential)

    with override_settings(SECRET_ENCRYPTION_KEYS=[NEW, OLD]):
        assert ChannelCredential.objects.get(pk=credential.pk).secret == TOKEN  # old still reads
        call_command("rotate_secret_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with override_settings(SECRET_ENCRYPTION_KEYS=[NEW]):
        assert ChannelCredential.objects.get(pk=credential.pk).secret == TOKEN
    assert stored(credential) != before
    assert AuditEntry.objects.filter(action="credential.keys_rotated").exists()


def test_a_secret_no_key_decrypts_reads_as_missing_and_rotation_names_its_channel():
    with override_settings(SECRET_ENCRYPTION_KEYS=[OLD]):
        credential = ChannelCredential.objects.create(
            channel=ChannelFactory(name="Telegram · Comune"), secret=TOKEN
        )

    with override_settings(SECRET_ENCRYPTION_KEYS=[NEW]):
        assert ChannelCredential.objects.get(pk=credential.pk).secret == ""
        with pytest.raises(CommandError, match="Telegram · Comune"):
            call_command("rotate_secret_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_credentials_page_never_shows_the_token_or_its_ciphertext(admin_client_):
    from django.urls import reverse

    credential = ChannelCredential.objects.create(channel=ChannelFactory(), secret=TOKEN)

    body = admin_client_.get(reverse("credentials:list")).content.decode()

    assert TOKEN not in body and stored(credential) not in body


def test_rotation_also_re_encrypts_connection_tokens_and_mastodon_registrations():
    with override_settings(SECRET_ENCRYPTION_KEYS=[OLD]):
        ChannelConnection.objects.create(
            channel=ChannelFactory(name="X"),
            provider="x",
            access_token="x-access",
            refresh_token="x-refresh",
            connected_at=timezone.now(),
        )
        MastodonApp.objects.create(
            base_url="https://mastodon.uno", redirect_uri="r", client_id="cid", client_secret="cs"
        )

    with override_settings(SECRET_ENCRYPTION_KEYS=[NEW, OLD]):
        call_command("rotate_secret_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with override_settings(SECRET_ENCRYPTION_KEYS=[NEW]):
        connection_row = ChannelConnection.objects.get()
        app = MastodonApp.objects.get()
        assert (connection_row.access_token, connection_row.refresh_token) == (
            "x-access",
            "x-refresh",
        )
        assert (app.client_id, app.client_secret) == ("cid", "cs")
