"""Writes of posts' content and of content categories.

An edit is :func:`begin_edit` (lock, version and state checks) then :func:`write_post_content`
(the changes, a version bump by conditional UPDATE so two editors cannot both save over the
same version, the audit entry). What an edit means beyond the content (back to review, the
slot it fills, deliveries already sent) is decided above, in ``apps.review.editing``.
"""

import operator
from dataclasses import dataclass, field
from functools import reduce

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.roles import can
from apps.audit.services import record
from apps.core import images

from .enums import EDITABLE_STATES, NewsType, PostStatus
from .models import (
    ALT_TEXT_MAX_LENGTH,
    NEWS_OFFICE_MAX_LENGTH,
    NEWS_SUMMARY_MAX_LENGTH,
    NEWS_TOPIC_MAX_LENGTH,
    NEWS_TOPICS_MAX,
    Campaign,
    ContentCategory,
    Post,
    PostImage,
    PostTag,
    Variant,
)
from .news import NewsFields
from .review_scope import BYPASS_FIELDS, content_snapshot, needs_review


class PostEditError(Exception):
    """An edit that cannot be made; the message is shown to the user."""


class StalePostError(PostEditError):
    """Someone saved the post after the editor opened it."""


# Fields of the post itself that update_post may change.
SIMPLE_FIELDS = (
    "title",
    "category",
    "planned_at",
    "base_text",
    "link",
    "event",
    "notes",
    "is_crisis_communication",
    "is_indispensable",
    "indispensable_reason",
    "campaign",
)
# The collections an edit may change besides SIMPLE_FIELDS: ``channels`` (the new set:
# variants of removed channels are deleted, new ones start from the base text),
# ``variant_texts`` ({channel id: text}), ``public_titles`` ({channel id: public title}),
# ``news`` ({channel id: news.NewsFields}, the website Notizia's fields),
# ``alt_text_overrides`` ({channel id: {asset id: alt text}}, the library images' alt text on
# one channel: an empty text falls back to the asset's), ``images_to_add`` (dicts as in
# create_post), ``tags`` (the names of the new set of tags),
# ``images_to_remove`` (ids), ``image_updates`` ({id: {"alt_text", "caption", "credit"}}).
COLLECTION_CHANGES = (
    "tags",
    "channels",
    "variant_texts",
    "public_titles",
    "news",
    "alt_text_overrides",
    "images_to_add",
    "images_to_remove",
    "image_updates",
)


def create_post(
    *,
    author,
    title,
    category,
    planned_at,
    channels,
    base_text="",
    link="",
    event=None,
    notes="",
    variant_texts: dict | None = None,
    public_titles: dict | None = None,
    news: dict | None = None,
    alt_text_overrides: dict | None = None,
    is_crisis_communication=False,
    images: list[dict] | None = None,
    is_indispensable=False,
    indispensable_reason="",
    campaign: Campaign | None = None,
    tags=(),
) -> Post:
    """A new draft with one variant per channel, each starting from the base text.

    ``tags`` are names (see :func:`tags_named`); ``campaign`` is optional.

    ``variant_texts`` maps channel id -> text for channels whose variant differs (a blank
    text takes the base text); ``public_titles`` maps channel id -> the variant's public title
    (the headline citizens see where the channel has one). ``images`` is a list of dicts
    with ``image`` (an uploaded file), ``alt_text``, and optional ``caption`` and ``credit``.
    """
    variant_texts = variant_texts or {}
    public_titles = public_titles or {}
    indispensable_reason = (indispensable_reason or "").strip()
    _check_bypass_flags(
        by=author,
        before={name: False if name != "indispensable_reason" else "" for name in BYPASS_FIELDS},
        after={
            "is_crisis_communication": is_crisis_communication,
            "is_indispensable": is_indispensable,
            "indispensable_reason": indispensable_reason,
        },
    )
    with transaction.atomic():
        post = Post.objects.create(
            author=author,
            last_editor=author,
            title=title,
            category=category,
            planned_at=planned_at,
            base_text=base_text,
            link=link,
            event=event,
            notes=notes,
            is_crisis_communication=is_crisis_communication,
            is_indispensable=is_indispensable,
            indispensable_reason=indispensable_reason,
            content_editor_ids=[author.pk],
            created_as_crisis_communication=bool(is_crisis_communication),
            campaign=campaign,
        )
        if tags:
            post.tags.set(tags_named(tags, by=author))
        for channel in channels:
            text = variant_texts.get(channel.id) or base_text
            title = (public_titles.get(channel.id) or "").strip()
            Variant.objects.create(
                post=post,
                channel=channel,
                text=text,
                public_title=title,
                **news_columns((news or {}).get(channel.id)),
                alt_text_overrides=clean_alt_text_overrides(
                    (alt_text_overrides or {}).get(channel.id)
                ),
            )
        for position, data in enumerate(images or []):
            _add_image(post, data, position)
        record(action="post.created", actor=author, obj=post, summary=title)
    return post


