"""The one mover of a delivery. Nothing else assigns ``Delivery.state``.

Every move is a conditional ``UPDATE … WHERE id = … AND state = <from>`` that must change
exactly one row, so a repeated or lost broker message, a second worker, a second beat tick or
a person's stale page can never move a delivery twice (and so never send it twice). The move
and its audit entry are written in the same transaction. *Why* and *when* a delivery moves is
decided by the callers (the claim, the send, the sweeper, people's actions, the crisis stop);
this module knows which moves exist. docs/publishing.md draws the machine.
"""

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Expression

from apps.audit.services import entry_for, record_many

from .enums import DeliveryState as D
from .models import Delivery

logger = logging.getLogger(__name__)

# from -> the states it may move to; a move to the same state only changes fields (and is
# audited): a reschedule of a waiting row, a second wake-up of a queued one.
ALLOWED: dict[D, frozenset[D]] = {
    D.WAITING: frozenset(
        {
            D.WAITING,  # rescheduled (re-approval), "Riprova ora" on a backing-off row
            D.QUEUED,  # claimed (claim_due)
            D.FAILED,  # held past its time on a post that cannot pause; stopped by a crisis
            D.CANCELLED,  # its post was cancelled
            D.SENT,  # a late success wins over the sweeper that had given the send up
        }
    ),
    D.QUEUED: frozenset(
        {
            D.QUEUED,  # woken again (lost broker message)
            D.WAITING,  # held at the last moment, message lost for long, rescheduled
            D.SENDING,  # claimed by a worker (send_delivery, transaction 1)
            D.FAILED,  # stopped by a crisis (a post that cannot pause)
            D.CANCELLED,  # its post was cancelled
            D.SENT,  # a late success wins over the sweeper
        }
    ),
    D.SENDING: frozenset(
        {
            D.SENT,
            D.WAITING,  # transient error: retry with backoff
            D.FAILED,  # permanent error, attempts used up
            D.NEEDS_CHECK,  # unknown outcome on a channel that cannot look it up
            D.QUEUED,  # worker died mid-send on a channel that can reconcile (sweeper)
        }
    ),
    D.NEEDS_CHECK: frozenset(
        {
            D.SENT,  # a person found it on the channel, or a late success
            D.FAILED,  # a person did not find it
            D.WAITING,  # "Riprova ora" after checking it is not there
        }
    ),
    D.FAILED: frozenset(
        {
            D.WAITING,  # "Riprova ora"
            D.CANCELLED,  # "Chiudi l'invio"
        }
    ),
    D.CANCELLED: frozenset({D.WAITING}),  # the post approved again
    D.SENT: frozenset(),  # final: never a second send
}


class IllegalMove(ValueError):
    """A move outside :data:`ALLOWED`: a programming error, never a race."""


class BatchRaced(RuntimeError):
    """A batch move found a row no longer in its from-state although the caller held it."""


def can_move(from_: str, to: str) -> bool:
    return D(to) in ALLOWED[D(from_)]


def _check(from_: str, to: str) -> None:
    if not can_move(from_, to):
        raise IllegalMove(f"Delivery cannot move from {from_} to {to}")


def _entry(delivery: Delivery, action: str, from_: str, to: str, by, summary: str):
    return entry_for(
        action=action,
        actor=by,
        obj=delivery,
        post_id=delivery.variant.post_id,
        summary=summary,
        before={"state": str(from_)},
        after={"state": str(to)},
    )


def _apply(delivery: Delivery, to: str, fields: dict) -> None:
    """The in-memory copy follows the row (expressions such as ``F()`` are left to the
    caller, which knows their value)."""
    delivery.state = D(to)
    for name, value in fields.items():
        if not hasattr(value, "resolve_expression"):
            setattr(delivery, name, value)


def move(
    delivery: Delivery,
    from_: str,
    to: str,
    *,
    action: str,
    by=None,
    summary: str = "",
    where: dict | None = None,
    **fields,
) -> bool:
    """Move ``delivery`` from ``from_`` to ``to``, saving ``fields`` in the same UPDATE.

    Returns whether the move happened: ``False`` when the row was not in ``from_`` (or did
    not match ``where``, extra conditions such as the post's status) because someone moved it
    first; the caller then leaves it alone. Raises :class:`IllegalMove` for a move that is not
    in the table, before touching anything. Writes the audit entry ``action`` (by ``by``,
    with ``summary``) in the same transaction as the UPDATE.
    """
    _check(from_, to)
    with transaction.atomic(savepoint=False):
        changed = Delivery.objects.filter(pk=delivery.pk, state=from_, **(where or {})).update(
            state=to, **fields
        )
        if changed != 1:
            logger.info("Delivery %s: not %s any more, %s not made", delivery.pk, from_, action)
            return False
        _apply(delivery, to, fields)
        record_many([_entry(delivery, action, from_, to, by, summary)])
    return True


