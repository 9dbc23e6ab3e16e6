"""Writes of the media library. Every upload is processed before anything is stored, stored
before its row is created, and its files removed again if the row is not: nothing is ever
half-stored. Renditions are made afterwards by a Celery task (``tasks.make_renditions``)."""

import datetime
import hashlib
import io
import tempfile
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import webvtt
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps

from apps.audit.services import record
from apps.core import images
from apps.core.queue import enqueue
from apps.events import services as event_services
from apps.planning.enums import PostStatus

from . import video
from .enums import AssetKind, CaptionLanguage, Licence
from .models import Asset, Caption, Collection, EventAsset, PostAsset, Rendition, Tag
from .networks import NETWORKS, NetworkLimits

CHUNK = 1024 * 1024
# The post states in which the files a reviewer approved are what goes out: not swapped.
LOCKED_POST_STATES = frozenset({PostStatus.APPROVED, PostStatus.PAUSED})
_STILL_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


class AssetRefused(ValueError):
    """An upload or a change refused; the message is for the person who made it."""


class AssetInUse(Exception):
    """The asset is used by posts (``posts``) or public events (``events``) and cannot be
    deleted."""

    def __init__(self, posts, events=()):
        parts = []
        if posts:
            parts.append(
                ngettext(
                    "Il file è usato da %(n)s post.", "Il file è usato da %(n)s post.", len(posts)
                )
                % {"n": len(posts)}
            )
        if events:
            parts.append(
                ngettext(
                    "Il file è usato da %(n)s evento.",
                    "Il file è usato da %(n)s eventi.",
                    len(events),
                )
                % {"n": len(events)}
            )
        super().__init__(" ".join(parts))
        self.posts = list(posts)
        self.events = list(events)


@dataclass
class Added:
    """The outcome of one file of an upload: a new asset, or the one already holding it."""

    asset: Asset
    duplicate: bool = False


@dataclass
class _Processed:
    kind: str
    files: dict[str, bytes | Path] = field(default_factory=dict)  # "file", "poster"
    suffix: str = ""
    width: int = 0
    height: int = 0
    duration: float | None = None
    codec: str = ""


