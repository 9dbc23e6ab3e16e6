"""Reads of the review area: the queue, what a user may do on a post, versions and diffs."""

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.roles import can
from apps.audit.models import AuditEntry
from apps.channels.selectors import connection_problem
from apps.crisis.selectors import open_crisis
from apps.media_library.rules import library_image_count, rights_problems
from apps.planning.access import can_manage_post
from apps.planning.checks import check_post
from apps.planning.enums import PostStatus as S
from apps.planning.models import ContentCategory, Post, PostImage, Variant
from apps.planning.news import NewsFields
from apps.planning.search import TextSource
from apps.planning.transitions import can_transition

from . import routes
from .models import Comment, OfficeSettings, StepApproval
from .services import approval_route

# Comments find their post in the search (``planning.search``), which cannot know about them.
COMMENT_TEXT = TextSource(Comment, ("body",), gettext_lazy("Commento"))


def review_queue() -> QuerySet[Post]:
    """Posts waiting for review, soonest first, with what the queue shows preloaded."""
    return (
        Post.objects.filter(status=S.IN_REVIEW)
        .select_related("category", "author", "last_editor", "approved_by")
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.select_related(
                    "channel__connection", "channel__credential"
                ),
            ),
            "images",
            # the library assets the preview shows, each network's copy (media_library)
            "media__asset__renditions",
            # Where each post is on its route.
            Prefetch(
                "step_approvals",
                queryset=StepApproval.objects.select_related("approved_by", "external"),
            ),
        )
        .order_by("planned_at", "id")
    )


# --- What a user may do now -------------------------------------------------------------------


@dataclass
class ReviewState:
    can_submit: bool = False
    can_withdraw: bool = False
    can_approve: bool = False
    can_reapprove: bool = False
    can_request_changes: bool = False
    can_cancel: bool = False
    approval_route: str = ""
    # Why an approver sees no approve button (separation of duties).
    approval_blocked_reason: str = ""
    # An ordinary post approved now will be held by the open crisis.
    crisis_hold_warning: str = ""
    # Where a post in review is on its approval route, and who it waits for.
    progress: routes.Progress | None = None
    warnings: list = field(default_factory=list)  # [(channel name, Finding)]
    # Channels that cannot publish now (not connected, to reconnect): a warning, not a block.
    channel_warnings: list = field(default_factory=list)  # [(channel name, message)]
    has_blocking: bool = False
    # Library files whose usage rights end before the post goes out: approval is refused
    # (media_library.rules), so the button is disabled with these reasons beside it.
    rights_problems: list = field(default_factory=list)

    @property
    def any_action(self) -> bool:
        return any(
            (
                self.can_submit,
                self.can_withdraw,
                self.can_approve,
                self.can_reapprove,
                self.can_request_changes,
                self.can_cancel,
            )
        )


class _Cache:
    """Per-request values every post on a page shares (office settings, open crisis)."""

    def __init__(self):
        self.office = OfficeSettings.load()
        self.crisis = open_crisis()
        self.routes = routes.RouteBook()


def _cache(request) -> _Cache:
    cache = getattr(request, "_review_cache", None) if request is not None else None
    if cache is None:
        cache = _Cache()
        if request is not None:
            request._review_cache = cache
    return cache


