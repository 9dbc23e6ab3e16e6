"""Writes of posts and content categories.

A post's content changes only through :func:`update_post` (and :func:`reschedule_post`, the
calendar's move): the version is bumped with a conditional UPDATE so two editors cannot both
save over the same version, and an approved post that changes goes back to review.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.roles import can
from apps.audit.services import record
from apps.core import images

from .enums import EDITABLE_STATES, PostStatus
from .models import ContentCategory, Post, PostImage, Variant
from .review_scope import BYPASS_FIELDS, content_snapshot, needs_review
from .transitions import transition


class PostEditError(Exception):
    """An edit that cannot be made; the message is shown to the user."""


class StalePostError(PostEditError):
    """Someone saved the post after the editor opened it."""


class SlotMoveQuestion(PostEditError):
    """The post fills a slot occurrence far from its new time: ask whether it still fills it,
    then call again with ``keeps_slot`` True (it still does) or False (unlink it)."""

    def __init__(self, fill):
        self.fill = fill
        super().__init__(
            _(
                "Questo post riempie l'uscita della rubrica «%(slot)s» del %(when)s: "
                "con il nuovo orario la riempie ancora?"
            )
            % {
                "slot": fill.slot.name,
                "when": timezone.localtime(fill.occurrence_at).strftime("%d/%m/%Y %H:%M"),
            }
        )


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
)
RE_REVIEW_STATES = frozenset({PostStatus.APPROVED, PostStatus.PAUSED})


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
    is_crisis_communication=False,
    images: list[dict] | None = None,
    is_indispensable=False,
    indispensable_reason="",
) -> Post:
    """A new draft with one variant per channel, each starting from the base text.

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
        )
        for channel in channels:
            text = variant_texts.get(channel.id) or base_text
            title = (public_titles.get(channel.id) or "").strip()
            Variant.objects.create(post=post, channel=channel, text=text, public_title=title)
        for position, data in enumerate(images or []):
            _add_image(post, data, position)
        record(action="post.created", actor=author, obj=post, summary=title)
    return post


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