def content_hash(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in (
        upload.chunks(CHUNK) if hasattr(upload, "chunks") else iter(lambda: upload.read(CHUNK), b"")
    ):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _looks_like_video(upload) -> bool:
    """MP4 and MOV files are ISO base media files: their first box is ``ftyp`` (or a
    QuickTime ``moov``/``wide``/``mdat``/``free``)."""
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    if head[4:8] == b"ftyp" and head[8:12] in _STILL_IMAGE_BRANDS:
        return False  # HEIC/AVIF photos are ISO files too: Pillow refuses them with a message
    return head[4:8] in {b"ftyp", b"moov", b"wide", b"mdat", b"free", b"skip"}


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def _process_image(upload) -> _Processed:
    if upload.size > settings.MEDIA_MAX_IMAGE_BYTES:
        raise AssetRefused(
            _("Immagine troppo pesante: al massimo %(mb)s MB.")
            % {"mb": _megabytes(settings.MEDIA_MAX_IMAGE_BYTES)}
        )
    try:
        data, kind = images.reencoded(upload, images.POST_FORMATS)
    except images.ImageRefused as exc:
        raise AssetRefused(str(exc)) from None
    with Image.open(io.BytesIO(data)) as stored:
        width, height = stored.size
    return _Processed(
        kind=AssetKind.IMAGE,
        files={"file": data},
        suffix=images.SUFFIX[kind],
        width=width,
        height=height,
    )


def _process_video(upload, workdir: Path) -> _Processed:
    if upload.size > settings.MEDIA_MAX_VIDEO_BYTES:
        raise AssetRefused(
            _("Video troppo pesante: al massimo %(mb)s MB.")
            % {"mb": _megabytes(settings.MEDIA_MAX_VIDEO_BYTES)}
        )
    source = workdir / "upload"
    with source.open("wb") as handle:
        upload.seek(0)
        for chunk in upload.chunks(CHUNK):
            handle.write(chunk)
    upload.seek(0)
    try:
        info = video.probe(source)
        clean = workdir / "clean.mp4"
        video.clean_copy(source, clean)
        frame = workdir / "poster.png"
        video.poster_frame(clean, frame, at=min(1.0, info.duration / 2))
    except video.VideoRefused as exc:
        raise AssetRefused(str(exc)) from None
    with Image.open(frame) as still:
        output = io.BytesIO()
        still.convert("RGB").save(output, format="JPEG", quality=85)
    return _Processed(
        kind=AssetKind.VIDEO,
        files={"file": clean, "poster": output.getvalue()},
        suffix="mp4",
        width=info.width,
        height=info.height,
        duration=info.duration,
        codec=info.codec,
    )


def _store(processed: _Processed) -> dict[str, str]:
    """Each processed file saved under a random name; the stored names by role."""
    day = timezone.localdate()
    stem = f"media_library/{day:%Y/%m}/{uuid.uuid4().hex}"
    names: dict[str, str] = {}
    try:
        for role, content in processed.files.items():
            suffix = processed.suffix if role == "file" else "jpg"
            name = f"{stem}.{suffix}" if role == "file" else f"{stem}-poster.{suffix}"
            if isinstance(content, Path):
                with content.open("rb") as handle:
                    names[role] = default_storage.save(name, handle)
            else:
                names[role] = default_storage.save(name, ContentFile(content))
    except Exception:
        _delete_files(names.values())
        raise
    return names


def _delete_files(names) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def originals_storage():
    """Where kept originals live: a storage of their own, never served (settings.STORAGES)."""
    return storages["media_originals"]


def _keep_original(upload) -> str:
    """The upload stored as it came, streamed, when an administrator keeps originals
    (``settings.MEDIA_KEEP_ORIGINALS``); "" (and not a byte stored) otherwise."""
    if not settings.MEDIA_KEEP_ORIGINALS:
        return ""
    day = timezone.localdate()
    upload.seek(0)
    try:
        return originals_storage().save(f"{day:%Y/%m}/{uuid.uuid4().hex}.original", upload)
    finally:
        upload.seek(0)


def open_original(*, asset: Asset, by):
    """The kept original of ``asset``, opened for reading (audited: it may carry where and by
    whom the photo was taken); None when there is none."""
    if not asset.original_name:
        return None
    handle = originals_storage().open(asset.original_name, "rb")
    record(
        action="media.original_downloaded",
        actor=by,
        obj=asset,
        summary=lambda: _("Scaricato il file originale, con i suoi metadati."),
    )
    return handle


def _delete_original(name: str) -> None:
    if name:
        originals_storage().delete(name)


def _process(upload, workdir: Path) -> _Processed:
    if _looks_like_video(upload):
        return _process_video(upload, workdir)
    return _process_image(upload)


def _tags(names: list[str]) -> list[Tag]:
    cleaned = sorted({" ".join(n.split())[:60] for n in names if n.strip()}, key=str.lower)
    return [Tag.objects.get_or_create(name=name)[0] for name in cleaned]


def _collection(name: str) -> Collection | None:
    name = " ".join(name.split())[:120]
    return Collection.objects.get_or_create(name=name)[0] if name else None


def split_tags(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def add_asset(
    *,
    upload,
    by,
    alt_text: str = "",
    caption: str = "",
    credits: str = "",
    licence: str = Licence.COMUNE,
    licence_other: str = "",
    tag_names: list[str] | None = None,
    collection_name: str = "",
) -> Added:
    """Check, clean and store one uploaded file as an asset.

    The same content already in the library is not stored again: the existing asset comes
    back with ``duplicate=True``. Raises :class:`AssetRefused` with a message for the person.
    """
    digest = content_hash(upload)
    existing = Asset.objects.filter(content_hash=digest).first()
    if existing is not None:
        return Added(existing, duplicate=True)
    with tempfile.TemporaryDirectory(prefix="pa-media-") as workdir:
        processed = _process(upload, Path(workdir))
        names = _store(processed)
    original = ""
    try:
        original = _keep_original(upload)
        with transaction.atomic():
            asset = Asset(
                kind=processed.kind,
                file=names["file"],
                poster=names.get("poster", ""),
                original_name=original,
                content_hash=digest,
                size_bytes=default_storage.size(names["file"]),
                width=processed.width,
                height=processed.height,
                duration=processed.duration,
                codec=processed.codec,
                alt_text=alt_text.strip(),
                caption=caption.strip(),
                credits=credits.strip(),
                licence=licence,
                licence_other=licence_other.strip() if licence == Licence.OTHER else "",
                collection=_collection(collection_name),
                uploaded_by=by,
            )
            asset.full_clean(exclude=["content_hash"])
            asset.save()
            asset.tags.set(_tags(tag_names or []))
            record(
                action="media.uploaded",
                actor=by,
                obj=asset,
                summary=lambda: (
                    _("File caricato nella libreria (%(kind)s).")
                    % {"kind": asset.get_kind_display()}
                ),
            )
            transaction.on_commit(lambda: _queue_renditions(asset))
    except IntegrityError:
        _delete_files(names.values())
        _delete_original(original)
        existing = Asset.objects.filter(content_hash=digest).first()
        if existing is None:
            raise
        return Added(existing, duplicate=True)
    except BaseException:
        _delete_files(names.values())
        _delete_original(original)
        raise
    return Added(asset)


def _queue_renditions(asset: Asset) -> None:
    from . import tasks  # noqa: PLC0415  (tasks import this module)

    if asset.is_image:
        enqueue(tasks.make_renditions, asset_id=asset.pk)


def update_asset(
    *,
    asset: Asset,
    by,
    alt_text: str,
    caption: str,
    credits: str,
    licence: str,
    licence_other: str,
    rights_expire_on: datetime.date | None,
    people_release: bool,
    tag_names: list[str],
    collection_name: str,
) -> Asset:
    """Save what the asset page's form says about the file (not the file itself)."""
    before = {"alt_text": asset.alt_text, "licence": asset.licence}
    asset.alt_text = alt_text.strip()
    asset.caption = caption.strip()
    asset.credits = credits.strip()
    asset.licence = licence
    asset.licence_other = licence_other.strip() if licence == Licence.OTHER else ""
    asset.rights_expire_on = rights_expire_on
    asset.people_release = people_release
    with transaction.atomic():
        asset.collection = _collection(collection_name)
        asset.full_clean(exclude=["content_hash", "file"])
        asset.save(
            update_fields=[
                "alt_text",
                "caption",
                "credits",
                "licence",
                "licence_other",
                "rights_expire_on",
                "people_release",
                "collection",
                "updated_at",
            ]
        )
        asset.tags.set(_tags(tag_names))
        record(
            action="media.updated",
            actor=by,
            obj=asset,
            summary=lambda: _("Dati del file aggiornati."),
            before=before,
            after={"alt_text": asset.alt_text, "licence": asset.licence},
        )
        _sync_events(asset, by=by)
    return asset


def replace_file(*, asset: Asset, upload, by) -> Asset:
    """Put new content under the same asset: its uses, texts and rights stay; renditions are
    made again. The new file must be of the same kind and not already another asset."""
    digest = content_hash(upload)
    if digest == asset.content_hash:
        return asset
    other = Asset.objects.filter(content_hash=digest).exclude(pk=asset.pk).first()
    if other is not None:
        raise AssetRefused(
            _("Questo contenuto è già nella libreria come un altro file (n. %(pk)s).")
            % {"pk": other.pk}
        )
    with tempfile.TemporaryDirectory(prefix="pa-media-") as workdir:
        processed = _process(upload, Path(workdir))
        if processed.kind != asset.kind:
            raise AssetRefused(_("Il nuovo file deve essere dello stesso tipo (immagine o video)."))
        names = _store(processed)
    old_names = [asset.file.name, asset.poster.name] + list(
        asset.renditions.values_list("file", flat=True)
    )
    old_original = asset.original_name
    original = ""
    try:
        original = _keep_original(upload)
        with transaction.atomic():
            asset.file = names["file"]
            asset.poster = names.get("poster", "")
            asset.original_name = original
            asset.content_hash = digest
            asset.size_bytes = default_storage.size(names["file"])
            asset.width, asset.height = processed.width, processed.height
            asset.duration, asset.codec = processed.duration, processed.codec
            asset.save(
                update_fields=[
                    "file",
                    "poster",
                    "content_hash",
                    "size_bytes",
                    "width",
                    "height",
                    "duration",
                    "codec",
                    "original_name",
                    "updated_at",
                ]
            )
            asset.renditions.all().delete()
            record(
                action="media.replaced", actor=by, obj=asset, summary=lambda: _("File sostituito.")
            )
            _sync_events(asset, by=by)
            transaction.on_commit(lambda: _delete_files(old_names))
            transaction.on_commit(lambda: _delete_original(old_original))
            transaction.on_commit(lambda: _queue_renditions(asset))
    except BaseException:
        _delete_files(names.values())
        _delete_original(original)
        raise
    return asset


def delete_asset(*, asset: Asset, by) -> None:
    """Delete an asset no post or event uses; raises :class:`AssetInUse` with those posts
    and events otherwise."""
    with transaction.atomic():
        uses = list(
            PostAsset.objects.filter(asset=asset)
            .select_related("post")
            .order_by("post__planned_at")
        )
        event_uses = list(
            EventAsset.objects.filter(asset=asset)
            .select_related("event")
            .order_by("event__starts_at", "event_id")
        )
        if uses or event_uses:
            raise AssetInUse([use.post for use in uses], [use.event for use in event_uses])
        names = (
            [asset.file.name, asset.poster.name]
            + list(asset.renditions.values_list("file", flat=True))
            + list(asset.captions.values_list("file", flat=True))
        )
        record(
            action="media.deleted",
            actor=by,
            obj=asset,
            summary=lambda: _("File eliminato dalla libreria."),
            before={"alt_text": asset.alt_text, "content_hash": asset.content_hash},
        )
        original = asset.original_name
        asset.delete()
        transaction.on_commit(lambda: _delete_files(names))
        transaction.on_commit(lambda: _delete_original(original))


def set_focal_point(*, asset: Asset, x: float, y: float, by) -> Asset:
    """Where the crops for narrow or wide networks centre (0–1 from the top left)."""
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise AssetRefused(_("Il punto focale deve stare dentro l'immagine."))
    asset.focal_x, asset.focal_y = round(x, 4), round(y, 4)
    with transaction.atomic():
        asset.save(update_fields=["focal_x", "focal_y", "updated_at"])
        record(
            action="media.focal_point",
            actor=by,
            obj=asset,
            summary=lambda: _("Punto focale impostato."),
            after={"x": asset.focal_x, "y": asset.focal_y},
        )
        transaction.on_commit(lambda: _queue_renditions(asset))
    return asset


def usable_problems(asset: Asset, *, on: datetime.date | None = None) -> list[str]:
    """Why the asset cannot be attached to a post now (empty: it can)."""
    problems = []
    if not asset.alt_text.strip():
        problems.append(_("Manca il testo alternativo."))
    if asset.rights_expired_on(on or timezone.localdate()):
        problems.append(
            _("I diritti d'uso sono scaduti il %(day)s.")
            % {"day": asset.rights_expire_on.strftime("%d/%m/%Y")}
        )
    return problems


def _refuse_if_locked(post) -> None:
    """The one rule on approved files: an approved or paused post keeps the files its
    reviewer saw (the post must go back to review first, e.g. by a change of its text)."""
    if post.status in LOCKED_POST_STATES:
        raise AssetRefused(
            _(
                "Il post è approvato: per cambiare i file della libreria cambia anche il "
                "testo o ritiralo, così torna in revisione."
            )
        )


def attach_asset(*, post, asset: Asset, by) -> PostAsset:
    """Use an asset in a post (once); refused without alt text, with expired rights, or
    while the post is approved or paused (a file it already uses is no change)."""
    if not PostAsset.objects.filter(post=post, asset=asset).exists():
        _refuse_if_locked(post)
    problems = usable_problems(asset)
    if problems:
        raise AssetRefused(" ".join(problems))
    with transaction.atomic():
        use, created = PostAsset.objects.get_or_create(
            post=post,
            asset=asset,
            defaults={"added_by": by, "position": PostAsset.objects.filter(post=post).count()},
        )
        if created:
            record(
                action="media.attached",
                actor=by,
                obj=asset,
                post_id=post.pk,
                summary=lambda: _("File allegato al post."),
            )
    return use


def detach_asset(*, post, asset: Asset, by) -> None:
    """Stop using an asset in a post; refused while the post is approved or paused."""
    if PostAsset.objects.filter(post=post, asset=asset).exists():
        _refuse_if_locked(post)
    with transaction.atomic():
        deleted, _rows = PostAsset.objects.filter(post=post, asset=asset).delete()
        if deleted:
            record(
                action="media.detached",
                actor=by,
                obj=asset,
                post_id=post.pk,
                summary=lambda: _("File tolto dal post."),
            )


def set_post_assets(*, post, asset_ids: list[int], by) -> list[PostAsset]:
    """The post uses exactly these assets, in this order (what the picker submitted).

    A newly chosen asset must be usable (alt text, rights not expired); one the post already
    had stays even if its rights have expired since (the asset page flags the post). An
    approved or paused post keeps the files its reviewer saw: changing them is refused (the
    post must go back to review first, e.g. by a change of its text).
    Raises :class:`AssetRefused` naming the problem, and then changes nothing."""
    wanted = list(dict.fromkeys(asset_ids))
    with transaction.atomic():
        assets = {a.pk: a for a in Asset.objects.filter(pk__in=wanted)}
        current = {
            use.asset_id: use
            for use in PostAsset.objects.filter(post=post).order_by("position", "id")
        }
        if wanted != list(current):
            _refuse_if_locked(post)
        missing = [pk for pk in wanted if pk not in assets]
        if missing:
            raise AssetRefused(_("Un file scelto non è più nella libreria."))
        for pk in wanted:
            if pk not in current:
                problems = usable_problems(assets[pk])
                if problems:
                    raise AssetRefused(
                        _("«%(name)s»: %(problems)s")
                        % {"name": assets[pk], "problems": " ".join(problems)}
                    )
        removed = [pk for pk in current if pk not in wanted]
        PostAsset.objects.filter(post=post, asset_id__in=removed).delete()
        uses = []
        for position, pk in enumerate(wanted):
            use = current.get(pk)
            if use is None:
                use = PostAsset.objects.create(
                    post=post, asset=assets[pk], position=position, added_by=by
                )
            elif use.position != position:
                use.position = position
                use.save(update_fields=["position"])
            uses.append(use)
        if removed or len(uses) != len(current) or any(pk not in current for pk in wanted):
            record(
                action="media.post_assets",
                actor=by,
                post_id=post.pk,
                summary=lambda: _("File del post aggiornati."),
                before={"assets": sorted(current)},
                after={"assets": wanted},
            )
    return uses


def _sync_events(asset: Asset, *, by) -> None:
    """The events showing ``asset`` show its current file and alt text (through the events'
    own service: audited, and their feeds refreshed)."""
    for use in EventAsset.objects.filter(asset=asset).select_related("event", "event__category"):
        event_services.update_event(
            event=use.event,
            by=by,
            image=asset.file.name,
            # A public image always has its description: an emptied one keeps the last.
            image_alt=asset.alt_text or use.event.image_alt,
            action="events.library_image",
            summary=lambda: _("Immagine dell'evento aggiornata dalla libreria."),
        )


def set_event_asset(*, event, asset_id: int | None, by) -> EventAsset | None:
    """The public event shows this library image (``None``: no library image).

    A newly chosen asset must be an image and usable (alt text, rights not expired); the one
    the event already shows stays even if its rights have expired since (the asset page flags
    the event). The event's ``image`` and ``image_alt`` become the asset's file and alt text.
    Without a library image, an image the event had from the library is removed; one uploaded
    for the event alone stays. Raises :class:`AssetRefused` and then changes nothing."""
    with transaction.atomic():
        current = EventAsset.objects.filter(event=event).select_related("asset").first()
        if asset_id is None:
            if current is None:
                return None
            shown = event.image.name == current.asset.file.name
            current.delete()
            record(
                action="media.event_image_removed",
                actor=by,
                obj=current.asset,
                summary=lambda: (
                    _("Immagine tolta dall'evento «%(title)s».") % {"title": event.title}
                ),
            )
            if shown:
                event_services.update_event(event=event, by=by, image="", image_alt="")
            return None
        if current is not None and current.asset_id == asset_id:
            asset = current.asset
            use = current
        else:
            asset = Asset.objects.filter(pk=asset_id).first()
            if asset is None:
                raise AssetRefused(_("Il file scelto non è più nella libreria."))
            if asset.kind != AssetKind.IMAGE:
                raise AssetRefused(_("Un evento mostra un'immagine, non un video."))
            problems = usable_problems(asset)
            if problems:
                raise AssetRefused(
                    _("«%(name)s»: %(problems)s") % {"name": asset, "problems": " ".join(problems)}
                )
            use, _created = EventAsset.objects.update_or_create(
                event=event, defaults={"asset": asset, "added_by": by}
            )
            record(
                action="media.event_image",
                actor=by,
                obj=asset,
                summary=lambda: (
                    _("Immagine scelta per l'evento «%(title)s».") % {"title": event.title}
                ),
            )
        event_services.update_event(
            event=event, by=by, image=asset.file.name, image_alt=asset.alt_text
        )
    return use


def add_event_image(
    *,
    event,
    upload,
    alt_text: str,
    by,
    credits: str = "",
    licence: str = Licence.COMUNE,
    licence_other: str = "",
) -> Added:
    """An image uploaded on the event form goes into the library (the library's own checks:
    Pillow re-encoding, no EXIF or GPS, size limits) and the event shows it, linked like a
    picked one (``set_event_asset``). The same content already in the library is used
    instead (``duplicate=True``; it gets ``alt_text`` if it had none). Raises
    :class:`AssetRefused`; then neither the asset, its files nor the link are stored."""
    alt_text = alt_text.strip()
    if not alt_text:
        raise AssetRefused(_("Descrivi l'immagine per chi non la vede."))
    if _looks_like_video(upload):
        raise AssetRefused(_("Un evento mostra un'immagine, non un video."))
    added = None
    try:
        with transaction.atomic():
            added = add_asset(
                upload=upload,
                by=by,
                alt_text=alt_text,
                credits=credits,
                licence=licence,
                licence_other=licence_other,
            )
            if added.duplicate and not added.asset.alt_text.strip():
                added.asset.alt_text = alt_text
                added.asset.save(update_fields=["alt_text", "updated_at"])
                record(
                    action="media.updated",
                    actor=by,
                    obj=added.asset,
                    summary=lambda: _("Testo alternativo dato dal modulo di un evento."),
                    after={"alt_text": alt_text},
                )
            set_event_asset(event=event, asset_id=added.asset.pk, by=by)
    except BaseException:
        if added is not None and not added.duplicate:
            asset = added.asset
            _delete_files([asset.file.name, asset.poster.name])
            _delete_original(asset.original_name)
        raise
    return added


def unlink_replaced_event_image(*, event, by) -> None:
    """On ``events.signals.image_changed`` (``signals.py``): an event whose image is no
    longer its library asset's file (written by any code, e.g.
    ``events.services.update_event(image=...)``) no longer uses that asset, so "where used",
    the deletion guard and the rights flags follow the image the event really shows. The one
    place that keeps the link true."""
    stale = (
        EventAsset.objects.filter(event_id=event.pk)
        .exclude(asset__file=event.image.name or "")
        .select_related("asset")
        .first()
    )
    if stale is None:
        return
    stale.delete()
    record(
        action="media.event_image_removed",
        actor=by,
        obj=stale.asset,
        summary=lambda: _("Immagine tolta dall'evento «%(title)s».") % {"title": event.title},
    )


def copy_post_assets(*, source, target, by) -> list[Asset]:
    """Give ``target`` (a post's new copy, a draft) the library files ``source`` uses, in the
    same order: new uses of the same assets, never copies of the files. An asset that can no
    longer be attached (rights expired) is left out; the ones left out come back."""
    uses = PostAsset.objects.filter(post=source).select_related("asset").order_by("position", "id")
    kept, left_out = [], []
    for use in uses:
        (left_out if usable_problems(use.asset) else kept).append(use.asset)
    if kept:
        set_post_assets(post=target, asset_ids=[a.pk for a in kept], by=by)
    return left_out


# --- Captions -----------------------------------------------------------------------------

CAPTION_MAX_BYTES = 1024 * 1024  # an hour of dense captions is about 100 KB
CAPTION_MARGIN_SECONDS = 1.0  # a cue may end this much after the video (rounding of tools)


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _caption_too_big() -> AssetRefused:
    return AssetRefused(
        _("File dei sottotitoli troppo pesante: al massimo %(kb)s KB.")
        % {"kb": CAPTION_MAX_BYTES // 1024}
    )


def parse_captions(data: bytes, *, duration: float | None) -> webvtt.WebVTT:
    """SRT or WebVTT bytes as a checked :class:`webvtt.WebVTT`: UTF-8, at least one cue, each
    cue ending after it starts and not after the video. Raises :class:`AssetRefused`.

    Parsed by webvtt-py (both formats, its strict mode off only for the header's optional
    metadata): a maintained parser instead of hand-written timestamp rules; its work is one pass
    over the lines, and the input is bounded by ``CAPTION_MAX_BYTES`` first."""
    if len(data) > CAPTION_MAX_BYTES:
        raise _caption_too_big()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AssetRefused(_("Il file dei sottotitoli deve essere in UTF-8.")) from None
    if "\0" in text:
        raise AssetRefused(_("Il file dei sottotitoli non è un testo."))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kind = "vtt" if text.lstrip().startswith("WEBVTT") else "srt"
    try:
        parsed = webvtt.WebVTT.from_buffer(io.StringIO(text), format=kind)
    except (webvtt.errors.MalformedFileError, ValueError, IndexError):
        raise AssetRefused(
            _("Il file non è un SRT o un WebVTT valido: controlla numeri e orari delle battute.")
        ) from None
    if not parsed.captions:
        raise AssetRefused(_("Il file dei sottotitoli non contiene battute."))
    for number, cue in enumerate(parsed.captions, start=1):
        start, end = _seconds(cue.start), _seconds(cue.end)
        if end <= start:
            raise AssetRefused(
                _("Battuta %(n)s: finisce prima di cominciare (%(start)s → %(end)s).")
                % {"n": number, "start": cue.start, "end": cue.end}
            )
        if duration is not None and start > duration + CAPTION_MARGIN_SECONDS:
            raise AssetRefused(
                _("Battuta %(n)s: comincia a %(start)s, dopo la fine del video (%(seconds)s s).")
                % {"n": number, "start": cue.start, "seconds": f"{duration:.1f}"}
            )
    return parsed


def add_caption(*, asset: Asset, upload, language: str, by) -> Caption:
    """Attach (or replace) the captions of a video in one language, stored as WebVTT."""
    if asset.kind != AssetKind.VIDEO:
        raise AssetRefused(_("I sottotitoli si aggiungono solo ai video."))
    if language not in CaptionLanguage.values:
        raise AssetRefused(_("Lingua dei sottotitoli non prevista."))
    if upload.size > CAPTION_MAX_BYTES:
        raise _caption_too_big()
    upload.seek(0)
    parsed = parse_captions(upload.read(CAPTION_MAX_BYTES + 1), duration=asset.duration)
    name = default_storage.save(
        f"media_library/captions/{asset.pk}/{uuid.uuid4().hex}-{language}.vtt",
        ContentFile(parsed.content.encode("utf-8")),
    )
    try:
        with transaction.atomic():
            old = Caption.objects.filter(asset=asset, language=language).first()
            old_name = old.file.name if old is not None else ""
            caption, _created = Caption.objects.update_or_create(
                asset=asset,
                language=language,
                defaults={"file": name, "cue_count": len(parsed.captions), "uploaded_by": by},
            )
            record(
                action="media.caption_added",
                actor=by,
                obj=asset,
                summary=lambda: (
                    _("Sottotitoli aggiunti (%(language)s, %(n)s battute).")
                    % {"language": caption.get_language_display(), "n": caption.cue_count}
                ),
            )
            if old_name:
                transaction.on_commit(lambda: _delete_files([old_name]))
    except BaseException:
        _delete_files([name])
        raise
    return caption


def delete_caption(*, caption: Caption, by) -> None:
    with transaction.atomic():
        name = caption.file.name
        record(
            action="media.caption_deleted",
            actor=by,
            obj=caption.asset,
            summary=lambda: (
                _("Sottotitoli eliminati (%(language)s).")
                % {"language": caption.get_language_display()}
            ),
        )
        caption.delete()
        transaction.on_commit(lambda: _delete_files([name]))


# --- Renditions -----------------------------------------------------------------------------


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _crop_box(width: int, height: int, limits: NetworkLimits, fx: float, fy: float):
    """The largest box of an accepted aspect ratio, centred on the focal point as far as the
    image allows."""
    ratio = Fraction(width, height)
    if limits.min_ratio is not None and ratio < limits.min_ratio:
        new_height = int(width / limits.min_ratio)
        top = min(max(round(fy * height - new_height / 2), 0), height - new_height)
        return (0, top, width, top + new_height)
    if limits.max_ratio is not None and ratio > limits.max_ratio:
        new_width = int(height * limits.max_ratio)
        left = min(max(round(fx * width - new_width / 2), 0), width - new_width)
        return (left, 0, left + new_width, height)
    return (0, 0, width, height)


def render(image: Image.Image, limits: NetworkLimits, *, fx: float, fy: float) -> bytes:
    """One network's JPEG of an image: cropped to its ratios, within its size limits."""
    picture = _flatten(ImageOps.exif_transpose(image))
    picture = picture.crop(_crop_box(*picture.size, limits, fx, fy))
    scale = min(1.0, limits.max_side / max(picture.size))
    if limits.max_pixels is not None:
        scale = min(scale, (limits.max_pixels / (picture.width * picture.height)) ** 0.5)
    while True:
        size = (max(1, int(picture.width * scale)), max(1, int(picture.height * scale)))
        resized = picture.resize(size, Image.Resampling.LANCZOS) if scale < 1 else picture
        for quality in (88, 80, 70, 60):
            output = io.BytesIO()
            resized.save(output, format="JPEG", quality=quality, optimize=True)
            if output.tell() <= limits.max_image_bytes:
                return output.getvalue()
        scale *= 0.75


def make_renditions(*, asset_id: int) -> int:
    """Make the missing or outdated renditions of an image; returns how many were made.
    Safe to run twice: a rendition of the same content and focal point is kept."""
    asset = Asset.objects.filter(pk=asset_id, kind=AssetKind.IMAGE).first()
    if asset is None:
        return 0
    current = {r.network: r for r in asset.renditions.all()}
    wanted = [
        limits
        for network, limits in NETWORKS.items()
        if network not in current
        or current[network].source_hash != asset.content_hash
        or (current[network].focal_x, current[network].focal_y) != (asset.focal_x, asset.focal_y)
    ]
    if not wanted:
        return 0
    with default_storage.open(asset.file.name, "rb") as handle, Image.open(handle) as image:
        image.load()
        made = 0
        for limits in wanted:
            data = render(image, limits, fx=asset.focal_x, fy=asset.focal_y)
            with Image.open(io.BytesIO(data)) as out:
                width, height = out.size
            name = default_storage.save(
                f"media_library/renditions/{asset.pk}/{limits.kind}-{uuid.uuid4().hex[:8]}.jpg",
                ContentFile(data),
            )
            old = current.get(limits.kind)
            try:
                Rendition.objects.update_or_create(
                    asset=asset,
                    network=limits.kind,
                    defaults={
                        "file": name,
                        "width": width,
                        "height": height,
                        "size_bytes": len(data),
                        "source_hash": asset.content_hash,
                        "focal_x": asset.focal_x,
                        "focal_y": asset.focal_y,
                    },
                )
            except BaseException:
                default_storage.delete(name)
                raise
            if old is not None:
                default_storage.delete(old.file.name)
            made += 1
    return made
