"""Channel administration: tone guidance, kind defaults, audit."""

import pytest
from django.urls import reverse

from apps.audit.models import AuditEntry
from apps.channels.enums import ChannelKind, Formality
from apps.channels.models import Channel
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def test_the_list_shows_each_channel_with_its_rules(admin_client_):
    ChannelFactory(name="LinkedIn · Comune", kind=ChannelKind.LINKEDIN)
    body = admin_client_.get(reverse("channels:list")).content.decode()
    assert "LinkedIn · Comune" in body and "Formale" in body and "3000" in body
    assert "emoji no" in body


def test_a_new_channel_takes_the_defaults_of_its_kind(admin_client_, admin_user):
    response = admin_client_.post(
        reverse("channels:create"), {"name": "X · @ComuneEsempio", "kind": "x", "active": "on"}
    )
    channel = Channel.objects.get(name="X · @ComuneEsempio")
    assert response.status_code == 302
    assert (channel.char_limit, channel.formality, channel.emoji_allowed) == (
        280,
        Formality.NEUTRAL,
        False,
    )
    assert AuditEntry.objects.get(action="channel.created").actor == admin_user


def test_an_admin_changes_the_tone_guidance_and_limits(admin_client_):
    channel = ChannelFactory(name="Facebook", kind=ChannelKind.FACEBOOK)
    data = {
        "name": "Facebook",
        "kind": "facebook",
        "active": "on",
        "formality": "neutral",
        "guidance": "Scrivi come parleresti allo sportello.",
        "char_limit": "1000",
        "max_hashtags": "1",
        "emoji_allowed": "false",
        "link_expected": "true",
        "gulpease_target": "70",
    }
    admin_client_.post(reverse("channels:edit", args=[channel.pk]), data)
    channel.refresh_from_db()
    assert (channel.guidance, channel.char_limit, channel.max_hashtags) == (
        "Scrivi come parleresti allo sportello.",
        1000,
        1,
    )
    assert (channel.emoji_allowed, channel.link_expected, channel.gulpease_target) == (
        False,
        True,
        70,
    )
    entry = AuditEntry.objects.get(action="channel.updated")
    assert entry.before["char_limit"] == 63206 and entry.after["char_limit"] == 1000


def test_reset_restores_the_kind_defaults(admin_client_):
    channel = ChannelFactory(name="X", kind=ChannelKind.X, char_limit=100, guidance="Vecchio")
    admin_client_.post(
        reverse("channels:edit", args=[channel.pk]),
        {
            "name": "X",
            "kind": "x",
            "active": "on",
            "guidance": "Vecchio",
            "reset_to_defaults": "on",
        },
    )
    channel.refresh_from_db()
    assert channel.char_limit == 280
    assert channel.guidance.startswith("Breve, diretto")


def test_a_bad_value_keeps_what_was_typed(admin_client_):
    channel = ChannelFactory(name="X", kind=ChannelKind.X)
    response = admin_client_.post(
        reverse("channels:edit", args=[channel.pk]),
        {"name": "X <b>", "kind": "x", "gulpease_target": "150", "guidance": "Testo mio"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "da 0 a 100" in body and "Testo mio" in body and 'value="X &lt;b&gt;"' in body
    channel.refresh_from_db()
    assert channel.name == "X"


def test_editors_cannot_configure_channels(editor_client):
    assert editor_client.get(reverse("channels:list")).status_code == 403


def test_changing_the_kind_moves_default_values_to_the_new_kind_and_keeps_custom_ones(
    admin_client_,
):
    channel = ChannelFactory(name="Account", kind=ChannelKind.FACEBOOK)
    channel.guidance = "Le nostre regole"
    channel.save()
    data = {"name": "Account", "kind": "x", "active": "on", "guidance": "Le nostre regole"}
    data |= {"char_limit": channel.char_limit, "formality": channel.formality}
    admin_client_.post(reverse("channels:edit", args=[channel.pk]), data)
    channel.refresh_from_db()
    assert (channel.kind, channel.char_limit, channel.formality) == ("x", 280, Formality.NEUTRAL)
    assert channel.guidance == "Le nostre regole"


def test_an_admin_sets_a_channels_publishing_settings_on_its_page(admin_client_):
    channel = ChannelFactory(name="Facebook", kind=ChannelKind.FACEBOOK, config={"keep": "1"})
    url = reverse("channels:edit", args=[channel.pk])
    assert "Id della Pagina" in admin_client_.get(url).content.decode()

    response = admin_client_.post(
        url,
        {"name": "Facebook", "kind": "facebook", "active": "on", "config_page_id": " 1234567 "},
    )

    channel.refresh_from_db()
    assert response.status_code == 302
    assert channel.config == {"keep": "1", "page_id": "1234567"}
    entry = AuditEntry.objects.filter(action="channel.updated").latest("at")
    assert entry.after["config"]["page_id"] == "1234567"


def test_a_channel_address_must_be_a_web_address(admin_client_):
    channel = ChannelFactory(name="Mastodon", kind=ChannelKind.MASTODON)
    response = admin_client_.post(
        reverse("channels:edit", args=[channel.pk]),
        {
            "name": "Mastodon",
            "kind": "mastodon",
            "active": "on",
            "config_base_url": "javascript:alert(1)",
        },
    )

    channel.refresh_from_db()
    assert response.status_code == 200 and "base_url" not in channel.config
    assert 'value="javascript:alert(1)"' in response.content.decode()  # kept, to correct