def review_state(post: Post, user, *, request=None) -> ReviewState:
    state = ReviewState()
    if not getattr(user, "is_authenticated", False):
        return state
    manager = can_manage_post(user, post)
    reviewer = can(user, "review")
    status = S(post.status)
    state.can_submit = manager and status in (S.DRAFT, S.CHANGES_REQUESTED)
    state.can_withdraw = manager and status == S.IN_REVIEW
    state.can_cancel = manager and can_transition(status, S.CANCELLED)
    if status == S.IN_REVIEW:
        cache = _cache(request)
        state.progress = routes.progress(post, book=cache.routes, crisis=cache.crisis)
    if reviewer and status == S.IN_REVIEW:
        state.can_request_changes = True
        state.approval_route = approval_route(post, user, office=cache.office, crisis=cache.crisis)
        state.crisis_hold_warning = _crisis_hold_warning(post, cache.crisis)
        step_refusal = routes.refusal_for(state.progress, user)
        if not state.approval_route:
            state.approval_blocked_reason = _(
                "Hai scritto o modificato il contenuto di questo post: deve approvarlo un altro "
                "approvatore."
            )
        elif step_refusal:
            state.approval_blocked_reason = step_refusal
        else:
            state.can_reapprove = post.reschedule_only_pending
            state.can_approve = not post.reschedule_only_pending
            if state.can_approve:
                state.rights_problems = rights_problems(
                    [use.asset for use in post.media.all()], planned_at=post.planned_at
                )
    if status not in (S.PUBLISHED, S.CANCELLED):
        variants = {v.pk: v for v in post.variants.all()}
        for variant in variants.values():
            problem = connection_problem(variant.channel)
            if problem:
                state.channel_warnings.append((str(variant.channel), problem))
        for variant_id, findings in check_post(
            post, library_images=library_image_count(post)
        ).items():
            channel = variants[variant_id].channel if variant_id in variants else ""
            for finding in findings:
                state.warnings.append((str(channel), finding))
                state.has_blocking = state.has_blocking or finding.blocking
    return state


def _crisis_hold_warning(post: Post, crisis) -> str:
    if crisis is None or post.is_crisis_communication:
        return ""
    scope = None if crisis.all_channels else {c.pk for c in crisis.channels.all()}
    if scope is not None and not any(v.channel_id in scope for v in post.variants.all()):
        return ""
    return _(
        "È in corso una crisi: se lo approvi ora, il post resta fermo finché la crisi non "
        "finisce, e poi torna nella pagina di ripresa perché qualcuno decida quando inviarlo."
    )


# --- Comments and audit of one post --------------------------------------------------------


def comments_of(post: Post) -> QuerySet[Comment]:
    return post.comments.select_related("author", "external_author").order_by("created_at", "id")


def audit_of(post: Post, *, limit: int = 100) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(post_id=post.pk).select_related("actor")[:limit])


# --- Versions and diffs --------------------------------------------------------------------


# One edit saves the post, then its variants and images, in separate history rows (and may
# bump the version with a plain UPDATE, which history does not see). A version starts at each
# save of the post itself; variant and image rows saved by the same person right after it
# belong to it, later ones (a variant-only edit) start a version of their own.
SAME_EDIT = timedelta(seconds=2)


@dataclass
class Version:
    number: int  # 1 = the first save; stable, since history only grows
    at: datetime
    user: object
    created: bool

    @property
    def label(self) -> str:
        who = ""
        if self.user is not None:
            who = self.user.get_full_name() or self.user.get_username()
        when = timezone.localtime(self.at).strftime("%d/%m/%Y %H:%M:%S")
        return " · ".join(p for p in (_("Salvataggio %(n)s") % {"n": self.number}, when, who) if p)


def _histories(post_ids) -> dict[int, tuple[list, list, list]]:
    """The history records of each post, its variants and its images (three queries)."""
    result = {pk: ([], [], []) for pk in post_ids}
    posts = Post.history.filter(id__in=post_ids).select_related("history_user")
    variants = Variant.history.filter(post_id__in=post_ids).select_related(
        "channel", "history_user"
    )
    images = PostImage.history.filter(post_id__in=post_ids).select_related("history_user")
    for index, (rows, key) in enumerate(
        ((posts, "id"), (variants, "post_id"), (images, "post_id"))
    ):
        for record in rows.order_by("history_date", "history_id"):
            result[getattr(record, key)][index].append(record)
    return result


def _history(post: Post) -> tuple[list, list, list]:
    return _histories([post.pk])[post.pk]


def _versions(posts, variants, images) -> list[tuple[Version, datetime]]:
    """Saved versions, oldest first, each with the time of its last record."""
    post_records = {id(r) for r in posts}
    records = sorted([*posts, *variants, *images], key=lambda r: r.history_date)
    versions: list[tuple[Version, datetime]] = []
    for record in records:
        if versions and id(record) not in post_records:
            version, last = versions[-1]
            if (
                record.history_user_id == getattr(version.user, "pk", None)
                and record.history_date - last <= SAME_EDIT
            ):
                versions[-1] = (version, record.history_date)
                continue
        version = Version(
            number=len(versions) + 1,
            at=record.history_date,
            user=record.history_user,
            created=not versions,
        )
        versions.append((version, record.history_date))
    return versions