def news_columns(fields: NewsFields | None) -> dict:
    """A variant's Notizia columns from ``fields`` (empty ones where None), trimmed; refuses
    what no form lets through (an over-long description or office, too many topics)."""
    fields = fields or NewsFields()
    columns = {
        "news_summary": fields.summary.strip(),
        "news_topics": list(fields.topics),
        "news_type": fields.news_type if fields.news_type in NewsType.values else "",
        "news_office": fields.office.strip(),
    }
    if (
        len(columns["news_summary"]) > NEWS_SUMMARY_MAX_LENGTH
        or len(columns["news_office"]) > NEWS_OFFICE_MAX_LENGTH
        or len(columns["news_topics"]) > NEWS_TOPICS_MAX
        or any(len(t) > NEWS_TOPIC_MAX_LENGTH for t in columns["news_topics"])
    ):
        raise PostEditError(_("Campi della notizia troppo lunghi."))
    return columns


def clean_alt_text_overrides(overrides: dict | None) -> dict:
    """{asset id: alt text} as stored: ids as strings of digits, texts stripped, empty ones
    (which fall back to the asset's alt text) dropped. Refuses a text over 500 characters."""
    cleaned = {}
    for key, text in (overrides or {}).items():
        text = " ".join(str(text or "").split())
        if not text or not str(key).isascii() or not str(key).isdigit():
            continue
        if len(text) > ALT_TEXT_MAX_LENGTH:
            raise PostEditError(
                _("Testo alternativo troppo lungo: al massimo %(n)s caratteri.")
                % {"n": ALT_TEXT_MAX_LENGTH}
            )
        cleaned[str(int(key))] = text
    return dict(sorted(cleaned.items(), key=lambda item: int(item[0])))


def _rename_upload(upload) -> None:
    """Store the image re-encoded by Pillow (pixels only: a GIF/JavaScript polyglot or a PNG
    followed by HTML loses everything but its pixels) as <uuid>.<suffix of its format>, never
    under the name it was uploaded with."""
    try:
        images.reencode_in_place(upload, images.POST_FORMATS)
    except images.ImageRefused as refused:
        raise PostEditError(str(refused)) from None


def _add_image(post: Post, data: dict, position: int) -> PostImage:
    if not (data.get("alt_text") or "").strip():
        raise PostEditError(_("Ogni immagine deve avere un testo alternativo."))
    _rename_upload(data["image"])
    return PostImage.objects.create(
        post=post,
        image=data["image"],
        alt_text=data["alt_text"].strip(),
        caption=data.get("caption", ""),
        credit=data.get("credit", ""),
        position=position,
    )


def _check_bypass_flags(*, by, before: dict, after: dict) -> None:
    """Flags that let a post through a crisis or a blackout are an approver's decision; an
    indispensable post always says why (the one rule the send gate and approval read)."""
    if after.get("is_indispensable") and not (after.get("indispensable_reason") or "").strip():
        raise PostEditError(_("Spiega perché la comunicazione è indispensabile."))
    changed = [name for name in BYPASS_FIELDS if after[name] != before[name]]
    if changed and not can(by, "review"):
        raise PostEditError(
            _(
                "Solo un approvatore può segnare un post come comunicazione di crisi o "
                "indispensabile, o cambiarne la motivazione."
            )
        )


@dataclass
class ContentEdit:
    """What :func:`write_post_content` changed: field names of :func:`content_snapshot`."""

    post: Post
    changed: set[str] = field(default_factory=set)

    @property
    def reviewed(self) -> set[str]:
        """The changes an approver must see again (everything but the free fields)."""
        return needs_review(self.changed)


def check_change_names(changes: dict) -> None:
    unknown = set(changes) - set(SIMPLE_FIELDS) - set(COLLECTION_CHANGES)
    if unknown:
        raise TypeError(f"update_post got unexpected changes: {sorted(unknown)}")


