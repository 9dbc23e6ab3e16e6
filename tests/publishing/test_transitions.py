"""The one mover of a delivery (apps/publishing/transitions.py), specified."""

import ast
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.publishing import transitions
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from apps.publishing.services import claim_due
from apps.publishing.transitions import ALLOWED, BatchRaced, IllegalMove, move, move_many

pytestmark = pytest.mark.django_db

APPS = Path(__file__).resolve().parents[2] / "apps"
MOVER = APPS / "publishing" / "transitions.py"
# Writes that could set a column from keywords or a dict.
WRITE_METHODS = {"update", "create", "get_or_create", "update_or_create", "bulk_update"}


def _state_writes(tree: ast.AST) -> list[int]:
    """Line numbers where ``state`` (the Delivery column: no other model has one) is set."""
    lines = []
    splatted = set()  # names passed as ``**name`` to a write
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in WRITE_METHODS:
                splatted |= {
                    k.value.id
                    for k in node.keywords
                    if k.arg is None and isinstance(k.value, ast.Name)
                }
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "state" for t in targets):
                lines.append(node.lineno)
            # ``fields = {"state": …}`` splatted into a write later.
            if (
                isinstance(node.value, ast.Dict)
                and any(isinstance(t, ast.Name) and t.id in splatted for t in targets)
                and any(isinstance(k, ast.Constant) and k.value == "state" for k in node.value.keys)
            ):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
                name = node.args[1]
                if isinstance(name, ast.Constant) and name.value == "state":
                    lines.append(node.lineno)
            if isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS:
                if any(k.arg == "state" for k in node.keywords):
                    lines.append(node.lineno)
                for value in [*node.args, *(k.value for k in node.keywords)]:
                    for inner in ast.walk(value):
                        if isinstance(inner, ast.Constant) and inner.value == "state":
                            lines.append(node.lineno)
    return lines


def test_nothing_but_the_mover_assigns_delivery_state():
    offenders = []
    for path in sorted(APPS.rglob("*.py")):
        if path == MOVER or "migrations" in path.parts:
            continue
        writes = sorted(set(_state_writes(ast.parse(path.read_text()))))
        offenders += [f"{path.relative_to(APPS.parent)}:{line}" for line in writes]
    assert offenders == []


def test_the_guard_sees_each_way_of_writing_the_state():
    source = """
Delivery.objects.filter(pk=1, state="queued").update(state="sending")
delivery.state = "sent"
setattr(delivery, "state", "sent")
fields = {"state": "waiting"}
Delivery.objects.filter(pk=1).update(**fields)
Delivery.objects.bulk_update(rows, ["state"])
record(before={"state": "a"}, after={"state": "b"})
Delivery.objects.filter(state="waiting").count()
text = _("nello stato %(state)s") % {"state": delivery.get_state_display()}
"""
    assert sorted(set(_state_writes(ast.parse(source)))) == [2, 3, 4, 5, 7]


ALL_PAIRS = [(a, b) for a in D for b in D]
REFUSED = [(a, b) for a, b in ALL_PAIRS if b not in ALLOWED[a]]


def test_the_table_names_every_state_and_sent_is_final():
    assert set(ALLOWED) == set(D)
    assert ALLOWED[D.SENT] == frozenset()
    # Nothing leaves "sending" but its outcome or the sweeper's reconcile.
    assert ALLOWED[D.SENDING] == {D.SENT, D.WAITING, D.FAILED, D.NEEDS_CHECK, D.QUEUED}
    # Only a worker's claim moves a row to sending.
    assert [a for a, b in ALL_PAIRS if b == D.SENDING and b in ALLOWED[a]] == [D.QUEUED]