def versions_of(post: Post) -> list[Version]:
    """Saved versions of the post (django-simple-history records), newest first."""
    return [version for version, _last in reversed(_versions(*_history(post)))]


def _as_of(records, cutoff) -> dict:
    """The latest record of each object saved up to ``cutoff``, without deleted objects."""
    latest = {}
    for record in records:
        if record.history_date <= cutoff:
            latest[record.id] = record
    return {pk: r for pk, r in latest.items() if r.history_type != "-"}


def _categories(*histories) -> dict[int, ContentCategory]:
    ids = {record.category_id for posts, _variants, _images in histories for record in posts}
    return ContentCategory.objects.in_bulk(ids)


def _snapshot(posts, variants, images, cutoff, categories=None) -> dict[str, str]:
    state = _as_of(posts, cutoff)
    if not state:
        return {}
    record = next(iter(state.values()))
    if categories is None:
        categories = _categories((posts, variants, images))
    category = categories.get(record.category_id)
    data = {
        _("Titolo"): record.title,
        _("Categoria"): str(category or "—"),
        _("Data e ora"): timezone.localtime(record.planned_at).strftime("%d/%m/%Y %H:%M"),
        _("Testo base"): record.base_text,
        _("Link"): record.link,
        _("Note"): record.notes,
        _("Comunicazione di crisi"): _("sì") if record.is_crisis_communication else _("no"),
    }
    for variant in sorted(_as_of(variants, cutoff).values(), key=lambda v: str(v.channel)):
        data[_("Testo per %(channel)s") % {"channel": variant.channel}] = variant.text
        if variant.public_title:  # missing on one side of a diff reads as empty
            label = _("Titolo pubblico per %(channel)s") % {"channel": variant.channel}
            data[label] = variant.public_title
        # The website Notizia's fields, where written (their edits send the post back too).
        news = NewsFields.of(variant)
        for label, value in (
            (_("Descrizione breve per %(channel)s"), news.summary),
            (_("Argomenti per %(channel)s"), ", ".join(news.topics)),
            (_("Tipo di notizia per %(channel)s"), news.type_label),
            (_("A cura di per %(channel)s"), news.office),
        ):
            if value:
                data[label % {"channel": variant.channel}] = value
    saved_images = _as_of(images, cutoff)
    if saved_images:
        data[_("Immagini")] = "\n".join(
            f"{image.alt_text} ({image.image})"
            for image in sorted(saved_images.values(), key=lambda i: (i.position, i.id))
        )
    return data


def snapshot(post: Post, number: int) -> dict[str, str]:
    """The post as it was at saved version ``number``: labelled fields, variants, images."""
    posts, variants, images = _history(post)
    versions = _versions(posts, variants, images)
    if not 1 <= number <= len(versions):
        return {}
    return _snapshot(posts, variants, images, versions[number - 1][1])


@dataclass
class FieldDiff:
    label: str
    segments: list  # [(op, text)] with op in "equal", "insert", "delete"


_TOKENS = re.compile(r"\s+|\S+\s*")
# Beyond this many token pairs in the changed middle, difflib's cost (quadratic or worse on
# repetitive text) would let one long edited post stall the review queue for everyone: the
# middle is then shown as one deletion and one insertion.
MAX_DIFF_PAIRS = 40_000