def begin_edit(post: Post, *, by, expected_version: int, changes: dict) -> Post:
    """The post locked for an edit (inside the caller's transaction), or PostEditError.

    Refuses a stale version, a post in review or past editing, and bypass flags set by someone
    who may not set them. ``changes`` is normalised in place."""
    current = (
        Post.objects.select_for_update()
        .prefetch_related("variants", "images", "tags")
        .filter(pk=post.pk)
        .first()
    )
    if current is None:
        raise PostEditError(_("Il post non esiste più."))
    if current.version != expected_version:
        raise StalePostError(
            _(
                "Qualcun altro ha salvato questo post mentre lo modificavi (versione "
                "%(theirs)s, la tua era %(yours)s): ricarica la pagina e riprova."
            )
            % {"theirs": current.version, "yours": expected_version}
        )
    if current.status == PostStatus.IN_REVIEW:
        raise PostEditError(
            _("Il post è in revisione: ritiralo dalla revisione prima di modificarlo.")
        )
    if current.status not in EDITABLE_STATES:
        raise PostEditError(
            _("Un post «%(status)s» non si può più modificare.")
            % {"status": current.get_status_display()}
        )
    if "indispensable_reason" in changes:
        changes["indispensable_reason"] = (changes["indispensable_reason"] or "").strip()
    _check_bypass_flags(
        by=by,
        before={name: getattr(current, name) for name in BYPASS_FIELDS},
        after={name: changes.get(name, getattr(current, name)) for name in BYPASS_FIELDS},
    )
    return current


def removed_variant_ids(post: Post, channels) -> list[int]:
    """The variants an edit setting ``channels`` would delete."""
    wanted = {channel.pk for channel in channels}
    return [v.pk for v in post.variants.all() if v.channel_id not in wanted]


