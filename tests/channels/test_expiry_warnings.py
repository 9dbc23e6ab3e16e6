"""Tokens that cannot be refreshed (LinkedIn without a partner app): administrators are told
on the home page and by email 14, 3 and 1 days before they lapse, each warning once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.channels import connections
from apps.channels.enums import ChannelKind
from apps.channels.models import ChannelConnection, ConnectionStatus
from apps.channels.selectors import expiring_connections
from apps.channels.tasks import warn_expiring_connections
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def _connection(name="LinkedIn · Comune", *, expires_in, refresh_token="", **extra):
    channel = ChannelFactory(name=name, kind=ChannelKind.LINKEDIN)
    return ChannelConnection.objects.create(
        channel=channel,
        provider="linkedin",
        account_name="Comune di Esempio",
        access_token="AQV-secret",
        refresh_token=refresh_token,
        expires_at=timezone.now() + expires_in,
        connected_at=timezone.now(),
        **extra,
    )


def test_each_warning_goes_once_at_14_3_and_1_days(admin_user):
    connection = _connection(expires_in=timedelta(days=20))
    now = timezone.now()

    sent = [
        connections.warn_expiring_connections(now=now + timedelta(days=d, hours=h))
        for d, h in [(0, 0), (6, 1), (6, 2), (17, 1), (17, 5), (19, 1), (19, 2)]
    ]

    assert sent == [0, 1, 0, 1, 0, 1, 0]
    assert [m.subject for m in mail.outbox] == [
        "Canale da ricollegare entro 14 giorni: LinkedIn · Comune",
        "Canale da ricollegare entro 3 giorni: LinkedIn · Comune",
        "Canale da ricollegare entro 1 giorno: LinkedIn · Comune",
    ]
    assert all(m.to == [admin_user.email] for m in mail.outbox)
    assert "AQV-secret" not in "".join(m.body for m in mail.outbox)
    assert AuditEntry.objects.filter(action="channel.expiry_warned").count() == 3
    connection.refresh_from_db()
    assert connection.expiry_warned_days == 1


def test_the_beat_task_is_idempotent(admin_user):
    _connection(expires_in=timedelta(days=2))

    assert warn_expiring_connections() == 1
    assert warn_expiring_connections() == 0
    assert len(mail.outbox) == 1


def test_refreshable_not_expiring_and_disconnected_tokens_are_not_warned_about(admin_user):
    _connection("X", expires_in=timedelta(hours=1), refresh_token="rt")
    _connection("Lontano", expires_in=timedelta(days=30))
    _connection("Revocato", expires_in=timedelta(days=1), status=ConnectionStatus.NEEDS_RECONNECT)
    ChannelConnection.objects.create(
        channel=ChannelFactory(name="Mastodon", kind=ChannelKind.MASTODON),
        provider="mastodon",
        access_token="t",
        connected_at=timezone.now(),
    )

    assert warn_expiring_connections() == 0
    assert expiring_connections() == []


def test_a_reconnect_starts_the_warnings_again(admin_user):
    connection = _connection(expires_in=timedelta(hours=20))
    assert warn_expiring_connections() == 1
    # Reconnected: a new token, sixty days ahead, then its own warnings in time.
    ChannelConnection.objects.filter(pk=connection.pk).update(
        expires_at=timezone.now() + timedelta(days=10), expiry_warned_days=None
    )

    assert warn_expiring_connections() == 1
    assert "entro 14 giorni" in mail.outbox[-1].subject


def test_the_home_page_tells_administrators_and_only_them(admin_client_, editor):
    _connection(expires_in=timedelta(days=2, hours=3))
    _connection("Ancora lontano", expires_in=timedelta(days=15))

    home = admin_client_.get(reverse("home")).content.decode()

    assert "Canali da ricollegare presto" in home
    assert "LinkedIn · Comune</a> · Comune di Esempio\n        · scade entro 3 giorni" in home
    assert "Ancora lontano" not in home
    editor_client = Client()
    editor_client.force_login(editor)
    assert "Canali da ricollegare presto" not in editor_client.get(reverse("home")).content.decode()


def test_the_home_panel_costs_one_query_however_many_channels(
    admin_client_, django_assert_num_queries
):
    _connection("Uno", expires_in=timedelta(days=2))
    with django_assert_num_queries(1):
        one = expiring_connections()
        [item.connection.channel.name for item in one]
    _connection("Due", expires_in=timedelta(days=3))
    _connection("Tre", expires_in=timedelta(days=4))
    with django_assert_num_queries(1):
        three = expiring_connections()
        [item.connection.channel.name for item in three]
    assert [i.connection.channel.name for i in three] == ["Uno", "Due", "Tre"]


def test_a_refresh_token_that_lapses_is_warned_about_like_a_token_that_cannot_be_refreshed(
    admin_user, admin_client_
):
    lapses = timezone.now() + timedelta(days=2, hours=12)
    _connection(
        expires_in=timedelta(days=50),  # the access token is fine, and refreshes by itself…
        refresh_token="AQX-refresh",
        refresh_expires_at=lapses,  # …but only until the refresh token lapses
    )
    _connection(  # refreshes by itself, with no end announced: nothing to tell
        "LinkedIn · Biblioteca", expires_in=timedelta(hours=1), refresh_token="AQX-other"
    )

    assert warn_expiring_connections() == 1
    assert warn_expiring_connections() == 0

    [message] = mail.outbox
    assert "entro 3 giorni: LinkedIn · Comune" in message.subject
    assert timezone.localtime(lapses).strftime("%d/%m/%Y %H:%M") in message.body
    [item] = expiring_connections()
    assert item.lapses_at == lapses and item.within_days == 3
    home = admin_client_.get(reverse("home")).content.decode()
    assert "LinkedIn · Comune" in home and "LinkedIn · Biblioteca" not in home
