"""Approval routes: which route a post follows, where it is on it, and who may act at its step.

The rules live here, as plain functions over plain values; ``services`` applies them when
someone approves, ``selectors`` and the pages show them.

- A post follows the first active route (by priority) whose categories, channels and "crisis
  communication only" flag match it; none matching, the default route: one step, any approver
  (what the office always had).
- During a declared crisis, a post born as crisis communication keeps the fast track: one
  step, any approver, whatever its route.
- Each approval is of one version: an edit (a new version) sends the post back to the first
  step. A post back in review only because its time moved needs only the last step again.
- Separation of duties at every step: whoever wrote this version never approves it, and one
  person approves at most one step of a version.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.roles import can, has_role
from apps.crisis.selectors import open_crisis
from apps.planning.models import Post

from .models import ApprovalRoute, StepApproval, StepMode

ANY_REVIEWER = "*"  # the default step's group: whoever may review


@dataclass(frozen=True)
class Step:
    pk: int | None
    position: int
    name: str
    role: str = ANY_REVIEWER  # a Role value, "" (named people only) or ANY_REVIEWER
    people: tuple[tuple[int, str], ...] = ()  # (user id, name)
    externals: tuple[tuple[int, str], ...] = ()  # (external approver id, name)
    mode: str = StepMode.ANY


@dataclass(frozen=True)
class Route:
    pk: int | None
    name: str
    steps: tuple[Step, ...]
    category_ids: frozenset = frozenset()
    channel_ids: frozenset = frozenset()
    crisis_only: bool = False

    def matches(self, post: Post, channel_ids: set[int]) -> bool:
        if self.crisis_only and not post.is_crisis_communication:
            return False
        if self.category_ids and post.category_id not in self.category_ids:
            return False
        return not self.channel_ids or bool(self.channel_ids & channel_ids)


DEFAULT_STEP = Step(pk=None, position=1, name=gettext_lazy("Approvazione"))
DEFAULT_ROUTE = Route(pk=None, name=gettext_lazy("Percorso predefinito"), steps=(DEFAULT_STEP,))


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


class RouteBook:
    """Every active route with its steps and the members of the roles they name, read once
    (a fixed number of queries) for a page that shows many posts."""

    def __init__(self):
        self.routes: list[Route] = []
        roles: set[str] = set()
        queryset = ApprovalRoute.objects.filter(active=True).prefetch_related(
            "categories", "channels", "steps__people", "steps__external_approvers"
        )
        for route in queryset:
            steps = tuple(
                Step(
                    pk=step.pk,
                    position=index,
                    name=step.name,
                    role=step.role,
                    people=tuple((u.pk, _name(u)) for u in step.people.all()),
                    externals=tuple(
                        (e.pk, str(e)) for e in step.external_approvers.all() if e.active
                    ),
                    mode=step.mode,
                )
                for index, step in enumerate(
                    sorted(route.steps.all(), key=lambda s: (s.position, s.pk)), start=1
                )
            )
            if not steps:
                continue  # a route without steps is not finished: the default applies
            roles |= {step.role for step in steps if step.role}
            self.routes.append(
                Route(
                    pk=route.pk,
                    name=route.name,
                    steps=steps,
                    category_ids=frozenset(c.pk for c in route.categories.all()),
                    channel_ids=frozenset(c.pk for c in route.channels.all()),
                    crisis_only=route.crisis_only,
                )
            )
        self.role_members: dict[str, tuple[tuple[int, str], ...]] = {role: () for role in roles}
        if roles:
            members: dict[str, list] = {role: [] for role in roles}
            for user in (
                User.objects.filter(is_active=True, groups__name__in=roles)
                .prefetch_related("groups")
                .distinct()
                .order_by("first_name", "last_name", "username")
            ):
                for group in user.groups.all():
                    if group.name in members:
                        members[group.name].append((user.pk, _name(user)))
            self.role_members = {role: tuple(people) for role, people in members.items()}

    def route_for(self, post: Post) -> Route:
        channel_ids = {variant.channel_id for variant in post.variants.all()}
        for route in self.routes:
            if route.matches(post, channel_ids):
                return route
        return DEFAULT_ROUTE


class _EmptyBook(RouteBook):
    def __init__(self):
        self.routes = []
        self.role_members = {}


_EMPTY_BOOK = _EmptyBook()


_UNKNOWN = object()


def writer_ids(post: Post) -> set[int]:
    """Who wrote any of the words being approved: the author, the last editor, anyone who
    changed reviewed content since the last approval."""
    return {
        pk for pk in (post.author_id, post.last_editor_id, *(post.content_editor_ids or [])) if pk
    }


def crisis_fast_track(post: Post, crisis) -> bool:
    """During a crisis a post born as crisis communication needs one approver, as always."""
    return (
        crisis is not None and post.is_crisis_communication and post.created_as_crisis_communication
    )


@dataclass
class Progress:
    """Where a post in review is on its route."""

    route: Route
    step: Step | None  # the step awaited now; None once every step approved this version
    index: int  # of ``step`` in ``route.steps``
    approvals: list = field(default_factory=list)  # StepApproval of this version
    awaited_staff: list = field(default_factory=list)  # [(user id, name)]
    awaited_external: list = field(default_factory=list)  # [(external id, name)]
    fast_track: bool = False
    reschedule_only: bool = False

    @property
    def total(self) -> int:
        return len(self.route.steps)

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def is_default(self) -> bool:
        return self.route.pk is None

    @property
    def awaited_label(self) -> str:
        """Who the step waits for, in words."""
        if self.step is None:
            return ""
        if self.step.role == ANY_REVIEWER:
            return _("un approvatore")
        names = [name for _pk, name in self.awaited_staff]
        names += [_("%(name)s (esterno)") % {"name": name} for _pk, name in self.awaited_external]
        if not names:
            return _("nessuno: aggiungi qualcuno al passo nelle impostazioni del percorso")
        if self.step.mode == StepMode.ALL:
            return _("tutti: %(names)s") % {"names": ", ".join(names)}
        return _("uno tra: %(names)s") % {"names": ", ".join(names)}


def _approvals_of(post: Post, approvals) -> list:
    if approvals is None:
        approvals = getattr(post, "_prefetched_objects_cache", {}).get("step_approvals")
    if approvals is None:
        approvals = StepApproval.objects.filter(post=post, version=post.version)
    return [a for a in approvals if a.version == post.version]


def _group(step: Step, book: RouteBook) -> tuple[list, list]:
    """The step's staff (role members and named people) and externals."""
    staff = dict(step.people)
    if step.role and step.role != ANY_REVIEWER:
        staff = {**dict(book.role_members.get(step.role, ())), **staff}
    return list(staff.items()), list(step.externals)


