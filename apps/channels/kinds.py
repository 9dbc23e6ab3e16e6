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


# How each network counts and sends text: the editor's checks and the adapters read these
# (through ``planning.checks.text_as_sent``), so the count shown is the count sent.
# X and Mastodon shorten every link to a fixed weight.
URL_WEIGHT = {ChannelKind.X: 23, ChannelKind.MASTODON: 23}
# The publishing adapters of these kinds append the post's link when the text lacks it.
LINK_APPENDED_WITH = {
    ChannelKind.X: " ",
    ChannelKind.MASTODON: "\n\n",
    ChannelKind.TELEGRAM: "\n\n",
}
# Facebook sends the link as the post's link card, except on a photo post (a photo has no
# card): then the link goes at the end of the message, as on the kinds above.
LINK_APPENDED_WITH_IMAGES = {
    **LINK_APPENDED_WITH,
    ChannelKind.FACEBOOK: "\n\n",
    # Bluesky draws the link as a card (an external embed), but a post with images has its
    # images as its embed: the link then goes at the end of the text, as a link facet.
    ChannelKind.BLUESKY: "\n\n",
    # Threads attaches the link as a card (``link_attachment``) to a text post only.
    ChannelKind.THREADS: "\n\n",
    # LinkedIn's post has one content: an article (the link's card) or its images.
    ChannelKind.LINKEDIN: "\n\n",
}
# Networks that count user-perceived characters (extended grapheme clusters, UAX #29): an
# emoji with its modifiers, or a letter with its accents, is one. Bluesky's 300 are graphemes.
COUNTS_GRAPHEMES = frozenset({ChannelKind.BLUESKY})
# How many images one post carries on each network: the adapters send that many (in order),
# the previews show them, the editor warns beyond them. Kinds without an entry take none
# (newsletter: the email is text only) or, for the website and the webhook, all.
MAX_IMAGES = {
    ChannelKind.FACEBOOK: 10,  # one photo, or a multi-photo post
    ChannelKind.INSTAGRAM: 1,
    ChannelKind.TELEGRAM: 1,  # sendPhoto
    ChannelKind.X: 4,
    ChannelKind.LINKEDIN: 20,  # multiImage
    ChannelKind.MASTODON: 4,
    ChannelKind.BLUESKY: 4,
    ChannelKind.THREADS: 20,  # a carousel
    ChannelKind.NEWSLETTER: 0,
}
# With an image the text becomes a caption, with a shorter limit (Telegram's sendPhoto).
CAPTION_LIMIT = {ChannelKind.TELEGRAM: 1024}


