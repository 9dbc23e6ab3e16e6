"""The import pages (upload, preview, confirm, template) and the export (CSV, XLSX, print)."""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.channels.enums import ChannelKind
from apps.planning import exporting, importing
from apps.planning.enums import PostStatus
from apps.planning.models import ImportBatch, Post
from tests.factories import CategoryFactory, ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return {
        "telegram": ChannelFactory(name="Telegram", kind=ChannelKind.TELEGRAM),
        "category": CategoryFactory(name="Informativo vista", slug="informativo-vista"),
    }


def _day(days=5) -> str:
    return timezone.localdate(timezone.now() + timedelta(days=days)).strftime("%d/%m/%Y")


def _upload(content: bytes, name="piano.csv", content_type="text/csv"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _csv(*lines) -> bytes:
    return "\n".join(["data;ora;canali;categoria;titolo;testo", *lines]).encode()


def test_upload_preview_confirm(editor_client, editor, office):
    good = f"{_day()};09:30;Telegram;Informativo vista;Anagrafe;L'anagrafe è chiusa."
    response = editor_client.post(reverse("planning:import_upload"), {"file": _upload(_csv(good))})
    batch = ImportBatch.objects.get()
    assert response.url == reverse("planning:import_preview", args=[batch.key])
    assert batch.owner == editor
    assert Post.objects.count() == 0  # nothing saved before the confirmation

    page = editor_client.get(response.url)
    assert page.status_code == 200
    assert "1 riga pronta" in page.text and "Importa 1 bozza" in page.text

    done = editor_client.post(reverse("planning:import_confirm", args=[batch.key]))
    assert done.status_code == 302 and "vista=elenco" in done.url
    post = Post.objects.get()
    assert (post.title, post.status, post.author) == ("Anagrafe", PostStatus.DRAFT, editor)


def test_errors_are_shown_per_row_and_nothing_can_be_imported(editor_client, office):
    bad = f"{_day()};09:30;Instagrum;Informativo vista;Anagrafe;Testo"
    response = editor_client.post(reverse("planning:import_upload"), {"file": _upload(_csv(bad))})
    page = editor_client.get(response.url)
    assert "Canale sconosciuto: «Instagrum»." in page.text
    assert "1 riga ha errori" in page.text
    assert "Importa 1 bozza" not in page.text
    batch = ImportBatch.objects.get()
    refused = editor_client.post(reverse("planning:import_confirm", args=[batch.key]), follow=True)
    assert "1 riga ha errori" in refused.text
    assert Post.objects.count() == 0


def test_a_corrected_file_replaces_the_preview(editor_client, office):
    bad = f"{_day()};09:30;Instagrum;Informativo vista;Anagrafe;Testo"
    first = editor_client.post(reverse("planning:import_upload"), {"file": _upload(_csv(bad))})
    good = bad.replace("Instagrum", "Telegram")
    second = editor_client.post(first.url, {"file": _upload(_csv(good))})
    assert second.status_code == 302 and second.url != first.url
    assert "1 riga pronta" in editor_client.get(second.url).text


@pytest.mark.parametrize(
    "name, content, content_type, message",
    [
        ("piano.xlsm", b"PK", "application/vnd.ms-excel.sheet.macroEnabled.12", "macro"),
        ("piano.csv", b"data;ora\n1;2", "text/csv", "Mancano le colonne"),
        ("piano.xlsx", b"garbage", "application/octet-stream", "non è un foglio XLSX valido"),
    ],
)
def test_bad_uploads_keep_the_page_with_a_message(
    editor_client, name, content, content_type, message
):
    response = editor_client.post(
        reverse("planning:import_upload"), {"file": _upload(content, name, content_type)}
    )
    assert response.status_code == 200
    assert message in response.text
    assert ImportBatch.objects.count() == 0


def test_ten_thousand_rows_get_a_message_not_a_500(editor_client, office):
    line = f"{_day()};09:30;Telegram;Informativo vista;Anagrafe;Testo"
    response = editor_client.post(
        reverse("planning:import_upload"), {"file": _upload(_csv(*[line] * 10_000))}
    )
    assert response.status_code == 200
    assert f"più di {importing.MAX_IMPORT_ROWS} righe" in response.text


def test_someone_elses_preview_is_not_found(editor_client, other_editor, office):
    upload = importing.read_upload(
        name="p.csv", content_type="", data=_csv(f"{_day()};09:30;Telegram;Informativo vista;T;x")
    )
    batch = importing.store_upload(upload, by=other_editor, filename="p.csv")
    assert (
        editor_client.get(reverse("planning:import_preview", args=[batch.key])).status_code == 404
    )
    confirm = editor_client.post(reverse("planning:import_confirm", args=[batch.key]))
    assert confirm.status_code == 404
    assert Post.objects.count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_imports_as_it_is(editor_client, editor, office, fmt):
    response = editor_client.get(reverse("planning:import_template", args=[fmt]))
    assert response.status_code == 200
    assert f"modello-piano.{fmt}" in response["Content-Disposition"]
    upload = importing.read_upload(name=f"modello.{fmt}", content_type="", data=response.content)
    assert upload.headers[:4] == ["data", "ora", "canali", "categoria"]
    rows = importing.check_rows(upload.rows)
    assert len(rows) == 2 and all(r.ok for r in rows), [r.errors for r in rows]


# --- Export -------------------------------------------------------------------------------


@pytest.fixture
def planned(office, editor):
    day = timezone.localdate() + timedelta(days=3)
    at = datetime.combine(day, time(9, 0), tzinfo=timezone.get_current_timezone())
    post = PostFactory(
        title='=HYPERLINK("http://evil","clic")',
        author=editor,
        category=office["category"],
        planned_at=at,
        base_text="+39 333: chiamaci",
    )
    post.variants.create(channel=office["telegram"], text="@tutti leggete")
    PostFactory(title="Annullato", author=editor, planned_at=at, status=PostStatus.CANCELLED)
    return day


def _export_url(day, fmt):
    return reverse("planning:export") + f"?da={day.isoformat()}&a={day.isoformat()}&formato={fmt}"


def test_csv_export_neutralises_formulas(editor_client, planned):
    response = editor_client.get(_export_url(planned, "csv"))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, row = rows[0], rows[1]
    assert len(rows) == 2  # the cancelled post is left out
    values = dict(zip(header, row, strict=True))
    assert values["titolo"] == '\'=HYPERLINK("http://evil","clic")'
    assert values["testo"] == "'+39 333: chiamaci"
    assert values["testo Telegram"] == "'@tutti leggete"
    assert values["canali"] == "Telegram"


def test_xlsx_export_holds_text_never_formulas(editor_client, planned):
    response = editor_client.get(_export_url(planned, "xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["titolo"].data_type == "s"
    assert row["titolo"].value.startswith("'=")


def test_xlsx_export_survives_control_characters(editor_client, planned, editor):
    post = PostFactory(author=editor, planned_at=Post.objects.first().planned_at)
    post.base_text = "Riga\x0buno\x1f"  # XML 1.0 forbids both (PostgreSQL refuses a NUL anyway)
    post.save()
    response = editor_client.get(_export_url(planned, "xlsx"))
    assert response.status_code == 200
    values = [c.value for row in load_workbook(io.BytesIO(response.content)).active for c in row]
    assert "Rigauno" in values


def test_the_export_can_be_imported_again(editor_client, planned):
    response = editor_client.get(_export_url(planned, "xlsx"))
    upload = importing.read_upload(name="piano.xlsx", content_type="", data=response.content)
    [row] = importing.check_rows(upload.rows)
    assert row.ok, row.errors
    # The apostrophe that kept the spreadsheet from running them is gone again.
    assert row.title == '=HYPERLINK("http://evil","clic")'
    assert row.base_text == "+39 333: chiamaci"


def test_the_printable_page_lists_the_period(editor_client, planned):
    response = editor_client.get(_export_url(planned, "stampa"))
    assert response.status_code == 200
    assert "css/print.css" in response.text
    assert "HYPERLINK" in response.text and "Annullato" not in response.text


def test_a_period_too_long_is_refused_with_a_message(editor_client):
    today = timezone.localdate()
    end = today + timedelta(days=exporting.MAX_EXPORT_DAYS + 5)
    url = reverse("planning:export") + f"?da={today.isoformat()}&a={end.isoformat()}&formato=csv"
    response = editor_client.get(url)
    assert response.status_code == 200
    assert "Esporta al massimo" in response.text


def test_the_calendar_link_opens_the_form_with_its_period(editor_client):
    response = editor_client.get(reverse("planning:export") + "?da=2027-03-01&a=2027-03-07")
    assert response.status_code == 200
    assert 'value="2027-03-01"' in response.text
    assert "errore" not in response.text.lower()


def test_neutralise():
    assert exporting.neutralise("=1+1") == "'=1+1"
    assert exporting.neutralise("-2") == "'-2"
    assert exporting.neutralise("\tx") == "'\tx"
    assert exporting.neutralise("Ciao") == "Ciao"
