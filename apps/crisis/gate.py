"""The one check every send goes through."""

from datetime import datetime

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Blackout, Crisis, CrisisState
from .selectors import is_indispensable


def _current_crisis_for_claim() -> Crisis | None:
    """The open crisis, read so that a declaration is ordered against this claim.

    PostgreSQL: the CrisisState row is read FOR SHARE, so a claim in progress makes a
    declaration (FOR UPDATE) wait until it commits, and a claim that starts after the
    declaration waits for it and then sees the crisis. Django's select_for_update cannot take
    a SHARE lock, hence the raw query. SQLite: transactions take the write lock at BEGIN
    (transaction_mode IMMEDIATE), so writers are serialised and a plain read is enough.
    """
    if connection.vendor == "postgresql":
        table = CrisisState._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT current_id FROM {table} WHERE singleton FOR SHARE")  # noqa: S608
            row = cursor.fetchone()
        if row is not None:
            if row[0] is None:
                return None
            return Crisis.objects.filter(pk=row[0], ended_at__isnull=True).first()
        # No state row (a freshly flushed test database): fall back to the crisis table.
    else:
        state = CrisisState.objects.select_related("current").filter(singleton=True).first()
        if state is not None:
            return state.current if state.current and state.current.ended_at is None else None
    return Crisis.objects.filter(ended_at__isnull=True).first()


def _crisis_covers(crisis: Crisis, channel_id: int) -> bool:
    return crisis.all_channels or crisis.channels.filter(pk=channel_id).exists()


def _blackout_blocking(post, channel_id: int, at: datetime) -> Blackout | None:
    in_force = Blackout.objects.filter(starts_at__lte=at, ends_at__gt=at)
    if not in_force.exists():  # the usual case: one cheap query on a tiny table
        return None
    return (
        in_force.filter(Q(all_channels=True) | Q(channels=channel_id))
        .exclude(allowed_categories=post.category_id)
        .order_by("starts_at", "pk")
        .first()
    )


def _blackout_text(blackout: Blackout) -> str:
    return _("Periodo di silenzio (%(kind)s): %(reason)s") % {
        "kind": blackout.get_kind_display(),
        "reason": blackout.reason,
    }


def blackout_over_planned_time(variant, *, planned_at: datetime) -> str | None:
    """Why ``variant`` must not go out at all by itself: its own planned time falls in a
    blackout that does not exempt it. Ending the blackout changes nothing: a person decides."""
    post = variant.post
    if is_indispensable(post):
        return None
    blackout = _blackout_blocking(post, variant.channel_id, planned_at)
    return _blackout_text(blackout) if blackout is not None else None


def sending_blocked_reason(variant, *, at: datetime) -> str | None:
    """Why ``variant`` may not start sending at ``at`` (open crisis in scope, blackout), or None.

    :class:`ClaimGate` for one row: inside a claim's transaction, on PostgreSQL it reads the
    CrisisState row FOR SHARE, so a crisis declaration (FOR UPDATE) is ordered against it.
    """
    return ClaimGate(at=at, since=at).blocked_reason(variant)


class ClaimGate:
    """The gate for a batch of claims, read once per batch instead of once per row.

    Built inside the claim's transaction: on PostgreSQL the CrisisState row is read FOR SHARE
    (as :func:`sending_blocked_reason` does) and that lock is held until the batch commits, so
    a declaration is ordered against the whole batch exactly as it was against each row. The
    blackouts that overlap ``[since, at]`` are loaded with their channels and allowed
    categories, so each row is judged without a query: :meth:`blocked_reason` answers what
    ``sending_blocked_reason(variant, at=at)`` answers, :meth:`blackout_over_planned_time`
    what the function of that name answers for a planned time in ``[since, at]``.

    Build it before locking the rows it judges, and give ``since`` once they are read
    (:meth:`load_blackouts`): a declaration locks the state row and then the deliveries it
    stops, so a claim must take its locks in the same order or the two deadlock.
    """

    def __init__(self, *, at: datetime, since: datetime | None = None):
        self.at = at
        self.crisis = _current_crisis_for_claim()
        self._crisis_channels: set[int] | None = None
        if self.crisis is not None and not self.crisis.all_channels:
            self._crisis_channels = set(self.crisis.channels.values_list("pk", flat=True))
        self._blackouts: list[Blackout] = []
        if since is not None:
            self.load_blackouts(since=since)

    def load_blackouts(self, *, since: datetime) -> None:
        """The blackouts that overlap ``[since, at]``, with their channels and categories."""
        self._blackouts = list(
            Blackout.objects.filter(starts_at__lte=self.at, ends_at__gt=min(since, self.at))
            .prefetch_related("channels", "allowed_categories")
            .order_by("starts_at", "pk")
        )

    def _blackout_at(self, post, channel_id: int, when: datetime) -> Blackout | None:
        for blackout in self._blackouts:
            if not blackout.starts_at <= when < blackout.ends_at:
                continue
            if not blackout.all_channels and all(
                c.pk != channel_id for c in blackout.channels.all()
            ):
                continue
            if any(c.pk == post.category_id for c in blackout.allowed_categories.all()):
                continue
            return blackout
        return None

    def blocked_reason(self, variant) -> str | None:
        post = variant.post
        crisis = self.crisis
        if crisis is not None and not post.is_crisis_communication:
            if self._crisis_channels is None or variant.channel_id in self._crisis_channels:
                return _("Modalità crisi attiva: %(reason)s") % {"reason": crisis.reason[:200]}
        if is_indispensable(post):
            return None
        blackout = self._blackout_at(post, variant.channel_id, self.at)
        return _blackout_text(blackout) if blackout is not None else None

    def blackout_over_planned_time(self, variant, *, planned_at: datetime) -> str | None:
        post = variant.post
        if is_indispensable(post):
            return None
        blackout = self._blackout_at(post, variant.channel_id, planned_at)
        return _blackout_text(blackout) if blackout is not None else None