DEFAULTS: dict[str, KindDefaults] = {
    ChannelKind.FACEBOOK: KindDefaults(
        char_limit=63206,
        formality=Formality.INFORMAL,
        guidance=_(
            "Tono amichevole, colloquiale ed emozionale. Parla come una persona, "
            "dai del tu, racconta. Un'immagine con testo alternativo aiuta."
        ),
        max_hashtags=3,
        emoji_allowed=True,
        link_expected=False,
        gulpease_target=60,
        icon="it-facebook",
    ),
    ChannelKind.INSTAGRAM: KindDefaults(
        char_limit=2200,
        formality=Formality.INFORMAL,
        guidance=_(
            "Visivo e caldo: l'immagine racconta, il testo accompagna. "
            "Hashtag in CamelCase, al massimo qualche emoji."
        ),
        max_hashtags=10,
        emoji_allowed=True,
        link_expected=False,
        gulpease_target=60,
        icon="it-instagram",
    ),
    ChannelKind.X: KindDefaults(
        char_limit=280,
        formality=Formality.NEUTRAL,
        guidance=_("Breve, diretto, al punto: chi, cosa, quando. Un link per i dettagli."),
        max_hashtags=2,
        emoji_allowed=False,
        link_expected=True,
        gulpease_target=60,
        icon="it-twitter",
    ),
    ChannelKind.LINKEDIN: KindDefaults(
        char_limit=3000,
        formality=Formality.FORMAL,
        guidance=_("Formale, preciso, tecnico. Dati, riferimenti normativi, niente emoji."),
        max_hashtags=3,
        emoji_allowed=False,
        link_expected=True,
        gulpease_target=50,
        icon="it-linkedin",
    ),
    ChannelKind.TELEGRAM: KindDefaults(
        char_limit=4096,
        formality=Formality.NEUTRAL,
        guidance=_("Semplice e informativo: la notizia in apertura, poi i dettagli pratici."),
        max_hashtags=2,
        emoji_allowed=True,
        link_expected=True,
        gulpease_target=60,
        icon="it-telegram",
    ),
    ChannelKind.MASTODON: KindDefaults(
        char_limit=500,
        formality=Formality.NEUTRAL,
        guidance=_("Chiaro e sobrio. Hashtag in CamelCase per l'accessibilità."),
        max_hashtags=4,
        emoji_allowed=True,
        link_expected=True,
        gulpease_target=60,
        icon="it-mastodon",
    ),
    ChannelKind.BLUESKY: KindDefaults(
        char_limit=300,
        formality=Formality.INFORMAL,
        guidance=_(
            "Conversazionale e breve: una frase che si legge in un respiro, poi il link. "
            "Hashtag pochi e in CamelCase, menzioni con @nome.bsky.social."
        ),
        max_hashtags=2,
        emoji_allowed=True,
        link_expected=True,
        gulpease_target=60,
        icon="it-bluesky",
    ),
    ChannelKind.THREADS: KindDefaults(
        char_limit=500,
        formality=Formality.INFORMAL,
        guidance=_(
            "Colloquiale come su Instagram, ma è il testo a parlare: frasi brevi, si può dare "
            "del tu. Un solo argomento (#tag) per post; l'immagine con testo alternativo aiuta."
        ),
        max_hashtags=1,
        emoji_allowed=True,
        link_expected=False,
        gulpease_target=60,
        icon="it-threads",
    ),
    ChannelKind.NEWSLETTER: KindDefaults(
        char_limit=20000,
        formality=Formality.NEUTRAL,
        guidance=_("Semplice e informativo, con titoli chiari e i passaggi in ordine."),
        max_hashtags=0,
        emoji_allowed=False,
        link_expected=True,
        gulpease_target=60,
        icon="it-mail",
    ),
    ChannelKind.WEBSITE: KindDefaults(
        char_limit=20000,
        formality=Formality.NEUTRAL,
        guidance=_(
            "Linguaggio chiaro: chi, cosa, dove, come, quando nelle prime righe. "
            "Titoli fino a 65 caratteri."
        ),
        max_hashtags=0,
        emoji_allowed=False,
        link_expected=False,
        gulpease_target=60,
        icon="it-horn",
    ),
    ChannelKind.WORDPRESS: KindDefaults(
        char_limit=20000,
        formality=Formality.NEUTRAL,
        guidance=_(
            "La notizia del sito comunale (modello Designers Italia): titolo fino a 65 "
            "caratteri, descrizione breve fino a 255, chi, cosa, dove, come, quando nelle "
            "prime righe."
        ),
        max_hashtags=0,
        emoji_allowed=False,
        link_expected=False,
        gulpease_target=60,
        icon="it-horn",
    ),
    ChannelKind.WEBHOOK: KindDefaults(
        char_limit=20000,
        formality=Formality.NEUTRAL,
        guidance=_("Testo inviato a un sistema esterno."),
        max_hashtags=5,
        emoji_allowed=True,
        link_expected=False,
        gulpease_target=0,
        icon="it-exchange-circle",
    ),
    ChannelKind.OUTBOX: KindDefaults(
        char_limit=5000,
        formality=Formality.NEUTRAL,
        guidance=_("Canale dimostrativo: registra la pubblicazione senza inviarla."),
        max_hashtags=5,
        emoji_allowed=True,
        link_expected=False,
        gulpease_target=60,
        icon="it-inbox",
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
    ChannelKind.WEBSITE: (
        ConfigSetting(
            "news_office",
            _("A cura di (ufficio predefinito)"),
            _("L'ufficio che cura le notizie, proposto nell'editor; si può cambiare per post."),
        ),
    ),
    ChannelKind.WORDPRESS: (
        ConfigSetting(
            "base_url",
            _("Indirizzo del sito"),
            _("Es. https://www.comune.esempio.it: il sito WordPress con il tema dei Comuni."),
            is_url=True,
        ),
        ConfigSetting(
            "username",
            _("Utente WordPress"),
            _("L'utente a cui appartiene la password per le applicazioni."),
        ),
        ConfigSetting(
            "news_office",
            _("A cura di (ufficio predefinito)"),
            _(
                "Proposto nell'editor: deve essere un'unità organizzativa del sito, con lo "
                "stesso nome."
            ),
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
        ChannelKind.BLUESKY,
        ChannelKind.THREADS,
    }
)


# Channels whose items carry a headline of their own, written for citizens on the variant
# (``Variant.public_title``); the post's title is internal and never published. The website's
# news item and the newsletter's subject always need one; LinkedIn only for the card of the
# post's link (its article title); the webhook passes it on when written.
PUBLIC_TITLE_REQUIRED = frozenset(
    {ChannelKind.WEBSITE, ChannelKind.WORDPRESS, ChannelKind.NEWSLETTER}
)
PUBLIC_TITLE_FOR_LINK = frozenset({ChannelKind.LINKEDIN})
PUBLIC_TITLE_OPTIONAL = frozenset({ChannelKind.WEBHOOK})


# Channels that publish a *Notizia* of the Designers Italia "sito comunale" model: the variant
# carries a short description, topics (argomenti), a news type and the office responsible
# ("a cura di"), all required there; the webhook passes them on when written.
NEWS_FIELDS_REQUIRED = frozenset({ChannelKind.WEBSITE, ChannelKind.WORDPRESS})
NEWS_FIELDS_OPTIONAL = frozenset({ChannelKind.WEBHOOK})


def has_news_fields(kind: str) -> bool:
    """Whether the editor offers the *Notizia* fields for this kind of channel."""
    return kind in NEWS_FIELDS_REQUIRED | NEWS_FIELDS_OPTIONAL


def news_fields_required(kind: str) -> bool:
    return kind in NEWS_FIELDS_REQUIRED


def has_public_title(kind: str) -> bool:
    """Whether the editor offers a public title for this kind of channel."""
    return kind in PUBLIC_TITLE_REQUIRED | PUBLIC_TITLE_FOR_LINK | PUBLIC_TITLE_OPTIONAL


def public_title_required(kind: str, *, link: str = "") -> bool:
    """Whether a variant on this kind of channel cannot go out without a public title."""
    return kind in PUBLIC_TITLE_REQUIRED or (kind in PUBLIC_TITLE_FOR_LINK and bool(link))


# Channels whose published item can be edited in place: an approved correction of a post
# already sent updates it there (``publishing.corrections``; the adapter's ``update``).
# Elsewhere the item stays as published, and a correction there is a new post.
UPDATABLE_KINDS = frozenset({ChannelKind.WORDPRESS})


def can_update_published(kind: str) -> bool:
    """Whether an approved correction updates the item already published on this kind."""
    return kind in UPDATABLE_KINDS
