import pytest
from django.utils import translation

from apps.channels.enums import ChannelKind, Formality
from apps.channels.models import Channel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "kind, limit, formality, emoji",
    [
        (ChannelKind.FACEBOOK, 63206, Formality.INFORMAL, True),
        (ChannelKind.X, 280, Formality.NEUTRAL, False),
        (ChannelKind.LINKEDIN, 3000, Formality.FORMAL, False),
        (ChannelKind.MASTODON, 500, Formality.NEUTRAL, True),
    ],
)
def test_blank_tone_fields_take_the_defaults_of_the_kind(kind, limit, formality, emoji):
    channel = Channel.objects.create(name=f"Canale {kind}", kind=kind)
    assert (channel.char_limit, channel.formality, channel.emoji_allowed) == (
        limit,
        formality,
        emoji,
    )
    assert channel.guidance


def test_values_set_by_an_admin_are_kept():
    channel = Channel.objects.create(name="X", kind=ChannelKind.X, char_limit=250, guidance="Mio")
    assert (channel.char_limit, channel.guidance) == (250, "Mio")


def test_the_tone_level_is_called_formality_everywhere_not_registro():
    # "Registro" names only the audit log; the admin, the audit details and error messages
    # take a field's name from the model.
    with translation.override("it"):
        assert str(Channel._meta.get_field("formality").verbose_name) == "formalità"