def _awaited(step: Step, mine: list, book: RouteBook, post: Post) -> tuple[list, list]:
    staff, externals = _group(step, book)
    done_staff = {a.approved_by_id for a in mine if a.approved_by_id}
    done_external = {a.external_id for a in mine if a.external_id}
    writers = writer_ids(post)
    staff = [(pk, name) for pk, name in staff if pk not in done_staff and pk not in writers]
    externals = [(pk, name) for pk, name in externals if pk not in done_external]
    return staff, externals


def _complete(step: Step, mine: list, book: RouteBook, post: Post) -> bool:
    if not mine:
        return False
    if step.mode != StepMode.ALL or step.role == ANY_REVIEWER:
        return True
    staff, externals = _awaited(step, mine, book, post)
    return not staff and not externals


def progress(
    post: Post, *, book: RouteBook | None = None, crisis=_UNKNOWN, approvals=None
) -> Progress:
    """Where ``post`` is on its route: the step awaited and who it waits for.

    ``book``, ``crisis`` and ``approvals`` may be passed by a page that shows many posts."""
    if crisis is _UNKNOWN:
        crisis = open_crisis()
    fast_track = crisis_fast_track(post, crisis)
    if fast_track:
        route, book = DEFAULT_ROUTE, book or _EMPTY_BOOK
    else:
        book = book if book is not None else RouteBook()
        route = book.route_for(post)
    current = _approvals_of(post, approvals)
    first = len(route.steps) - 1 if post.reschedule_only_pending else 0
    for index in range(first, len(route.steps)):
        step = route.steps[index]
        mine = [a for a in current if a.step_id == step.pk]
        if _complete(step, mine, book, post):
            continue
        staff, externals = _awaited(step, mine, book, post)
        return Progress(
            route=route,
            step=step,
            index=index,
            approvals=current,
            awaited_staff=staff,
            awaited_external=externals,
            fast_track=fast_track,
            reschedule_only=post.reschedule_only_pending,
        )
    return Progress(
        route=route,
        step=None,
        index=len(route.steps),
        approvals=current,
        fast_track=fast_track,
        reschedule_only=post.reschedule_only_pending,
    )


def in_step_group(step: Step, user) -> bool:
    if step.role == ANY_REVIEWER:
        return can(user, "review")
    if step.role and has_role(user, step.role):
        return True
    return any(pk == user.pk for pk, _name in step.people)


def refusal_for(prog: Progress, user) -> str:
    """Why ``user`` may not approve at the post's current step ("" when they may).
    Separation of duties against the version's writers is the caller's (see
    ``services.approval_route``, which knows the office's self-approval setting)."""
    step = prog.step
    if step is None:
        return _("Tutti i passi del percorso hanno già approvato questa versione.")
    if not in_step_group(step, user):
        return _("Il passo «%(step)s» attende %(who)s.") % {
            "step": step.name,
            "who": prog.awaited_label,
        }
    for approval in prog.approvals:
        if approval.approved_by_id == user.pk:
            if approval.step_id == step.pk:
                return _("Hai già approvato questo passo per questa versione.")
            return _("Hai già approvato un altro passo di questa versione: serve un'altra persona.")
    return ""


def external_refusal_for(prog: Progress, external_id: int, step_id: int) -> str:
    """Why the approver outside the office may not decide now ("" when they may)."""
    step = prog.step
    if step is None or step.pk != step_id:
        return _("Il post non attende più una tua decisione.")
    if not any(pk == external_id for pk, _name in prog.awaited_external):
        return _("Il post non attende più una tua decisione.")
    return ""