def update_post(
    post: Post, *, by, expected_version: int, keeps_slot: bool | None = None, **changes
) -> Post:
    """Apply ``changes`` to ``post`` as ``by``, or raise :class:`PostEditError`, saving nothing.

    Accepted changes: the fields in ``SIMPLE_FIELDS``; ``channels`` (the new set of channels:
    variants of removed channels are deleted, new ones start from the base text);
    ``variant_texts`` ({channel id: text}); ``public_titles`` ({channel id: public title});
    ``images_to_add`` (dicts as in create_post);
    ``images_to_remove`` (ids); ``image_updates`` ({id: {"alt_text", "caption", "credit"}}).

    An approved or paused post whose reviewed content changes (everything but the notes, see
    :mod:`.review_scope`) goes back to review; ``reschedule_only_pending`` says whether only
    the time moved. Whoever changes reviewed content may not approve that version.

    A slot post moved far from its occurrence raises :class:`SlotMoveQuestion` unless
    ``keeps_slot`` answers it: True keeps the link, False unlinks the post from the slot.
    """
    unknown = (
        set(changes)
        - set(SIMPLE_FIELDS)
        - {
            "channels",
            "variant_texts",
            "public_titles",
            "images_to_add",
            "images_to_remove",
            "image_updates",
        }
    )
    if unknown:
        raise TypeError(f"update_post got unexpected changes: {sorted(unknown)}")
    with transaction.atomic():
        current = (
            Post.objects.select_for_update()
            .prefetch_related("variants", "images")
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
        unlink_slot = _slot_answer_needed(current, changes.get("planned_at"), keeps_slot)
        before = content_snapshot(current)
        _apply_changes(current, changes)
        current = Post.objects.prefetch_related("variants", "images").filter(pk=current.pk).first()
        after = content_snapshot(current)
        changed = {name for name in after if after[name] != before[name]}
        if not changed:
            _copy_state(current, post)
            return post
        reviewed = needs_review(changed)
        editors = list(current.content_editor_ids or [])
        if reviewed and by.pk not in editors:
            editors.append(by.pk)
        # The conditional UPDATE is the guard that holds even where select_for_update does not
        # lock (SQLite serialises writers; PostgreSQL also holds the row lock).
        rows = Post.objects.filter(pk=post.pk, version=expected_version).update(
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
            summary=_("Modificati: %(fields)s") % {"fields": ", ".join(sorted(changed))},
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
        if unlink_slot:
            from apps.slots.services import unlink_post

            unlink_post(current, by=by)
        if (
            current.status in RE_REVIEW_STATES
            and not reviewed
            and current.approved_version == expected_version
        ):
            # Notes only: what was approved is unchanged, so the approval follows the new
            # version number.
            Post.objects.filter(pk=current.pk).update(approved_version=current.version)
            current.approved_version = current.version
        if current.status in RE_REVIEW_STATES and reviewed:
            # Imported here: the review app builds on planning, not the other way round.
            from apps.review.services import notify_submitted

            post_id, by_id = current.pk, by.pk
            transition(
                current,
                PostStatus.IN_REVIEW,
                by=by,
                action="post.back_to_review",
                note=_("Modificato dopo l'approvazione: torna in revisione."),
                extra_fields={"reschedule_only_pending": reviewed == {"planned_at"}},
                on_commit=lambda: notify_submitted(post_id=post_id, by_id=by_id),
            )
    _copy_state(current, post)
    return post


def _slot_answer_needed(post: Post, planned_at, keeps_slot: bool | None) -> bool:
    """Whether the move unlinks the post from its slot occurrence; asks when unanswered."""
    if planned_at is None or planned_at == post.planned_at:
        return False
    # Imported here: the slots app builds on planning, not the other way round.
    from apps.slots.models import SlotFill
    from apps.slots.services import still_fills_after_move

    if still_fills_after_move(post, planned_at):
        return False
    if keeps_slot is None:
        raise SlotMoveQuestion(SlotFill.objects.select_related("slot").get(post=post))
    return not keeps_slot


def _refuse_removing_channels_already_sent(variant_ids: list[int]) -> None:
    """A channel whose delivery left (or may have left) keeps its variant: it is the record."""
    from apps.publishing.enums import DeliveryState
    from apps.publishing.models import Delivery

    gone = (
        Delivery.objects.filter(variant_id__in=variant_ids)
        .exclude(state__in=[DeliveryState.WAITING, DeliveryState.CANCELLED, DeliveryState.FAILED])
        .select_related("variant__channel")
    )
    names = sorted(delivery.variant.channel.name for delivery in gone)
    if names:
        raise PostEditError(
            _("Non puoi togliere un canale su cui il post è già in invio o pubblicato: %(names)s.")
            % {"names": ", ".join(names)}
        )


def _apply_changes(post: Post, changes: dict) -> None:
    fields = [name for name in SIMPLE_FIELDS if name in changes]
    for name in fields:
        setattr(post, name, changes[name])
    if fields:
        try:
            post.full_clean(exclude=["author", "last_editor", "approved_by"], validate_unique=False)
        except ValidationError as exc:
            raise PostEditError(" ".join(exc.messages)) from exc
        post.save(update_fields=fields)
    variants = {v.channel_id: v for v in post.variants.all()}
    if "channels" in changes:
        wanted = {channel.pk: channel for channel in changes["channels"]}
        if not wanted:
            raise PostEditError(_("Scegli almeno un canale."))
        removed = [v.pk for cid, v in variants.items() if cid not in wanted]
        _refuse_removing_channels_already_sent(removed)
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


def _copy_state(source: Post, target: Post) -> None:
    if source is target:
        return
    for f in Post._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    for cache in ("variants", "images"):
        getattr(target, "_prefetched_objects_cache", {}).pop(cache, None)


def reschedule_post(
    post: Post, *, by, planned_at, expected_version: int, keeps_slot: bool | None = None
) -> Post:
    """Move a post to another time (drag and drop or the "Sposta" form in the calendar).

    ``keeps_slot`` answers :class:`SlotMoveQuestion` (see :func:`update_post`)."""
    if planned_at < timezone.now() and planned_at != post.planned_at:
        raise PostEditError(_("Non puoi spostare un post nel passato."))
    return update_post(
        post,
        by=by,
        expected_version=expected_version,
        keeps_slot=keeps_slot,
        planned_at=planned_at,
    )


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
            summary=_("Copia di «%(title)s» (#%(id)s)") % {"title": post.title, "id": post.pk},
        )
    return copy


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
