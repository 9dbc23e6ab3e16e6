"""What a variant will look like on its network: the approver signs off on what goes out.

Built from the same functions the adapters send with (:func:`.checks.text_as_sent`) and count
with (:func:`.checks.count_characters`), so the preview, the counters of the editor and of the
review queue, the approval check and the request to the network never disagree. Rendering is
the templates' (``templates/planning/includes/network_preview.html``); this module decides
the content: the text as sent, where the network folds it, the images and their crop, the
link card.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

from apps.channels.enums import ChannelKind
from apps.channels.kinds import MAX_IMAGES, has_news_fields, has_public_title

from .checks import count_characters, limit_for, text_as_sent
from .news import NewsFields

# Where each network folds a long text behind "… Altro" in its feed (characters shown before
# the fold; the networks measure in lines on some screens, these are their usual cut-offs).
FOLD_AFTER = {
    ChannelKind.FACEBOOK: 480,
    ChannelKind.INSTAGRAM: 125,
    ChannelKind.LINKEDIN: 210,
}
# Networks that draw a card for the post's link: Facebook only when the post has no photo
# (a photo post carries the link in its text), the others always.
LINK_CARD_KINDS = frozenset(
    {
        ChannelKind.FACEBOOK,
        ChannelKind.X,
        ChannelKind.LINKEDIN,
        ChannelKind.MASTODON,
        ChannelKind.TELEGRAM,
        ChannelKind.BLUESKY,
        ChannelKind.THREADS,
    }
)
# Networks whose card is the post's embed: a post with images has them as its embed instead,
# and carries the link in its text.
CARD_ONLY_WITHOUT_IMAGES = frozenset(
    {
        ChannelKind.FACEBOOK,
        ChannelKind.BLUESKY,
        ChannelKind.THREADS,
        ChannelKind.X,
        ChannelKind.LINKEDIN,
    }
)


@dataclass(frozen=True)
class PreviewImage:
    url: str
    alt_text: str
    square: bool  # Instagram's feed crops every image to a square
    video: bool = False  # the poster frame of the video the network gets instead


@dataclass
class ChannelPreview:
    """One variant as its network will show it."""

    channel: object
    kind: str
    text: str  # exactly what is sent
    length: int  # as the network counts it
    limit: int
    public_title: str
    author_name: str
    account: str
    shown: str  # the text before the fold (all of it when the network does not fold)
    folded: str  # the rest, behind "… Altro"
    images: list[PreviewImage] = field(default_factory=list)
    link_card: str = ""  # the link the network draws a card for
    link_host: str = ""
    news: NewsFields | None = None  # the website Notizia's fields, where the channel has them

    @property
    def over_limit(self) -> bool:
        return self.length > self.limit

    @property
    def is_folded(self) -> bool:
        return bool(self.folded)


def _fold(text: str, kind: str) -> tuple[str, str]:
    cut = FOLD_AFTER.get(kind)
    if cut is None or len(text) <= cut:
        return text, ""
    # Cut at the last space before the limit, as the networks do, not inside a word.
    space = text.rfind(" ", 0, cut)
    at = space if space > cut // 2 else cut
    return text[:at], text[at:]


@dataclass(frozen=True)
class ImageSource:
    """An image the post sends that is not one of its own rows: a media-library image, as
    the interface layer finds it for one channel (its rendition, the channel's alt text)."""

    url: str
    alt_text: str
    video: bool = False  # the poster frame of a video sent instead of the images


def _source(image) -> ImageSource:
    if isinstance(image, ImageSource):
        return image
    return ImageSource(url=image.image.url, alt_text=image.alt_text)  # a PostImage


def _images(kind: str, images) -> list[PreviewImage]:
    """The images as the network will show them (kinds without an entry show them all)."""
    shown = MAX_IMAGES.get(kind)  # what the adapter sends
    chosen = list(images) if shown is None else list(images)[:shown]
    return [
        PreviewImage(
            url=image.url,
            alt_text=image.alt_text,
            square=kind == ChannelKind.INSTAGRAM and not image.video,
            video=image.video,
        )
        for image in map(_source, chosen)
    ]


def build_preview(
    *,
    channel,
    text: str,
    link: str = "",
    public_title: str = "",
    images=(),
    news: NewsFields | None = None,
):
    """The preview of ``text`` on ``channel``; ``images`` are PostImage rows, then the
    :class:`ImageSource` of library images, in the order they are sent."""
    images = list(images)
    has_images = bool(images)
    sent = text_as_sent(text or "", channel.kind, link, has_images=has_images)
    shown, folded = _fold(sent, channel.kind)
    card = ""
    if link and channel.kind in LINK_CARD_KINDS:
        if not (channel.kind in CARD_ONLY_WITHOUT_IMAGES and has_images):
            card = link
    return ChannelPreview(
        channel=channel,
        kind=channel.kind,
        text=sent,
        length=count_characters(sent, channel.kind),
        limit=limit_for(channel, has_images=has_images),
        public_title=public_title if has_public_title(channel.kind) else "",
        author_name=settings.COMUNE_NAME,
        account=channel.name,
        shown=shown,
        folded=folded,
        images=_images(channel.kind, images),
        link_card=card,
        link_host=urlsplit(card).hostname or "" if card else "",
        news=(news or NewsFields()) if has_news_fields(channel.kind) else None,
    )


def previews_for_post(post, *, library=None) -> list[ChannelPreview]:
    """One preview per variant (variants with their channel and the images prefetched).
    ``library(variant, own_images)`` gives what the variant sends: the post's own images and
    then the library's as :class:`ImageSource`, or only a video's (the interface layer reads
    the media library)."""
    images = list(post.images.all())
    return [
        build_preview(
            channel=variant.channel,
            text=variant.text or post.base_text,
            link=post.link,
            public_title=variant.public_title,
            images=list(library(variant, images)) if library is not None else images,
            news=NewsFields.of(variant),
        )
        for variant in post.variants.all()
    ]
