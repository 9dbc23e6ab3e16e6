"""The audit trail: append-only, filterable, exportable without formula injection."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from apps.audit.admin import AuditEntryAdmin
from apps.audit.csv_export import safe_cell
from apps.audit.models import AuditEntry
from apps.audit.services import record
from tests.factories import ChannelFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def _entry(*, at=None, **kwargs) -> AuditEntry:
    """An entry as ``record`` writes it; ``at`` is the clock at that moment (entries cannot be
    back-dated afterwards: they are append-only, on PostgreSQL down to the database)."""
    arguments = {"action": "post.approved", "summary": "", **kwargs}
    if at is None:
        return record(**arguments)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: at)
        return record(**arguments)


def _csv(response, delimiter: str = ";") -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


# --- Append-only ---------------------------------------------------------------------------


def test_an_entry_cannot_be_changed_or_deleted(approver):
    entry = _entry(actor=approver)

    entry.summary = "ritoccato"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()

    assert AuditEntry.objects.get(pk=entry.pk).summary == ""


def test_the_admin_is_read_only_even_for_a_superuser(admin_user):
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = AuditEntryAdmin(AuditEntry, site)
    entry = _entry(actor=admin_user)

    assert model_admin.has_view_permission(request, entry) is True
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, entry) is False
    assert model_admin.has_delete_permission(request, entry) is False
    assert model_admin.get_actions(request) == {}


def test_the_admin_change_page_does_not_save_edits(client, admin_user):
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    entry = _entry(actor=admin_user, summary="originale")
    url = reverse("admin:audit_auditentry_change", args=[entry.pk])

    client.post(url, {"summary": "falsificato", "action": "x"})

    assert AuditEntry.objects.get(pk=entry.pk).summary == "originale"
    delete = client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


# --- The global list ------------------------------------------------------------------------


def test_the_list_filters_by_who_action_dates_and_post(approver_client, approver, editor):
    wanted = _entry(
        actor=editor, action="post.submitted", post_id=7, at=datetime(2026, 3, 2, 10, tzinfo=ROME)
    )
    _entry(
        actor=approver, action="post.submitted", post_id=7, at=datetime(2026, 3, 2, 11, tzinfo=ROME)
    )
    _entry(
        actor=editor, action="post.approved", post_id=7, at=datetime(2026, 3, 2, 12, tzinfo=ROME)
    )
    _entry(
        actor=editor, action="post.submitted", post_id=8, at=datetime(2026, 3, 2, 13, tzinfo=ROME)
    )
    _entry(
        actor=editor, action="post.submitted", post_id=7, at=datetime(2026, 3, 4, 9, tzinfo=ROME)
    )

    response = approver_client.get(
        reverse("audit:list"),
        {
            "chi": editor.pk,
            "azione": "post.submitted",
            "dal": "2026-03-01",
            "al": "2026-03-03",
            "post": 7,
        },
    )

    assert list(response.context["page"].object_list) == [wanted]


def test_bad_filters_are_reported_not_a_server_error(approver_client):
    _entry()

    response = approver_client.get(
        reverse("audit:list"), {"dal": "31/02/2026", "al": "ieri", "post": "abc", "pagina": "x"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'aria-invalid="true"' in body
    assert len(response.context["page"].object_list) == 1


@pytest.mark.parametrize(
    "query",
    [
        {"al": "9999-12-31"},
        {"dal": "0001-01-01"},
        {"post": "9" * 30},
        {"chi": "999999", "pagina": "-3"},
    ],
)
def test_filters_at_the_edges_of_the_calendar_are_not_a_server_error(approver_client, query):
    entry = _entry()

    listed = approver_client.get(reverse("audit:list"), query)
    exported = approver_client.get(reverse("audit:export"), query)

    assert listed.status_code == 200
    assert list(listed.context["page"].object_list) in ([entry], [])
    assert exported.status_code == 200
    assert _csv(exported)[0][0] == "quando"


def test_a_date_out_of_range_is_reported_on_its_field(approver_client):
    _entry()

    response = approver_client.get(reverse("audit:list"), {"al": "9999-12-31"})

    assert response.context["form"].errors["al"] == ["Scegli una data tra il 1900 e il 9998."]
    assert 'aria-describedby="id_al_error"' in response.content.decode()
    assert len(response.context["page"].object_list) == 1


def test_an_end_date_before_the_start_is_an_error(approver_client):
    response = approver_client.get(reverse("audit:list"), {"dal": "2026-03-05", "al": "2026-03-01"})

    assert "La data finale viene prima" in response.content.decode()


def test_the_list_is_paginated_newest_first(approver_client):
    entries = [_entry(summary=f"voce {n}") for n in range(55)]

    first = approver_client.get(reverse("audit:list"))
    second = approver_client.get(reverse("audit:list"), {"pagina": 2})

    assert list(first.context["page"].object_list)[0] == entries[-1]
    assert len(first.context["page"].object_list) == 50
    assert list(second.context["page"].object_list) == entries[4::-1]


def test_the_pages_are_linked_keeping_the_filters(approver_client):
    for n in range(55):
        _entry(summary=f"voce {n}")

    body = approver_client.get(reverse("audit:list"), {"azione": "post.approved"}).content
    html = body.decode()

    assert '<nav class="pagination-wrapper" aria-label="Pagine del registro">' in html
    assert 'href="?azione=post.approved&amp;pagina=2">Successiva</a>' in html
    assert "Pagina 1 di 2" in html


def test_the_list_escapes_what_users_wrote(approver_client):
    _entry(summary="<img src=x onerror=alert(1)>")

    body = approver_client.get(reverse("audit:list")).content.decode()

    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "<img src=x" not in body


def test_the_list_query_count_does_not_grow_with_entries(
    approver_client, approver, django_assert_max_num_queries
):
    for n in range(2):
        _entry(actor=UserFactory(username=f"persona{n}"), action=f"azione.{n}", post_id=n + 1)
    approver_client.get(reverse("audit:list"))  # the session's first request does more
    with django_assert_max_num_queries(30) as two_rows:
        approver_client.get(reverse("audit:list"))
    for n in range(2, 20):
        _entry(actor=UserFactory(username=f"persona{n}"), action=f"azione.{n}", post_id=n + 1)

    with django_assert_max_num_queries(len(two_rows.captured_queries)):
        response = approver_client.get(reverse("audit:list"))

    assert len(response.context["page"].object_list) == 20


# --- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+39 0123", "'+39 0123"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Testo normale", "Testo normale"),
        (None, ""),
    ],
)
def test_csv_cells_that_look_like_formulas_are_neutralised(value, expected):
    assert safe_cell(value) == expected


def test_the_csv_export_streams_the_filtered_entries_safely(approver_client, editor):
    _entry(actor=editor, action="comment.added", summary="=cmd|' /C calc'!A0", post_id=3)
    _entry(actor=editor, action="post.approved", summary="altro")

    response = approver_client.get(reverse("audit:export"), {"azione": "comment.added"})

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="registro-')
    rows = _csv(response)
    assert rows[0][:3] == ["quando", "chi", "azione"]
    assert len(rows) == 2
    assert rows[1][1:3] == ["redattrice", "comment.added"]
    assert rows[1][7] == "'=cmd|' /C calc'!A0"


def test_every_service_action_leaves_exactly_one_entry(editor, approver):
    from apps.planning.enums import PostStatus
    from apps.review import services
    from tests.review.factories import post_in

    post = post_in(PostStatus.DRAFT, author=editor)
    services.submit_post(post, by=editor)
    services.request_changes(post, by=approver, comment="Accorcia")
    services.submit_post(post, by=editor)
    services.approve_post(post, by=approver, expected_version=1)
    services.add_comment(post, by=editor, body="Grazie")
    services.cancel_post(post, by=editor, reason="Rinviato")

    entries = AuditEntry.objects.filter(post_id=post.pk).order_by("id")
    assert [(e.action, e.actor, e.before, e.after) for e in entries] == [
        ("post.submitted", editor, {"status": "draft"}, {"status": "in_review"}),
        (
            "post.changes_requested",
            approver,
            {"status": "in_review"},
            {"status": "changes_requested"},
        ),
        ("post.submitted", editor, {"status": "changes_requested"}, {"status": "in_review"}),
        ("post.approved", approver, {"status": "in_review"}, {"status": "approved"}),
        ("comment.added", editor, None, None),
        ("post.cancelled", editor, {"status": "approved"}, {"status": "cancelled"}),
        ("delivery.cancelled", editor, {"state": "waiting"}, {"state": "cancelled"}),
    ]


def test_the_database_refuses_changes_too_on_postgresql():
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    entry = _entry(summary="originale")

    for sql in (
        "UPDATE audit_auditentry SET summary = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])

    assert AuditEntry.objects.get(pk=entry.pk).summary == "originale"


def test_the_list_names_actions_in_italian_and_shows_before_and_after(approver_client):
    post = PostFactory()
    _entry(
        action="post.submitted", obj=post, before={"status": "draft"}, after={"status": "in_review"}
    )

    body = approver_client.get(reverse("audit:list")).content.decode()

    assert "Inviato in revisione" in body
    assert '<span class="fw-semibold">Stato:</span> Bozza <span aria-hidden="true">→</span>' in body
    assert "In revisione</li>" in body
    assert "in_review" not in body.split("<tbody>")[1]


def test_details_show_labelled_italian_values_in_local_time(approver_client):
    telegram = ChannelFactory(name="Telegram Comune")
    post = PostFactory(title="Chiusura anagrafe")
    _entry(
        action="post.updated",
        obj=post,
        before={
            "planned_at": "2026-12-11T11:00:00+00:00",
            "status": "changes_requested",
            "is_indispensable": False,
            "channels": [],
            "notes": "uguale",
        },
        after={
            "planned_at": "2026-12-12T08:30:00+00:00",
            "status": "draft",
            "is_indispensable": True,
            "channels": [telegram.pk],
            "notes": "uguale",
        },
    )

    body = approver_client.get(reverse("audit:list")).content.decode()
    details = body.split("<tbody>")[1].split("</tbody>")[0]

    assert "venerdì 11 dicembre 2026, 12:00" in details  # Rome time, Italian lower case
    assert "sabato 12 dicembre 2026, 09:30" in details
    assert "Modifiche richieste" in details and "Bozza" in details
    assert "Telegram Comune" in details
    assert "Comunicazione indispensabile:</span> no" in details and " sì</li>" in details
    for raw in ("planned_at", "2026-12-11T11:00", "changes_requested", "True", "False", "notes"):
        assert raw not in details, raw


def test_details_name_related_objects_with_one_query_per_model(
    approver_client, django_assert_max_num_queries
):
    channels = [ChannelFactory() for _ in range(3)]
    for channel in channels:
        _entry(
            action="post.updated",
            obj=PostFactory(),
            before={"channels": []},
            after={"channels": [channel.pk]},
        )
    with django_assert_max_num_queries(12) as captured:
        body = approver_client.get(reverse("audit:list")).content.decode()
    assert all(channel.name in body for channel in channels)
    channel_queries = [q for q in captured.captured_queries if "channels_channel" in q["sql"]]
    assert len(channel_queries) == 1


def test_filtering_in_place_reports_the_result_and_bad_filters_in_live_regions(approver_client):
    _entry()

    page = approver_client.get(reverse("audit:list")).content.decode()
    response = approver_client.get(
        reverse("audit:list"), {"dal": "ieri", "chi": "abc"}, HTTP_HX_REQUEST="true"
    )

    assert page.count('id="audit-live"') == 1
    assert 'id="audit-live" class="visually-hidden" role="status"' in page
    body = response.content.decode()
    assert "<html" not in body
    assert '<span id="audit-live" hx-swap-oob="innerHTML">1 voce trovata' in body
    # The form is not swapped in place, so its errors come with the results.
    assert 'role="alert"' in body
    assert '<a href="#id_dal">Dal giorno</a>' in body


def test_the_csv_gives_before_and_after_as_json(approver_client):
    _entry(before={"status": "draft", "note": "è"}, after={"status": "in_review"})

    rows = _csv(approver_client.get(reverse("audit:export")))

    assert rows[1][8:10] == ['{"note": "è", "status": "draft"}', '{"status": "in_review"}']


def test_a_history_restore_of_a_filtered_url_gets_the_whole_page(approver_client):
    _entry()

    restored = approver_client.get(
        reverse("audit:list"),
        {"azione": "post.approved"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    swapped = approver_client.get(reverse("audit:list"), HTTP_HX_REQUEST="true")

    assert "<html" in restored.content.decode()
    assert "<html" not in swapped.content.decode()
    assert "HX-Request" in swapped["Vary"]


def test_the_csv_is_semicolon_separated_by_default_for_italian_spreadsheets(approver_client):
    _entry(action="comment.added", summary="Uno, due; tre")
    response = approver_client.get(reverse("audit:export"))
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeffquando;chi;azione;")
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";"))
    assert rows[1][7] == "Uno, due; tre"  # quoted: the separator inside a cell stays text


def test_the_csv_can_be_comma_separated(approver_client):
    _entry(action="comment.added", summary="Uno, due")
    response = approver_client.get(reverse("audit:export"), {"separatore": "virgola"})
    rows = _csv(response, delimiter=",")
    assert rows[0][:3] == ["quando", "chi", "azione"]
    assert rows[1][7] == "Uno, due"


def test_an_unknown_separator_falls_back_to_the_semicolon(approver_client):
    response = approver_client.get(reverse("audit:export"), {"separatore": "\t"})
    assert _csv(response)[0][:2] == ["quando", "chi"]


def test_the_list_offers_both_separators_with_the_filters(approver_client):
    body = approver_client.get(reverse("audit:list"), {"azione": "comment.added"}).content.decode()
    assert "?azione=comment.added&amp;separatore=punto-e-virgola" in body
    assert "?azione=comment.added&amp;separatore=virgola" in body


def test_details_of_a_value_that_is_not_a_dict_are_still_shown(approver_client):
    _entry(action="comment.added", before=None, after=["uno", True])
    body = approver_client.get(reverse("audit:list")).content.decode()
    assert '<span class="fw-semibold">Valore:</span> uno, sì</li>' in body


def test_the_log_labels_a_post_edit_that_changed_texts_and_images(approver_client, editor):
    """Keys named after a post's reverse relations (variants, images) are labelled, not a 500."""
    from apps.review.editing import update_post
    from tests.factories import ChannelFactory, PostFactory

    post = PostFactory(author=editor, channels=[ChannelFactory(name="Facebook")])
    update_post(
        post,
        by=editor,
        expected_version=1,
        variant_texts={post.variants.get().channel_id: "Un testo nuovo per Facebook."},
    )

    response = approver_client.get(reverse("audit:list"))

    assert response.status_code == 200
    assert "Testi per canale:" in response.content.decode()