@pytest.mark.parametrize(("from_", "to"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_every_move_outside_the_table_is_refused_and_changes_nothing(approved_post, from_, to):
    post = approved_post(channels=1)
    delivery = Delivery.objects.get(variant__post=post)
    Delivery.objects.filter(pk=delivery.pk).update(state=from_)  # arrange: any state
    delivery.refresh_from_db()
    entries = AuditEntry.objects.count()

    with pytest.raises(IllegalMove):
        move(delivery, from_, to, action="delivery.test")
    with pytest.raises(IllegalMove):
        move_many([delivery], from_, to, action="delivery.test")

    delivery.refresh_from_db()
    assert (delivery.state, AuditEntry.objects.count()) == (from_, entries)


def test_a_move_in_the_table_changes_the_row_and_writes_its_audit_entry(approved_post):
    post = approved_post(channels=1)
    delivery = Delivery.objects.get(variant__post=post)

    moved = move(
        delivery, D.WAITING, D.FAILED, action="delivery.test", summary="perché", attempts=3
    )

    stored = Delivery.objects.get(pk=delivery.pk)
    entry = AuditEntry.objects.filter(action="delivery.test").get()
    assert (moved, stored.state, stored.attempts, delivery.state) == (True, D.FAILED, 3, D.FAILED)
    assert (entry.post_id, entry.object_id, entry.summary, entry.before, entry.after) == (
        post.pk,
        str(delivery.pk),
        "perché",
        {"state": "waiting"},
        {"state": "failed"},
    )


def test_a_move_from_a_state_the_row_left_reports_the_race_and_changes_nothing(approved_post):
    post = approved_post(channels=1)
    delivery = Delivery.objects.get(variant__post=post)
    stale = Delivery.objects.get(pk=delivery.pk)
    assert move(delivery, D.WAITING, D.QUEUED, action="delivery.queued")

    # A second mover read the row as waiting too: it loses, and writes no entry.
    assert move(stale, D.WAITING, D.QUEUED, action="delivery.queued") is False
    # A batch is moved under the caller's row locks: a row that moved anyway is a broken
    # promise, and the whole batch is undone.
    with pytest.raises(BatchRaced):
        move_many([stale], D.WAITING, D.QUEUED, action="delivery.queued")
    assert AuditEntry.objects.filter(action="delivery.queued").count() == 1
    assert Delivery.objects.get(pk=delivery.pk).state == D.QUEUED


def test_a_batch_move_is_undone_whole_when_one_row_had_moved_elsewhere(approved_post):
    post = approved_post(channels=3)
    first, second, third = Delivery.objects.filter(variant__post=post).order_by("id")
    Delivery.objects.filter(pk=second.pk).update(state=D.CANCELLED)  # moved elsewhere first

    with pytest.raises(BatchRaced):
        move_many([first, second, third], D.WAITING, D.QUEUED, action="delivery.queued")

    states = list(Delivery.objects.filter(variant__post=post).order_by("id").values_list("state"))
    assert states == [(D.WAITING,), (D.CANCELLED,), (D.WAITING,)]
    assert not AuditEntry.objects.filter(action="delivery.queued").exists()


def test_rows_moving_each_with_its_own_fields_move_together_in_one_update(approved_post):
    post = approved_post(channels=3)
    rows = list(Delivery.objects.filter(variant__post=post).order_by("id"))
    moves = [(row, f"id {n}", {"external_id": f"id-{n}"}) for n, row in enumerate(rows)]

    with CaptureQueriesContext(connection) as queries:
        moved = transitions.move_each(moves, D.WAITING, D.QUEUED, action="delivery.queued")

    assert moved == rows
    assert [q["sql"].split()[0] for q in queries].count("UPDATE") == 1
    saved = Delivery.objects.filter(variant__post=post).order_by("id")
    assert list(saved.values_list("state", "external_id")) == [
        (D.QUEUED, "id-0"),
        (D.QUEUED, "id-1"),
        (D.QUEUED, "id-2"),
    ]
    assert [
        e.summary for e in AuditEntry.objects.filter(action="delivery.queued").order_by("id")
    ] == [
        "id 0",
        "id 1",
        "id 2",
    ]


def test_rows_moving_each_keep_every_kind_of_value_of_their_own_and_the_shared_ones(
    approved_post,
):
    """Texts, flags, times and empty values, each row's own, in the one UPDATE; a value the
    same on every row is written as is."""
    post = approved_post(channels=3)
    rows = list(Delivery.objects.filter(variant__post=post).order_by("id"))
    at = timezone.now().replace(microsecond=0)
    own = [
        {"external_url": "https://example.org/a'1", "needs_reconcile": True, "sent_at": at},
        {"external_url": "", "needs_reconcile": False, "sent_at": None},
        {"external_url": "https://example.org/c", "needs_reconcile": True, "sent_at": at},
    ]
    moves = [
        (row, "", {**fields, "last_error": "tutti"}) for row, fields in zip(rows, own, strict=True)
    ]

    transitions.move_each(moves, D.WAITING, D.QUEUED, action="delivery.queued")

    saved = Delivery.objects.filter(variant__post=post).order_by("id")
    assert list(
        saved.values_list("state", "external_url", "needs_reconcile", "sent_at", "last_error")
    ) == [
        (D.QUEUED, "https://example.org/a'1", True, at, "tutti"),
        (D.QUEUED, "", False, None, "tutti"),
        (D.QUEUED, "https://example.org/c", True, at, "tutti"),
    ]


def test_rows_moving_each_with_its_own_fields_leave_alone_one_that_moved_elsewhere(
    approved_post,
):
    """Unlike :func:`move_many`, the rows are not held: the one a sweeper took is left for
    the caller to look at, the others still move with their own fields."""
    post = approved_post(channels=3)
    rows = list(Delivery.objects.filter(variant__post=post).order_by("id"))
    Delivery.objects.filter(pk=rows[1].pk).update(state=D.CANCELLED)
    moves = [(row, "", {"external_id": f"id-{n}"}) for n, row in enumerate(rows)]

    moved = transitions.move_each(moves, D.WAITING, D.QUEUED, action="delivery.queued")

    assert moved == [rows[0], rows[2]]
    saved = Delivery.objects.filter(variant__post=post).order_by("id")
    assert list(saved.values_list("state", "external_id")) == [
        (D.QUEUED, "id-0"),
        (D.CANCELLED, ""),
        (D.QUEUED, "id-2"),
    ]
    assert AuditEntry.objects.filter(action="delivery.queued").count() == 2


def _claim_queries(approved_post, n_posts: int) -> tuple[int, int]:
    for _ in range(n_posts):
        approved_post(channels=1)
    with CaptureQueriesContext(connection) as queries:
        claimed = claim_due()
    return len(claimed), len(queries)


def test_the_claim_costs_the_same_queries_for_one_row_and_for_three(approved_post):
    """One read of the candidates, one of the gate, one UPDATE, one INSERT of the audit rows."""
    one = _claim_queries(approved_post, 1)
    Delivery.objects.update(state=D.SENT)  # out of the way
    three = _claim_queries(approved_post, 3)

    assert (one[0], three[0]) == (1, 3)
    assert one[1] == three[1]


def test_the_mover_module_is_the_one_the_guard_exempts():
    assert Path(transitions.__file__).resolve() == MOVER
