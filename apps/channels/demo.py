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
]


def load(ctx: dict) -> None:
    channels = {}
    for name, kind in DEMO_CHANNELS:
        channel, _ = Channel.objects.get_or_create(name=name, defaults={"kind": kind})
        channels[kind] = channel
    ctx["channels"] = channels
