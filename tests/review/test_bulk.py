"""Acting on many posts at once: each post through the same services and rules as alone, each
in its own transaction, with a summary of what was done and what was refused and why."""

from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.planning.enums import PostStatus as S
from apps.planning.models import Campaign, Post
from apps.review import services
from apps.review.bulk import BulkAction, BulkParams, run_bulk, week_copy_time
from tests.factories import CategoryFactory
from tests.review.factories import post_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]

BULK = reverse("review:bulk")


def _rome(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def _snapshot(post) -> tuple:
    fresh = Post.objects.get(pk=post.pk)
    entries = AuditEntry.objects.filter(post_id=post.pk).count()
    return (fresh.status, fresh.version, fresh.planned_at, fresh.category_id, entries)


def _approved(editor, approver, **fields) -> Post:
    post = post_in(S.IN_REVIEW, author=editor, **fields)
    services.approve_post(post, by=approver, expected_version=post.version)
    return Post.objects.get(pk=post.pk)


def _run(action, posts, by, **params) -> dict:
    result = run_bulk(
        action=action, post_ids=[p.pk for p in posts], by=by, params=BulkParams(**params)
    )
    return {
        "done": {o.post_id: o.message for o in result.done},
        "refused": {o.post_id: o.message for o in result.refused},
    }


def test_a_move_of_a_mixed_selection_moves_what_the_rules_allow_and_says_why_not_the_rest(
    editor, other_editor, approver
):
    at = _rome(2030, 5, 6, 9, 30)
    draft = post_in(author=editor, planned_at=at)
    approved = _approved(editor, approver, planned_at=at)
    in_review = post_in(S.IN_REVIEW, author=editor, planned_at=at)
    not_mine = post_in(author=other_editor, planned_at=at)
    before = {p.pk: _snapshot(p) for p in (in_review, not_mine)}

    outcome = _run(BulkAction.MOVE, [draft, approved, in_review, not_mine], editor, days=3)

    assert set(outcome["done"]) == {draft.pk, approved.pk}
    assert Post.objects.get(pk=draft.pk).planned_at == _rome(2030, 5, 9, 9, 30)
    moved = Post.objects.get(pk=approved.pk)
    assert (moved.planned_at, moved.status) == (_rome(2030, 5, 9, 9, 30), S.IN_REVIEW)
    assert moved.reschedule_only_pending is True
    assert "torna in revisione" in outcome["done"][approved.pk]
    assert "ritiralo dalla revisione" in outcome["refused"][in_review.pk]
    assert "Solo l'autore" in outcome["refused"][not_mine.pk]
    # Refused posts are exactly as they were: not even an audit entry.
    assert {p.pk: _snapshot(p) for p in (in_review, not_mine)} == before


def test_a_move_keeps_the_wall_clock_time_across_the_change_to_summer_time(editor):
    post = post_in(author=editor, planned_at=_rome(2030, 3, 30, 10, 0))

    _run(BulkAction.MOVE, [post], editor, days=1)

    assert timezone.localtime(Post.objects.get(pk=post.pk).planned_at).hour == 10


def test_a_move_into_the_past_is_refused(editor):
    post = post_in(author=editor, planned_at=timezone.now() + timedelta(days=1))

    outcome = _run(BulkAction.MOVE, [post], editor, days=-5)

    assert outcome["refused"] == {post.pk: "Non puoi spostare un post nel passato."}


def test_submit_sends_drafts_to_review_and_refuses_the_others(editor, approver):
    draft = post_in(author=editor)
    approved = _approved(editor, approver)

    outcome = _run(BulkAction.SUBMIT, [draft, approved], editor)

    assert Post.objects.get(pk=draft.pk).status == S.IN_REVIEW
    assert list(outcome["refused"]) == [approved.pk]
    assert Post.objects.get(pk=approved.pk).status == S.APPROVED


def test_cancel_cancels_what_can_be_and_keeps_what_was_published(editor):
    draft = post_in(author=editor)
    published = post_in(S.PUBLISHED, author=editor)

    outcome = _run(BulkAction.CANCEL, [draft, published], editor, reason="Evento rinviato")

    assert Post.objects.get(pk=draft.pk).status == S.CANCELLED
    assert "non si può annullare" in outcome["refused"][published.pk]
    assert AuditEntry.objects.get(post_id=draft.pk, action="post.cancelled").summary == (
        "Evento rinviato"
    )


def test_assigning_a_category_sends_an_approved_post_back_to_review(editor, approver):
    category = CategoryFactory(slug="territorio")
    draft = post_in(author=editor)
    approved = _approved(editor, approver)

    outcome = _run(BulkAction.CATEGORY, [draft, approved], editor, category=category)

    assert set(outcome["done"]) == {draft.pk, approved.pk}
    assert Post.objects.get(pk=draft.pk).category == category
    assert Post.objects.get(pk=approved.pk).status == S.IN_REVIEW


def test_a_tag_and_a_campaign_are_added_without_touching_an_approval(editor, approver):
    campaign = Campaign.objects.create(
        name="TARI 2027", starts_on=date(2030, 1, 1), ends_on=date(2030, 12, 31)
    )
    approved = _approved(editor, approver)

    _run(BulkAction.TAG, [approved], editor, tag="tributi")
    again = _run(BulkAction.TAG, [approved], editor, tag="Tributi")
    _run(BulkAction.CAMPAIGN, [approved], editor, campaign=campaign)

    post = Post.objects.get(pk=approved.pk)
    assert [t.name for t in post.tags.all()] == ["tributi"]
    assert again["done"] == {approved.pk: "Aveva già questa etichetta."}
    assert post.campaign == campaign
    assert post.status == S.APPROVED
    assert post.approved_version == post.version

    _run(BulkAction.CAMPAIGN, [post], editor, campaign=None)
    assert Post.objects.get(pk=post.pk).campaign is None


def test_duplicate_to_another_week_keeps_weekday_and_time_as_drafts_of_whoever_asked(
    editor, other_editor
):
    wednesday = post_in(author=other_editor, planned_at=_rome(2030, 5, 8, 11, 15))

    outcome = _run(BulkAction.DUPLICATE, [wednesday], editor, week=date(2030, 5, 24))

    assert list(outcome["done"]) == [wednesday.pk]
    copy = Post.objects.exclude(pk=wednesday.pk).get()
    assert (copy.planned_at, copy.status, copy.author) == (
        _rome(2030, 5, 22, 11, 15),
        S.DRAFT,
        editor,
    )


def test_week_copy_time_is_the_same_weekday_in_the_chosen_week():
    sunday_evening = _rome(2030, 5, 12, 21, 0)

    assert week_copy_time(sunday_evening, week=date(2030, 6, 3)) == _rome(2030, 6, 9, 21, 0)


def test_a_post_deleted_meanwhile_is_reported_and_the_rest_done(editor):
    post = post_in(author=editor)
    gone = post_in(author=editor)
    gone_id = gone.pk
    gone.delete()

    result = run_bulk(
        action=BulkAction.SUBMIT, post_ids=[post.pk, gone_id], by=editor, params=BulkParams()
    )

    assert [o.post_id for o in result.done] == [post.pk]
    assert [(o.post_id, o.gone) for o in result.refused] == [(gone_id, True)]


def test_every_bulk_run_is_audited_with_what_was_done_and_refused(editor):
    draft = post_in(author=editor)
    published = post_in(S.PUBLISHED, author=editor)

    _run(BulkAction.CANCEL, [draft, published], editor)

    entry = AuditEntry.objects.get(action="posts.bulk")
    assert entry.after == {"action": "cancel", "done": [draft.pk], "refused": [published.pk]}


# --- The page ---------------------------------------------------------------------------------


def test_the_summary_page_lists_what_was_done_and_what_was_refused(editor_client, editor):
    draft = post_in(author=editor, title="Bozza da inviare")
    published = post_in(S.PUBLISHED, author=editor, title="Già uscito")

    response = editor_client.post(
        BULK, {"action": "cancel", "post": [draft.pk, published.pk], "next": "/calendario/"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "1 post fatto, 1 rifiutati." in html
    assert "Bozza da inviare" in html
    assert "Già uscito" in html
    assert 'href="/calendario/"' in html


def test_a_move_without_days_asks_for_them_and_keeps_the_selection(editor_client, editor):
    post = post_in(author=editor, title="Da spostare")

    response = editor_client.post(BULK, {"action": "move", "post": [post.pk], "days": ""})

    html = response.content.decode()
    assert "Indica di quanti giorni spostare i post." in html
    assert f'name="post" value="{post.pk}"' in html
    assert not AuditEntry.objects.filter(action="posts.bulk").exists()


def test_no_selection_and_junk_ids_are_a_clear_message_not_an_error(editor_client):
    response = editor_client.post(BULK, {"action": "submit", "post": ["abc", "-1", "9" * 40]})

    assert response.status_code == 200
    assert "Nessun post selezionato" in response.content.decode()


def test_an_unknown_action_is_an_error_on_the_field(editor_client, editor):
    post = post_in(author=editor)

    response = editor_client.post(BULK, {"action": "delete_everything", "post": [post.pk]})

    assert response.status_code == 200
    assert response.context["form"].errors["action"]
    assert Post.objects.get(pk=post.pk).status == S.DRAFT


def test_the_calendar_list_offers_a_checkbox_per_post_tied_to_the_bulk_form(editor_client, editor):
    post = post_in(author=editor, planned_at=_rome(2030, 5, 6, 9, 30))

    response = editor_client.get(
        reverse("planning:calendar"), {"vista": "elenco", "data": "2030-05-01"}
    )

    html = response.content.decode()
    assert 'id="bulk-form"' in html
    assert f'id="bulk-post-{post.pk}" form="bulk-form"' in html


def test_the_review_queue_offers_the_bulk_actions(approver_client, editor):
    post = post_in(S.IN_REVIEW, author=editor)

    html = approver_client.get(reverse("review:queue")).content.decode()

    assert 'id="bulk-form"' in html
    assert f'value="{post.pk}" id="bulk-post-{post.pk}" form="bulk-form"' in html


@contextmanager
def _database_refuses_audit_action(action: str):
    """A trigger makes the database refuse one kind of audit entry: a real failure at the
    database's edge, in the middle of a post's own transaction."""
    table = AuditEntry._meta.db_table
    if connection.vendor == "postgresql":
        create = [
            "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.action = '{action}' THEN RAISE EXCEPTION 'disk full'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER refuse_audit BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        ]
        drop = [f"DROP TRIGGER refuse_audit ON {table}", "DROP FUNCTION refuse_audit()"]
    else:
        create = [
            f"CREATE TRIGGER refuse_audit BEFORE INSERT ON {table} "
            f"WHEN NEW.action = '{action}' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        ]
        drop = ["DROP TRIGGER refuse_audit"]
    with connection.cursor() as cursor:
        for sql in create:
            cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in drop:
                cursor.execute(sql)


def test_a_failure_midway_through_one_post_leaves_that_post_whole_and_the_others_done(
    editor, approver
):
    """Never half-applied: an approved post's move writes the new time and version, then goes
    back to review; when the database refuses that last step the whole post is rolled back."""
    at = _rome(2030, 5, 6, 9, 30)
    draft = post_in(author=editor, planned_at=at)
    approved = _approved(editor, approver, planned_at=at)
    before = _snapshot(approved)
    with _database_refuses_audit_action("post.back_to_review"):
        outcome = _run(BulkAction.MOVE, [draft, approved], editor, days=2)

    assert list(outcome["done"]) == [draft.pk]
    assert outcome["refused"] == {approved.pk: "Errore imprevisto: il post non è stato modificato."}
    assert _snapshot(approved) == before
    assert Post.objects.get(pk=approved.pk).status == S.APPROVED
