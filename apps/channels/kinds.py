"""Defaults per channel kind, following PA social-media practice (see DOMAIN.md)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .enums import ChannelKind, Formality


@dataclass(frozen=True)
class KindDefaults:
    char_limit: int
    formality: str
    guidance: str
    max_hashtags: int
    emoji_allowed: bool
    link_expected: bool
    gulpease_target: int
    icon: str  # Bootstrap Italia sprite id


DEFAULTS: dict[str, KindDefaults] = {
    ChannelKind.FACEBOOK: KindDefaults(
        63206,
        Formality.INFORMAL,
        _(
            "Tono amichevole, colloquiale ed emozionale. Parla come una persona, "
            "dai del tu, racconta. Un'immagine con testo alternativo aiuta."
        ),
        3,
        True,
        False,
        60,
        "it-facebook",
    ),
    ChannelKind.INSTAGRAM: KindDefaults(
        2200,
        Formality.INFORMAL,
        _(
            "Visivo e caldo: l'immagine racconta, il testo accompagna. "
            "Hashtag in CamelCase, al massimo qualche emoji."
        ),
        10,
        True,
        False,
        60,
        "it-instagram",
    ),
    ChannelKind.X: KindDefaults(
        280,
        Formality.NEUTRAL,
        _("Breve, diretto, al punto: chi, cosa, quando. Un link per i dettagli."),
        2,
        False,
        True,
        60,
        "it-twitter",
    ),
    ChannelKind.LINKEDIN: KindDefaults(
        3000,
        Formality.FORMAL,
        _("Formale, preciso, tecnico. Dati, riferimenti normativi, niente emoji."),
        3,
        False,
        True,
        50,
        "it-linkedin",
    ),
    ChannelKind.TELEGRAM: KindDefaults(
        4096,
        Formality.NEUTRAL,
        _("Semplice e informativo: la notizia in apertura, poi i dettagli pratici."),
        2,
        True,
        True,
        60,
        "it-telegram",
    ),
    ChannelKind.MASTODON: KindDefaults(
        500,
        Formality.NEUTRAL,
        _("Chiaro e sobrio. Hashtag in CamelCase per l'accessibilità."),
        4,
        True,
        True,
        60,
        "it-mastodon",
    ),
    ChannelKind.NEWSLETTER: KindDefaults(
        20000,
        Formality.NEUTRAL,
        _("Semplice e informativo, con titoli chiari e i passaggi in ordine."),
        0,
        False,
        True,
        60,
        "it-mail",
    ),
    ChannelKind.WEBSITE: KindDefaults(
        20000,
        Formality.NEUTRAL,
        _(
            "Linguaggio chiaro: chi, cosa, dove, come, quando nelle prime righe. "
            "Titoli fino a 65 caratteri."
        ),
        0,
        False,
        False,
        60,
        "it-horn",
    ),
    ChannelKind.WEBHOOK: KindDefaults(
        20000,
        Formality.NEUTRAL,
        _("Testo inviato a un sistema esterno."),
        5,
        True,
        False,
        0,
        "it-exchange-circle",
    ),
    ChannelKind.OUTBOX: KindDefaults(
        5000,
        Formality.NEUTRAL,
        _("Canale dimostrativo: registra la pubblicazione senza inviarla."),
        5,
        True,
        False,
        60,
        "it-inbox",
    ),
}


def defaults_for(kind: str) -> KindDefaults:
    return DEFAULTS[ChannelKind(kind)]


@dataclass(frozen=True)
class ConfigSetting:
    """One non-secret setting a channel kind needs to publish (stored in ``Channel.config``)."""

    key: str
    label: str
    help_text: str
    is_url: bool = False


# What each kind's adapter reads from Channel.config; secrets live with the credentials.
CONFIG_SETTINGS: dict[str, tuple[ConfigSetting, ...]] = {
    ChannelKind.FACEBOOK: (
        ConfigSetting(
            "page_id", _("Id della Pagina"), _("Il numero della Pagina, da Impostazioni.")
        ),
    ),
    ChannelKind.INSTAGRAM: (
        ConfigSetting(
            "ig_user_id",
            _("Id dell'account Instagram professionale"),
            _("L'account collegato alla Pagina Facebook del Comune."),
        ),
    ),
    ChannelKind.LINKEDIN: (
        ConfigSetting(
            "organization_id",
            _("Id dell'organizzazione"),
            _("Il numero nella pagina aziendale, es. 12345678."),
        ),
    ),
    ChannelKind.MASTODON: (
        ConfigSetting(
            "base_url",
            _("Indirizzo dell'istanza"),
            _("Es. https://mastodon.uno: l'istanza dove vive l'account del Comune."),
            is_url=True,
        ),
    ),
    ChannelKind.TELEGRAM: (
        ConfigSetting(
            "chat_id",
            _("Canale o gruppo"),
            _("@nomecanale, oppure l'id numerico; il bot deve esserne amministratore."),
        ),
    ),
    ChannelKind.WEBHOOK: (
        ConfigSetting(
            "url",
            _("Indirizzo di destinazione"),
            _("Dove inviare ogni pubblicazione (https), firmata con la chiave del canale."),
            is_url=True,
        ),
    ),
}


def config_settings_for(kind: str) -> tuple[ConfigSetting, ...]:
    try:
        return CONFIG_SETTINGS.get(ChannelKind(kind), ())
    except ValueError:  # an unknown kind typed into the form: its own field reports it
        return ()


# Kinds a person connects in the app (the network's login, or Telegram's bot token).
CONNECTABLE_KINDS = frozenset(
    {
        ChannelKind.X,
        ChannelKind.MASTODON,
        ChannelKind.FACEBOOK,
        ChannelKind.INSTAGRAM,
        ChannelKind.LINKEDIN,
        ChannelKind.TELEGRAM,
    }
)


# Channels whose items carry a headline of their own, written for citizens on the variant
# (``Variant.public_title``); the post's title is internal and never published. The website's
# news item and the newsletter's subject always need one; LinkedIn only for the card of the
# post's link (its article title); the webhook passes it on when written.
PUBLIC_TITLE_REQUIRED = frozenset({ChannelKind.WEBSITE, ChannelKind.NEWSLETTER})
PUBLIC_TITLE_FOR_LINK = frozenset({ChannelKind.LINKEDIN})
PUBLIC_TITLE_OPTIONAL = frozenset({ChannelKind.WEBHOOK})


def has_public_title(kind: str) -> bool:
    """Whether the editor offers a public title for this kind of channel."""
    return kind in PUBLIC_TITLE_REQUIRED | PUBLIC_TITLE_FOR_LINK | PUBLIC_TITLE_OPTIONAL


def public_title_required(kind: str, *, link: str = "") -> bool:
    """Whether a variant on this kind of channel cannot go out without a public title."""
    return kind in PUBLIC_TITLE_REQUIRED or (kind in PUBLIC_TITLE_FOR_LINK and bool(link))