def move_many(
    deliveries: Iterable[Delivery],
    from_: str,
    to: str,
    *,
    action: str,
    by=None,
    summary: str = "",
    where: dict | None = None,
    **fields,
) -> list[Delivery]:
    """:func:`move` for a batch: one UPDATE and one INSERT of the audit entries.

    For a caller that holds the rows: locked ``FOR UPDATE`` on PostgreSQL, or inside a
    transaction that took SQLite's write lock at BEGIN (as the claim does). Every row must
    move; one that did not means that promise was broken, and :class:`BatchRaced` undoes the
    whole batch (its savepoint) rather than guess which rows moved.
    """
    _check(from_, to)
    deliveries = list(deliveries)
    if not deliveries:
        return []
    ids = [delivery.pk for delivery in deliveries]
    with transaction.atomic():
        changed = Delivery.objects.filter(pk__in=ids, state=from_, **(where or {})).update(
            state=to, **fields
        )
        if changed != len(ids):
            raise BatchRaced(f"{len(ids) - changed} of {len(ids)} deliveries were not {from_}")
        record_many([_entry(d, action, from_, to, by, summary) for d in deliveries])
    for delivery in deliveries:
        _apply(delivery, to, fields)
    return deliveries


def move_each(
    moves: Iterable[tuple[Delivery, str, dict]], from_: str, to: str, *, action: str
) -> list[Delivery]:
    """:func:`move` for rows that each save their own fields (``(delivery, summary,
    fields)``): one conditional UPDATE per row, one INSERT of the audit entries of the rows
    that moved. Returns those rows; a row not in ``from_`` any more is left alone, for the
    caller to look at."""
    _check(from_, to)
    moves = list(moves)
    with transaction.atomic(savepoint=False):
        if not _update_all_at_once(moves, from_, to):
            moves = [
                (delivery, summary, fields)
                for delivery, summary, fields in moves
                if Delivery.objects.filter(pk=delivery.pk, state=from_).update(state=to, **fields)
            ]
        for delivery, _summary, fields in moves:
            _apply(delivery, to, fields)
        if moves:
            record_many([_entry(d, action, from_, to, None, summary) for d, summary, _f in moves])
    return [delivery for delivery, _summary, _fields in moves]


def _update_all_at_once(moves: list[tuple[Delivery, str, dict]], from_: str, to: str) -> bool:
    """Every row's own fields in one UPDATE, if every row is still in ``from_``; otherwise
    nothing is changed (its savepoint) and the caller goes row by row. A field with the same
    value on every row is set as is; the others take each row's value by its id
    (:class:`ValueById`)."""
    if len(moves) < 2:
        return False
    ids = [delivery.pk for delivery, _summary, _fields in moves]
    names = dict.fromkeys(name for _delivery, _summary, fields in moves for name in fields)
    values = {}
    for name in names:
        by_id = {
            delivery.pk: fields[name] for delivery, _summary, fields in moves if name in fields
        }
        first = next(iter(by_id.values()))
        if len(by_id) == len(moves) and all(value == first for value in by_id.values()):
            values[name] = first
        else:
            values[name] = ValueById(by_id, Delivery._meta.get_field(name))
    try:
        with transaction.atomic():
            changed = Delivery.objects.filter(pk__in=ids, state=from_).update(state=to, **values)
            if changed != len(ids):
                raise BatchRaced(f"{len(ids) - changed} of {len(ids)} deliveries were not {from_}")
    except BatchRaced:
        return False
    return True


class ValueById(Expression):
    """``CASE id WHEN … THEN … ELSE <the column> END``: each row's own value of ``field`` in
    one UPDATE. What ``Case(When(pk=…, then=Value(…)), …)`` writes, compiled in one pass:
    Django resolves a ``Q`` and copies a ``When`` per row, which cost a sends worker more CPU
    than the rest of recording a batch. Plain values only (no expressions, no joins)."""

    def __init__(self, values: dict[int, object], field):
        super().__init__(output_field=field)
        self.values = values

    def resolve_expression(self, *args, **kwargs):
        return self  # nothing to resolve: this table's columns and plain values

    def as_sql(self, compiler, connection):
        field = self.output_field
        params = []
        for pk, value in self.values.items():
            params += [pk, field.get_db_prep_save(value, connection=connection)]
        quote = connection.ops.quote_name
        whens = " ".join(["WHEN %s THEN %s"] * len(self.values))
        pk_column = quote(field.model._meta.pk.column)
        return f"CASE {pk_column} {whens} ELSE {quote(field.column)} END", params
