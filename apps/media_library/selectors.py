"""Reads of the media library, each preloading what its page shows."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.fields.files import FieldFile
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.events.models import Event, EventStatus
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.planning.previews import ImageSource

from .enums import AssetKind
from .models import Asset, Collection, EventAsset, PostAsset, Tag
from .networks import NETWORKS, VIDEO_NETWORKS, video_problems


@dataclass(frozen=True)
class LibraryFilters:
    q: str = ""
    kind: str = ""
    tag: Tag | None = None
    collection: Collection | None = None
    uploader: object | None = None
    uploaded_from: datetime.date | None = None
    uploaded_to: datetime.date | None = None
    usage: str = ""  # "used", "unused", or "" for both


def assets_for_library(*, filters: LibraryFilters) -> QuerySet[Asset]:
    assets = (
        Asset.objects.select_related("uploaded_by", "collection")
        .prefetch_related("tags")
        .annotate(use_count=Count("uses", distinct=True) + Count("event_uses", distinct=True))
        .order_by("-uploaded_at", "-id")
    )
    if filters.q:
        words = filters.q.split()
        for word in words[:8]:
            assets = assets.filter(
                Q(alt_text__icontains=word)
                | Q(caption__icontains=word)
                | Q(credits__icontains=word)
                | Q(tags__name__icontains=word)
                | Q(collection__name__icontains=word)
            )
        assets = assets.distinct()
    if filters.kind:
        assets = assets.filter(kind=filters.kind)
    if filters.tag is not None:
        assets = assets.filter(tags=filters.tag)
    if filters.collection is not None:
        assets = assets.filter(collection=filters.collection)
    if filters.uploader is not None:
        assets = assets.filter(uploaded_by=filters.uploader)
    if filters.uploaded_from or filters.uploaded_to:
        assets = assets.annotate(day=TruncDate("uploaded_at"))
        if filters.uploaded_from:
            assets = assets.filter(day__gte=filters.uploaded_from)
        if filters.uploaded_to:
            assets = assets.filter(day__lte=filters.uploaded_to)
    if filters.usage == "used":
        assets = assets.filter(use_count__gt=0)
    elif filters.usage == "unused":
        assets = assets.filter(use_count=0)
    return assets


def uploaders() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(media_assets__isnull=False)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def asset_for_page(*, pk: int) -> Asset | None:
    return (
        Asset.objects.select_related("uploaded_by", "collection")
        .prefetch_related("tags", "renditions", "captions")
        .filter(pk=pk)
        .first()
    )


def uses_of(*, asset: Asset) -> list[PostAsset]:
    """Where the asset is used, soonest post first."""
    return list(
        PostAsset.objects.filter(asset=asset)
        .select_related("post", "post__category")
        .order_by("post__planned_at", "post_id")
    )


def posts_after_rights_expiry(*, asset: Asset | None = None) -> QuerySet[Post]:
    """Posts not cancelled that are planned after the expiry of an asset they use (by the
    Comune's calendar day): the rights will have ended when they go out. For one asset, or
    across the library."""
    uses = PostAsset.objects.filter(post__planned_at__date__gt=F("asset__rights_expire_on"))
    if asset is not None:
        uses = uses.filter(asset=asset)
    return (
        Post.objects.filter(pk__in=uses.values("post_id"))
        .exclude(status=PostStatus.CANCELLED)
        .order_by("planned_at", "pk")
    )


def event_uses_of(*, asset: Asset) -> list[EventAsset]:
    """The public events showing the asset, soonest first."""
    return list(
        EventAsset.objects.filter(asset=asset)
        .select_related("event", "event__category")
        .order_by("event__starts_at", "event_id")
    )


def events_after_rights_expiry(*, asset: Asset) -> list[Event]:
    """The events not cancelled that show ``asset`` on a day after its rights expire (by the
    Comune's calendar day, an all-day event's last day included): one still going on after
    the expiry, or a weekly series repeating past it (or without end)."""
    expiry = asset.rights_expire_on
    if expiry is None:
        return []
    flagged = []
    for use in event_uses_of(asset=asset):
        event = use.event
        if event.status == EventStatus.CANCELLED:
            continue
        repeats_past = bool(event.rrule) and (
            event.repeat_until is None or event.repeat_until > expiry
        )
        if event.last_day > expiry or repeats_past:
            flagged.append(event)
    return flagged


def event_asset(*, event) -> Asset | None:
    """The library image an event shows, if it shows one."""
    use = EventAsset.objects.filter(event=event).select_related("asset").first()
    return use.asset if use is not None else None


PICKER_LIMIT = 24


def assets_for_picker(*, q: str, selected_ids: list[int], images_only: bool = False) -> list[Asset]:
    """What a post (or, ``images_only``, an event) can use: the assets already chosen first
    (so a search never loses them), then up to ``PICKER_LIMIT`` usable ones (alt text
    written, rights not expired) matching the words of ``q``."""
    base = Asset.objects.select_related("collection").order_by("-uploaded_at", "-id")
    if images_only:
        base = base.filter(kind=AssetKind.IMAGE)
    chosen = list(base.filter(pk__in=selected_ids)) if selected_ids else []
    candidates = base.exclude(alt_text="").exclude(pk__in=[a.pk for a in chosen])
    candidates = candidates.filter(
        Q(rights_expire_on__isnull=True) | Q(rights_expire_on__gte=timezone.localdate())
    )
    for word in q.split()[:8]:
        candidates = candidates.filter(
            Q(alt_text__icontains=word)
            | Q(caption__icontains=word)
            | Q(tags__name__icontains=word)
            | Q(collection__name__icontains=word)
        )
    if q.split():
        candidates = candidates.distinct()
    order = {pk: n for n, pk in enumerate(selected_ids)}
    chosen.sort(key=lambda a: order.get(a.pk, 0))
    return chosen + list(candidates[:PICKER_LIMIT])


def post_assets(*, post) -> list[Asset]:
    """The library assets a post uses, in the order chosen (one query)."""
    return [
        use.asset
        for use in PostAsset.objects.filter(post=post)
        .select_related("asset")
        .order_by("position", "id")
    ]


def network_file(asset: Asset, network: str) -> FieldFile:
    """The file of ``asset`` that goes to ``network``: its rendition when it is of the current
    content and focal point, otherwise the cleaned image itself (reads ``asset.renditions``,
    prefetched by the callers that list several)."""
    for rendition in asset.renditions.all():
        if (
            rendition.network == network
            and rendition.source_hash == asset.content_hash
            and (rendition.focal_x, rendition.focal_y) == (asset.focal_x, asset.focal_y)
        ):
            return rendition.file
    return asset.file


def library_images(
    assets, *, network: str, alt_overrides: dict | None = None
) -> list[tuple[FieldFile, str]]:
    """The images among ``assets`` (in their order) as ``network`` gets them, each as (file,
    alt text): :func:`network_file`, and the channel's own alt text for the asset
    (``Variant.alt_text_overrides``) or else the asset's. Videos are not sent as images."""
    overrides = alt_overrides or {}
    return [
        (network_file(asset, network), overrides.get(str(asset.pk)) or asset.alt_text)
        for asset in assets
        if asset.kind == AssetKind.IMAGE
    ]


def preview_sources(own_images, assets, *, network: str, alt_overrides: dict | None = None):
    """What a network's preview shows of a post: its own images then the library's (as each
    network gets them), or, where the network takes video and the post has one, only that
    video's poster frame (the send replaces the images with it, ``publishing.sending``)."""
    if network in VIDEO_NETWORKS:
        video = next((a for a in assets if a.kind == AssetKind.VIDEO), None)
        if video is not None:
            alt = (alt_overrides or {}).get(str(video.pk)) or video.alt_text
            url = video.poster.url if video.poster else ""
            return [ImageSource(url=url, alt_text=alt, video=True)]
    return list(own_images) + [
        ImageSource(url=file.url, alt_text=alt)
        for file, alt in library_images(assets, network=network, alt_overrides=alt_overrides)
    ]


def images_to_send(
    *, post, network: str, alt_overrides: dict | None = None
) -> list[tuple[FieldFile, str]]:
    """The library images a post sends to one network, in the order chosen (what
    :func:`prefetch_uses_to_send` loaded, else three queries): :func:`library_images`."""
    uses = [use for use in _uses_to_send(post) if use.asset.kind == AssetKind.IMAGE]
    return library_images([use.asset for use in uses], network=network, alt_overrides=alt_overrides)


SENDING_USES = "library_uses_to_send"


def _uses_query():
    return (
        PostAsset.objects.select_related("asset")
        .prefetch_related("asset__renditions", "asset__captions")
        .order_by("position", "id")
    )


def prefetch_uses_to_send(posts) -> None:
    """Loads what :func:`images_to_send` and :func:`video_to_send` read for every post of a
    batch of sends at once (three queries for the batch instead of two per delivery)."""
    prefetch_related_objects(posts, Prefetch("media", queryset=_uses_query(), to_attr=SENDING_USES))


def _uses_to_send(post) -> list[PostAsset]:
    uses = getattr(post, SENDING_USES, None)
    return uses if uses is not None else list(_uses_query().filter(post=post))


def video_to_send(*, post, network: str) -> tuple[Asset | None, list[str]]:
    """The first video the post uses and, when it does not fit ``network``'s limits
    (``networks.video_problems``), why not: ``(None, [])`` when the post has no video."""
    use = next((use for use in _uses_to_send(post) if use.asset.kind == AssetKind.VIDEO), None)
    if use is None:
        return None, []
    limits = NETWORKS.get(network)
    problems = (
        video_problems(
            limits, size=use.asset.size_bytes, seconds=use.asset.duration, codec=use.asset.codec
        )
        if limits is not None
        else []
    )
    return use.asset, problems


def assets_in_order(ids: list[int]) -> list[Asset]:
    """The assets of ``ids`` (those still in the library), in that order, with renditions."""
    found = {a.pk: a for a in Asset.objects.filter(pk__in=ids).prefetch_related("renditions")}
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def with_library_assets(post):
    """The post with ``post.media`` (and each asset) loaded in one query, for the pages that
    show its assets and count its images (``rules.library_image_count``)."""
    prefetch_related_objects([post], "media__asset__renditions")
    return post