def _segments(old: str, new: str) -> list[tuple[str, str]]:
    """A word-level diff in time linear in the texts; the template escapes the text.

    The common beginning and end are found first (an edit is usually local), and only the
    changed middle goes to difflib, when it is small enough. Changes separated only by
    whitespace are merged, so that a rewritten phrase reads as one deletion and one insertion
    rather than alternating words.
    """
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    middle_a, middle_b = a[start:end_a], b[start:end_b]
    if len(middle_a) * len(middle_b) > MAX_DIFF_PAIRS:
        middle = [("replace", 0, len(middle_a), 0, len(middle_b))]
    else:
        middle = difflib.SequenceMatcher(a=middle_a, b=middle_b, autojunk=False).get_opcodes()
    opcodes = [("equal", 0, start, 0, start)] if start else []
    opcodes += [
        (op, a1 + start, a2 + start, b1 + start, b2 + start) for op, a1, a2, b1, b2 in middle
    ]
    if end_a < len(a):
        opcodes.append(("equal", end_a, len(a), end_b, len(b)))
    segments: list[tuple[str, str]] = []
    deleted, inserted = "", ""
    for index, (op, a1, a2, b1, b2) in enumerate(opcodes):
        if op != "equal":
            deleted += "".join(a[a1:a2])
            inserted += "".join(b[b1:b2])
            continue
        text = "".join(a[a1:a2])
        between_changes = (deleted or inserted) and index + 1 < len(opcodes)
        if between_changes and not text.strip():
            deleted += text
            inserted += text
            continue
        segments += [s for s in (("delete", deleted), ("insert", inserted)) if s[1]]
        deleted, inserted = "", ""
        segments.append(("equal", text))
    segments += [s for s in (("delete", deleted), ("insert", inserted)) if s[1]]
    return segments


def _diff(before_all: dict, after_all: dict) -> list[FieldDiff]:
    diffs = []
    for label in dict.fromkeys([*before_all, *after_all]):
        before, after = before_all.get(label, ""), after_all.get(label, "")
        if before != after:
            diffs.append(FieldDiff(label, _segments(before, after)))
    return diffs


def diff_versions(post: Post, *, old: int, new: int) -> list[FieldDiff]:
    """What changed between two saved versions of ``post`` (by number), field by field."""
    history = _history(post)
    versions = _versions(*history)
    if not (1 <= old <= len(versions) and 1 <= new <= len(versions)):
        return []
    categories = _categories(history)
    return _diff(
        _snapshot(*history, versions[old - 1][1], categories),
        _snapshot(*history, versions[new - 1][1], categories),
    )


def approval_mark(post: Post) -> datetime | None:
    """For a post in review: when what it was last approved, wholly or at a step of its route
    (an older version), which "what changed since approval" compares with; None when no
    earlier version was approved."""
    if post.status != S.IN_REVIEW:
        return None
    if hasattr(post, "_approval_mark"):
        return post._approval_mark
    prefetched = getattr(post, "_prefetched_objects_cache", {}).get("step_approvals")
    if prefetched is not None:
        step_mark = max((a.at for a in prefetched if a.version < post.version), default=None)
    else:
        step_mark = (
            StepApproval.objects.filter(post=post, version__lt=post.version)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
    post._approval_mark = max((t for t in (post.approved_at, step_mark) if t), default=None)
    return post._approval_mark


def _since_approval(post: Post, history, categories) -> list[FieldDiff] | None:
    posts, variants, images = history
    if not posts:
        return None
    latest = max(r.history_date for r in [*posts, *variants, *images])
    return _diff(
        _snapshot(*history, approval_mark(post), categories),
        _snapshot(*history, latest, categories),
    )


def _back_in_review(post: Post) -> bool:
    return approval_mark(post) is not None


def changes_since_approval(post: Post) -> list[FieldDiff] | None:
    """For a post back in review after an approval (of the whole route or of a step): what
    changed since (None when no earlier version was approved). A page listing posts sets it
    on each of them first, with :func:`attach_changes_since_approval`."""
    if hasattr(post, "_changes_since_approval"):
        return post._changes_since_approval
    if not _back_in_review(post):
        return None
    history = _history(post)
    return _since_approval(post, history, _categories(history))


def attach_changes_since_approval(posts: list[Post]) -> list[Post]:
    """Compute :func:`changes_since_approval` for many posts in a fixed number of queries."""
    wanted = [post.pk for post in posts if _back_in_review(post)]
    histories = _histories(wanted) if wanted else {}
    categories = _categories(*histories.values()) if wanted else {}
    for post in posts:
        history = histories.get(post.pk)
        post._changes_since_approval = (
            _since_approval(post, history, categories) if history is not None else None
        )
    return posts
