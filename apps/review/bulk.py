"""Acting on many posts at once (the calendar's list view, the review queue).

Each post goes through the same service as when one person acts on it alone (submit and cancel
in ``review.services``, moves and edits in ``review.editing``, copies in ``planning.services``),
with the same rules and audit entries, each in its own transaction: a post is changed entirely
or not at all, and one refusal does not stop the others. The result says, post by post, what
was done and what was refused and why.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import DatabaseError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.services import record
from apps.planning.access import can_manage_post
from apps.planning.enums import PostStatus
from apps.planning.models import Campaign, ContentCategory, Post, Variant
from apps.planning.services import PostEditError, duplicate_post
from apps.planning.transitions import TransitionError

from .editing import SlotMoveQuestion, reschedule_post, update_post
from .services import cancel_post, submit_post

logger = logging.getLogger(__name__)

# One selection: a month's list at most, so a request stays short.
MAX_POSTS = 200
MAX_DAYS = 366


class BulkAction(models.TextChoices):
    SUBMIT = "submit", gettext_lazy("Invia in revisione")
    MOVE = "move", gettext_lazy("Sposta di alcuni giorni")
    CATEGORY = "category", gettext_lazy("Cambia categoria")
    TAG = "tag", gettext_lazy("Aggiungi un'etichetta")
    CAMPAIGN = "campaign", gettext_lazy("Assegna a una campagna")
    DUPLICATE = "duplicate", gettext_lazy("Duplica in un'altra settimana")
    CANCEL = "cancel", gettext_lazy("Annulla i post")


@dataclass(frozen=True)
class Outcome:
    post_id: int
    title: str
    message: str
    gone: bool = False  # no such post (deleted meanwhile)


@dataclass
class BulkResult:
    action: str
    done: list[Outcome] = field(default_factory=list)
    refused: list[Outcome] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return str(BulkAction(self.action).label)


@dataclass(frozen=True)
class BulkParams:
    """What the chosen action needs: ``days`` (move), ``category``, ``tag`` (a name),
    ``campaign`` (None takes the posts out of theirs), ``week`` (any day of the target
    week, for copies), ``reason`` (cancel)."""

    days: int = 0
    category: ContentCategory | None = None
    tag: str = ""
    campaign: Campaign | None = None
    week: date | None = None
    reason: str = ""


class BulkRefused(PostEditError):
    """One post refused by a rule of this module (who may act on it)."""


def run_bulk(*, action: str, post_ids: list[int], by, params: BulkParams) -> BulkResult:
    """Apply ``action`` to each post of ``post_ids`` (at most ``MAX_POSTS``) as ``by``."""
    action = BulkAction(action)
    ids = list(dict.fromkeys(post_ids))[:MAX_POSTS]
    result = BulkResult(action=action)
    posts = {
        p.pk: p
        for p in Post.objects.filter(pk__in=ids)
        .select_related("category", "campaign")
        .prefetch_related(
            models.Prefetch("variants", queryset=Variant.objects.select_related("channel")),
            "images",
            "tags",
        )
    }
    ordered = sorted(posts.values(), key=lambda p: (p.planned_at, p.pk))
    for missing in (pk for pk in ids if pk not in posts):
        result.refused.append(
            Outcome(missing, f"#{missing}", _("Il post non esiste più."), gone=True)
        )
    for post in ordered:
        title = post.title
        try:
            with transaction.atomic():
                message = _ACTIONS[action](post, by=by, params=params)
        except SlotMoveQuestion as exc:
            result.refused.append(
                Outcome(post.pk, title, f"{exc} " + _("Spostalo da solo per rispondere."))
            )
        except (TransitionError, PostEditError) as exc:
            result.refused.append(Outcome(post.pk, title, str(exc)))
        except DatabaseError:
            # The post's transaction is rolled back whole; the others go on, and the summary
            # says so rather than a server error page halfway through a selection.
            logger.exception("Bulk %s failed on post %s", action.value, post.pk)
            result.refused.append(
                Outcome(post.pk, title, _("Errore imprevisto: il post non è stato modificato."))
            )
        else:
            result.done.append(Outcome(post.pk, title, message))
    record(
        action="posts.bulk",
        actor=by,
        summary=lambda: (
            _("%(action)s: %(done)s fatti, %(refused)s rifiutati")
            % {
                "action": result.action_label,
                "done": len(result.done),
                "refused": len(result.refused),
            }
        ),
        after={
            "action": action.value,
            "done": [o.post_id for o in result.done],
            "refused": [o.post_id for o in result.refused],
        },
    )
    return result


def _require_manager(post: Post, by) -> None:
    if not can_manage_post(by, post):
        raise BulkRefused(_("Solo l'autore del post o un approvatore può modificarlo."))


def _back_to_review(post: Post) -> str:
    return (
        " " + _("Era approvato: torna in revisione.") if post.status == PostStatus.IN_REVIEW else ""
    )


def _submit(post: Post, *, by, params: BulkParams) -> str:
    submit_post(post, by=by)
    return _("Inviato in revisione.")


def _cancel(post: Post, *, by, params: BulkParams) -> str:
    cancel_post(post, by=by, reason=params.reason)
    return _("Annullato.")


def _shifted(at: datetime, *, days: int) -> datetime:
    """The same wall-clock time ``days`` later in Rome (a move across a DST change keeps it)."""
    local = timezone.localtime(at)
    return datetime.combine(
        local.date() + timedelta(days=days), local.time(), tzinfo=timezone.get_current_timezone()
    )


def _move(post: Post, *, by, params: BulkParams) -> str:
    _require_manager(post, by)
    planned_at = _shifted(post.planned_at, days=params.days)
    reschedule_post(post, by=by, planned_at=planned_at, expected_version=post.version)
    when = timezone.localtime(post.planned_at).strftime("%d/%m/%Y %H:%M")
    return _("Spostato a %(when)s.") % {"when": when} + _back_to_review(post)


def _edit(post: Post, *, by, **changes) -> None:
    _require_manager(post, by)
    update_post(post, by=by, expected_version=post.version, **changes)


def _category(post: Post, *, by, params: BulkParams) -> str:
    if post.category_id == params.category.pk:
        return _("Aveva già questa categoria.")
    _edit(post, by=by, category=params.category)
    return _("Categoria: %(c)s.") % {"c": params.category.name} + _back_to_review(post)


def _tag(post: Post, *, by, params: BulkParams) -> str:
    names = [t.name for t in post.tags.all()]
    if params.tag.casefold() in {n.casefold() for n in names}:
        return _("Aveva già questa etichetta.")
    _edit(post, by=by, tags=[*names, params.tag])
    return _("Etichetta aggiunta: %(t)s.") % {"t": params.tag}


def _campaign(post: Post, *, by, params: BulkParams) -> str:
    if post.campaign_id == (params.campaign.pk if params.campaign else None):
        return _("Era già così.")
    _edit(post, by=by, campaign=params.campaign)
    if params.campaign is None:
        return _("Tolto dalla campagna.")
    return _("Nella campagna %(c)s.") % {"c": params.campaign.name}


def week_copy_time(at: datetime, *, week: date) -> datetime:
    """The same weekday and wall-clock time as ``at``, in the week that contains ``week``."""
    local = timezone.localtime(at)
    monday = week - timedelta(days=week.weekday())
    day = monday + timedelta(days=local.weekday())
    return datetime.combine(day, local.time(), tzinfo=timezone.get_current_timezone())


def _duplicate(post: Post, *, by, params: BulkParams) -> str:
    copy = duplicate_post(post, by=by, planned_at=week_copy_time(post.planned_at, week=params.week))
    when = timezone.localtime(copy.planned_at).strftime("%d/%m/%Y %H:%M")
    return _("Copia creata come bozza per il %(when)s (#%(id)s).") % {"when": when, "id": copy.pk}


_ACTIONS = {
    BulkAction.SUBMIT: _submit,
    BulkAction.MOVE: _move,
    BulkAction.CATEGORY: _category,
    BulkAction.TAG: _tag,
    BulkAction.CAMPAIGN: _campaign,
    BulkAction.DUPLICATE: _duplicate,
    BulkAction.CANCEL: _cancel,
}
