from .enums import ChannelKind
from .models import Channel

DEMO_CHANNELS = [
    ("Facebook · Comune di Esempio", ChannelKind.FACEBOOK),
    ("Instagram · @comunediesempio", ChannelKind.INSTAGRAM),
    ("X · @ComuneEsempio", ChannelKind.X),
    ("LinkedIn · Comune di Esempio", ChannelKind.LINKEDIN),
    ("Telegram · Comune di Esempio Informa", ChannelKind.TELEGRAM),
    ("Mastodon · @comune@social.esempio.it", ChannelKind.MASTODON),
    ("Bluesky · @comune.bsky.social", ChannelKind.BLUESKY),
    ("Threads · @comunediesempio", ChannelKind.THREADS),
    ("Newsletter settimanale", ChannelKind.NEWSLETTER),
    ("Sito web · Notizie", ChannelKind.WEBSITE),
    # The Comune's WordPress site: inactive until an administrator types its address, the
    # user and an application password (docs/channels.md).
    ("Sito comunale (WordPress)", ChannelKind.WORDPRESS),
]
# Channels the demo creates switched off: they need the office's own site to send to.
DEMO_INACTIVE = frozenset({ChannelKind.WORDPRESS})
# Tone defaults the demo sets: the office that curates the website's news.
DEMO_CONFIG = {
    ChannelKind.WEBSITE: {"news_office": "Ufficio comunicazione"},
    ChannelKind.WORDPRESS: {
        "base_url": "https://www.comune.esempio.it",
        "username": "redazione",
        "news_office": "Ufficio comunicazione",
    },
}
# The queues of "Metti in coda" (apps/slots/queueing.py): when the office posts on a channel.
DEMO_PREFERRED_TIMES = {
    ChannelKind.FACEBOOK: "09:00, 12:30, 18:00",
    ChannelKind.TELEGRAM: "08:30, 13:00",
    ChannelKind.X: "09:00, 17:30",
}


def load(ctx: dict) -> None:
    channels = {}
    for name, kind in DEMO_CHANNELS:
        channel, _ = Channel.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "preferred_times": DEMO_PREFERRED_TIMES.get(kind, ""),
                "active": kind not in DEMO_INACTIVE,
                "config": DEMO_CONFIG.get(kind, {}),
            },
        )
        channels[kind] = channel
    ctx["channels"] = channels