def write_post_content(current: Post, *, by, expected_version: int, changes: dict) -> ContentEdit:
    """Apply ``changes`` to a post from :func:`begin_edit`, bump its version and audit it.

    Content only: whether the edit sends an approved post back to review, and what it means
    for a slot or a delivery, is the workflow's business (``apps.review.editing``). Whoever
    changes reviewed content is added to ``content_editor_ids`` (they may not approve it)."""
    before = content_snapshot(current)
    _apply_changes(current, changes, by=by)
    current = (
        Post.objects.prefetch_related("variants", "images", "tags").filter(pk=current.pk).first()
    )
    after = content_snapshot(current)
    changed = {name for name in after if after[name] != before[name]}
    if not changed:
        return ContentEdit(post=current)
    reviewed = needs_review(changed)
    editors = list(current.content_editor_ids or [])
    if reviewed and by.pk not in editors:
        editors.append(by.pk)
    # The conditional UPDATE is the guard that holds even where select_for_update does not
    # lock (SQLite serialises writers; PostgreSQL also holds the row lock).
    rows = Post.objects.filter(pk=current.pk, version=expected_version).update(
        version=F("version") + 1,
        last_editor=by,
        updated_at=timezone.now(),
        content_editor_ids=editors,
    )
    if rows != 1:
        raise StalePostError(
            _("Il post è stato modificato nel frattempo: ricarica la pagina e riprova.")
        )
    current.refresh_from_db()
    record(
        action="post.updated",
        actor=by,
        obj=current,
        summary=lambda: _("Modificati: %(fields)s") % {"fields": ", ".join(sorted(changed))},
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return ContentEdit(post=current, changed=changed)


# A post already sent keeps its texts until an approved correction changes them
# (``apps.review.corrections``); these states are the ones a correction applies to.
CORRECTABLE_STATES = frozenset({PostStatus.PUBLISHED, PostStatus.PARTLY_FAILED})
# What a correction may change: the texts, never the time, the channels or the images.
CORRECTION_CHANGES = ("title", "base_text", "variant_texts", "public_titles", "news")


def write_correction(post: Post, *, by, expected_version: int, changes: dict) -> ContentEdit:
    """An approved correction of a post already sent: its texts take ``changes`` (the names
    of :data:`CORRECTION_CHANGES`), as a new version that is also the approved one (the
    approver of the correction approved exactly these words). The post's status does not
    change. Call inside the caller's transaction, with the post's row locked by the caller.

    Raises :class:`StalePostError` when the post moved past ``expected_version``."""
    unknown = set(changes) - set(CORRECTION_CHANGES)
    if unknown:
        raise TypeError(f"write_correction got unexpected changes: {sorted(unknown)}")
    current = Post.objects.prefetch_related("variants", "images", "tags").get(pk=post.pk)
    if current.version != expected_version:
        raise StalePostError(
            _("Il post è cambiato dopo che la correzione è stata scritta: va riscritta.")
        )
    if current.status not in CORRECTABLE_STATES:
        raise PostEditError(
            _("Un post «%(status)s» non si corregge così.")
            % {"status": current.get_status_display()}
        )
    before = content_snapshot(current)
    _apply_changes(current, changes, by=by)
    current = Post.objects.prefetch_related("variants", "images", "tags").get(pk=current.pk)
    after = content_snapshot(current)
    changed = {name for name in after if after[name] != before[name]}
    if not changed:
        return ContentEdit(post=current)
    rows = Post.objects.filter(pk=current.pk, version=expected_version).update(
        version=F("version") + 1,
        approved_version=F("version") + 1,
        last_editor=by,
        updated_at=timezone.now(),
    )
    if rows != 1:
        raise StalePostError(
            _("Il post è stato modificato nel frattempo: ricarica la pagina e riprova.")
        )
    current.refresh_from_db()
    record(
        action="post.corrected",
        actor=by,
        obj=current,
        summary=lambda: (
            _("Correzione approvata: %(fields)s") % {"fields": ", ".join(sorted(changed))}
        ),
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return ContentEdit(post=current, changed=changed)


def _apply_changes(post: Post, changes: dict, *, by) -> None:
    fields = [name for name in SIMPLE_FIELDS if name in changes]
    for name in fields:
        setattr(post, name, changes[name])
    if fields:
        try:
            post.full_clean(exclude=["author", "last_editor", "approved_by"], validate_unique=False)
        except ValidationError as exc:
            raise PostEditError(" ".join(exc.messages)) from exc
        post.save(update_fields=fields)
    if "tags" in changes:
        post.tags.set(tags_named(changes["tags"], by=by))
        getattr(post, "_prefetched_objects_cache", {}).pop("tags", None)
    variants = {v.channel_id: v for v in post.variants.all()}
    if "channels" in changes:
        wanted = {channel.pk: channel for channel in changes["channels"]}
        if not wanted:
            raise PostEditError(_("Scegli almeno un canale."))
        removed = [v.pk for cid, v in variants.items() if cid not in wanted]
        Variant.objects.filter(pk__in=removed).delete()
        for cid, channel in wanted.items():
            if cid not in variants:
                variants[cid] = Variant.objects.create(
                    post=post, channel=channel, text=post.base_text
                )
        variants = {cid: v for cid, v in variants.items() if cid in wanted}
    for cid, text in (changes.get("variant_texts") or {}).items():
        variant = variants.get(int(cid))
        text = text or post.base_text
        if variant is not None and variant.text != text:
            variant.text = text
            variant.save(update_fields=["text"])
    for cid, title in (changes.get("public_titles") or {}).items():
        variant = variants.get(int(cid))
        title = (title or "").strip()
        if variant is not None and variant.public_title != title:
            if len(title) > Variant._meta.get_field("public_title").max_length:
                raise PostEditError(_("Titolo pubblico troppo lungo."))
            variant.public_title = title
            variant.save(update_fields=["public_title"])
    for cid, fields in (changes.get("news") or {}).items():
        variant = variants.get(int(cid))
        columns = news_columns(fields)
        if variant is not None and any(getattr(variant, k) != v for k, v in columns.items()):
            for name, value in columns.items():
                setattr(variant, name, value)
            variant.save(update_fields=list(columns))
    for cid, overrides in (changes.get("alt_text_overrides") or {}).items():
        variant = variants.get(int(cid))
        overrides = clean_alt_text_overrides(overrides)
        if variant is not None and variant.alt_text_overrides != overrides:
            variant.alt_text_overrides = overrides
            variant.save(update_fields=["alt_text_overrides"])
    images = {i.pk: i for i in post.images.all()}
    for image_id in changes.get("images_to_remove") or []:
        image = images.pop(int(image_id), None)
        if image is not None:
            image.delete()
    for image_id, data in (changes.get("image_updates") or {}).items():
        image = images.get(int(image_id))
        if image is None:
            continue
        if not (data.get("alt_text") or "").strip():
            raise PostEditError(_("Ogni immagine deve avere un testo alternativo."))
        update = [name for name in ("alt_text", "caption", "credit") if name in data]
        for name in update:
            setattr(image, name, (data[name] or "").strip())
        image.save(update_fields=update)
    next_position = max((i.position for i in images.values()), default=-1) + 1
    for offset, data in enumerate(changes.get("images_to_add") or []):
        _add_image(post, data, next_position + offset)


def copy_state(source: Post, target: Post) -> None:
    """Refresh the caller's instance from the one an edit loaded."""
    if source is target:
        return
    for f in Post._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    for cache in ("variants", "images"):
        getattr(target, "_prefetched_objects_cache", {}).pop(cache, None)


def duplicate_post(post: Post, *, by, planned_at) -> Post:
    """A new draft by ``by`` with the content of ``post`` (texts, channels, images, link, event),
    planned at ``planned_at``: for content that comes back, such as a yearly deadline."""
    if planned_at < timezone.now():
        raise PostEditError(_("Scegli una data futura per la copia."))
    with transaction.atomic():
        copy = create_post(
            author=by,
            title=(_("%(title)s (copia)") % {"title": post.title})[:200],
            category=post.category,
            planned_at=planned_at,
            channels=[v.channel for v in post.variants.all()],
            base_text=post.base_text,
            link=post.link,
            event=post.event,
            notes=post.notes,
            variant_texts={v.channel_id: v.text for v in post.variants.all()},
            public_titles={v.channel_id: v.public_title for v in post.variants.all()},
            news={v.channel_id: NewsFields.of(v) for v in post.variants.all()},
            campaign=post.campaign,
            tags=[tag.name for tag in post.tags.all()],
            alt_text_overrides={v.channel_id: v.alt_text_overrides for v in post.variants.all()},
            # Flags that let a post through a crisis or a blackout are an approver's call.
            **({name: getattr(post, name) for name in BYPASS_FIELDS} if can(by, "review") else {}),
        )
        for image in post.images.all():
            # The copy points at the same stored file; deleting a PostImage keeps the file.
            PostImage.objects.create(
                post=copy,
                image=image.image.name,
                alt_text=image.alt_text,
                caption=image.caption,
                credit=image.credit,
                position=image.position,
            )
        record(
            action="post.duplicated",
            actor=by,
            obj=copy,
            summary=lambda: (
                _("Copia di «%(title)s» (#%(id)s)") % {"title": post.title, "id": post.pk}
            ),
        )
    return copy


TAG_NAME_MAX_LENGTH = PostTag._meta.get_field("name").max_length
MAX_TAGS_PER_POST = 20


def tags_named(names, *, by) -> list[PostTag]:
    """The tags with these names (case and spaces as typed the first time), creating the ones
    that do not exist yet: a tag is written where it is used, with no page of its own."""
    cleaned: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > TAG_NAME_MAX_LENGTH:
            raise PostEditError(
                _("Etichetta troppo lunga: al massimo %(n)s caratteri.")
                % {"n": TAG_NAME_MAX_LENGTH}
            )
        cleaned.setdefault(name.casefold(), name)
    if len(cleaned) > MAX_TAGS_PER_POST:
        raise PostEditError(
            _("Troppe etichette: al massimo %(n)s per post.") % {"n": MAX_TAGS_PER_POST}
        )
    if not cleaned:
        return []
    existing = {
        t.name.casefold(): t
        for t in PostTag.objects.filter(
            reduce(operator.or_, (Q(name__iexact=n) for n in cleaned.values()))
        )
    }
    tags = []
    for key, name in cleaned.items():
        tag = existing.get(key)
        if tag is None:
            tag, created = PostTag.objects.get_or_create(name=name)
            if created:
                record(action="tag.created", actor=by, obj=tag, summary=name)
        tags.append(tag)
    return tags


def save_campaign(*, campaign: Campaign, by, created: bool) -> Campaign:
    """Create or change a campaign (name, period, goal, notes)."""
    campaign.full_clean()
    campaign.save()
    record(
        action="campaign.created" if created else "campaign.updated",
        actor=by,
        obj=campaign,
        summary=campaign.name,
        after={
            "name": campaign.name,
            "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(),
        },
    )
    return campaign


def save_category(*, category: ContentCategory, by, created: bool) -> ContentCategory:
    """Create or change a content category (admins): name, colour, target share, in use."""
    before = None
    if not created:
        old = ContentCategory.objects.filter(pk=category.pk).first()
        if old is not None:
            before = {
                "name": old.name,
                "colour": old.colour,
                "target_share": old.target_share,
                "active": old.active,
            }
    category.full_clean()
    category.save()
    record(
        action="category.created" if created else "category.updated",
        actor=by,
        obj=category,
        summary=category.name,
        before=before,
        after={
            "name": category.name,
            "colour": category.colour,
            "target_share": category.target_share,
            "active": category.active,
        },
    )
    return category
