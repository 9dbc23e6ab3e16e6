"""Importing a plan from a spreadsheet: read the upload, check each row, create the drafts.

Three plain steps, each linear in the file:

1. :func:`read_upload` turns the bytes of a CSV or XLSX file into rows of text (header → cell),
   refusing what it will not read (too big, too many rows, a macro-enabled workbook, an old
   ``.xls``) with a message for the person. Nothing is ever evaluated: a formula in a workbook
   is refused on its row, a CSV cell is text whatever it starts with.
2. :func:`check_rows` says what each row would become (a draft: date and time, channels,
   category, texts) and what is wrong with it, with the editor's own checks
   (``planning.checks``) on every channel's text.
3. :func:`import_rows` creates the drafts, all or none, in one transaction, audited.

The rows travel between the preview and the confirmation in an :class:`ImportBatch` owned by
the person who uploaded them, and are checked again on confirmation.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import load_workbook

from apps.audit.services import record
from apps.channels.models import Channel

from .checks import MAX_CHECKED_LENGTH, analyse_variant
from .models import NOTES_MAX_LENGTH, TEXT_MAX_LENGTH, ContentCategory, ImportBatch, Post
from .services import PostEditError, create_post

# Limits, stated on the upload page and enforced here.
MAX_IMPORT_BYTES = 2 * 1024 * 1024  # the file as uploaded
MAX_IMPORT_ROWS = 500  # rows of posts, the header excluded
MAX_COLUMNS = 40
# Lines read at most, empty ones included (a sheet can declare a row a million lines down).
MAX_LINES = 20_000
# An XLSX is a zip: what it unpacks to is bounded too (a small file may inflate enormously).
MAX_XLSX_UNPACKED_BYTES = 40 * 1024 * 1024
TITLE_MAX_LENGTH = Post._meta.get_field("title").max_length
# Batches left unconfirmed are deleted after this long.
BATCH_LIFETIME = timedelta(days=1)

# The columns (the header row, in Italian as in the template; case and spaces do not count).
DATE = "data"
TIME = "ora"
CHANNELS = "canali"
CATEGORY = "categoria"
TITLE = "titolo"
TEXT = "testo"
LINK = "link"
NOTES = "note"
CHANNEL_TEXT_PREFIX = "testo "  # "testo Facebook · Comune": the text for that channel
KNOWN_COLUMNS = (DATE, TIME, CHANNELS, CATEGORY, TITLE, TEXT, LINK, NOTES)
REQUIRED_COLUMNS = (DATE, TIME, CHANNELS, CATEGORY)
# Columns an export writes that an import reads past without a word.
EXPORT_ONLY_COLUMNS = ("stato", "autore")

CSV_DELIMITERS = ";,\t"
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam", ".xlsb")
MACRO_CONTENT_TYPES = (
    "application/vnd.ms-excel.sheet.macroenabled.12",
    "application/vnd.ms-excel.template.macroenabled.12",
    "application/vnd.ms-excel.addin.macroenabled.12",
    "application/vnd.ms-excel.sheet.binary.macroenabled.12",
)
# Cells a spreadsheet would read as a formula: an export writes them after an apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
TIME_RE = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)(?::[0-5]\d)?")
CHANNEL_SEPARATORS_RE = re.compile(r"[;,\n]")


class ImportRefused(Exception):
    """A file (or a confirmation) that cannot be imported; the message is for the person."""


@dataclass
class Upload:
    """What :func:`read_upload` read: the header, the rows (header → text) and notices."""

    headers: list[str]
    rows: list[dict[str, str]]
    notices: list[str] = field(default_factory=list)


@dataclass
class PreviewRow:
    """One row of the file as it would become a draft, and what stops it."""

    line: int  # the row's number in the spreadsheet (the header is row 1)
    title: str = ""
    planned_at: datetime | None = None
    category: ContentCategory | None = None
    channels: list[Channel] = field(default_factory=list)
    base_text: str = ""
    variant_texts: dict[int, str] = field(default_factory=dict)
    link: str = ""
    notes: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def text_for(self, channel: Channel) -> str:
        return self.variant_texts.get(channel.pk) or self.base_text

    @property
    def channel_texts(self) -> list[tuple[Channel, str]]:
        return [(channel, self.text_for(channel)) for channel in self.channels]


# --- Reading the file ---------------------------------------------------------------------


def read_upload(*, name: str, content_type: str, data: bytes) -> Upload:
    """The rows of a CSV or XLSX upload, or :class:`ImportRefused` saying why not."""
    lower = (name or "").lower()
    content_type = (content_type or "").split(";")[0].strip().lower()
    check_size(len(data))
    if not data:
        raise ImportRefused(_("Il file è vuoto."))
    if lower.endswith(MACRO_SUFFIXES) or content_type in MACRO_CONTENT_TYPES:
        raise ImportRefused(_macro_message())
    if lower.endswith(".xls"):
        raise ImportRefused(
            _(
                "Il formato .xls (Excel 97-2003) non è accettato: salva il foglio come .xlsx "
                "(«Cartella di lavoro di Excel») o come CSV."
            )
        )
    if lower.endswith(".xlsx"):
        return _read_xlsx(data)
    if lower.endswith((".csv", ".txt")):
        return _read_csv(data)
    raise ImportRefused(_("Carica un file CSV o XLSX (il modello si scarica da questa pagina)."))


def check_size(size: int) -> None:
    """Refuse a file over :data:`MAX_IMPORT_BYTES` (before reading it, when the size is known)."""
    if size > MAX_IMPORT_BYTES:
        raise ImportRefused(
            _("Il file è troppo grande: %(size)s, il massimo è %(max)s.")
            % {"size": _megabytes(size), "max": _megabytes(MAX_IMPORT_BYTES)}
        )


def _megabytes(size: int) -> str:
    return (_("%(n)s MB") % {"n": f"{size / 1024 / 1024:.1f}".replace(".", ",")}).replace(
        ",0 ", " "
    )


def _macro_message() -> str:
    return _(
        "Il file contiene macro (cartella di lavoro con macro, .xlsm): non viene aperto. "
        "Salvalo come «Cartella di lavoro di Excel» (.xlsx) o come CSV e caricalo di nuovo."
    )


def _too_many_rows() -> ImportRefused:
    return ImportRefused(
        _(
            "Il file ha più di %(max)s righe di post: dividilo in più file da al massimo "
            "%(max)s righe."
        )
        % {"max": MAX_IMPORT_ROWS}
    )


def _decode(data: bytes) -> tuple[str, list[str]]:
    """UTF-8 (with or without BOM); anything else is read as Windows-1252, Excel's encoding on
    Italian Windows, with a notice so the person checks the accented letters."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        notice = _(
            "Il file non è in UTF-8: è stato letto come Windows-1252 (la codifica di Excel). "
            "Controlla le lettere accentate nell'anteprima; se sono sbagliate, salva il file "
            "come «CSV UTF-8»."
        )
        return data.decode("cp1252", errors="replace"), [notice]


def _read_csv(data: bytes) -> Upload:
    text, notices = _decode(data)
    text = text.replace("\x00", "")
    # The header's most frequent separator (";" on a tie, Excel's in Italian). Counted, not
    # sniffed: csv.Sniffer's patterns backtrack on a long hostile line.
    header = text[: text.find("\n") if "\n" in text[:10_000] else 10_000]
    delimiter = max(CSV_DELIMITERS, key=lambda d: (header.count(d), d == ";"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = _Table()
    try:
        for line, raw in enumerate(reader, start=1):
            table.add(line, raw[:MAX_COLUMNS])
    except csv.Error as exc:
        raise ImportRefused(
            _("Il CSV non è leggibile alla riga %(line)s: controlla le virgolette.")
            % {"line": reader.line_num}
        ) from exc
    return _rows_from_table(table, notices)


class _Table:
    """The non-empty rows of a sheet with their line numbers, at most the header and
    :data:`MAX_IMPORT_ROWS` rows (empty rows, such as formatted ones, do not count)."""

    def __init__(self):
        self.rows: list[tuple[int, list]] = []
        self.formulas: set[tuple[int, int]] = set()  # (line, column)

    def add(self, line: int, values: list) -> None:
        if line > MAX_LINES:
            raise ImportRefused(
                _(
                    "Il foglio va oltre la riga %(max)s: cancella le righe vuote in fondo o "
                    "dividilo in più file."
                )
                % {"max": f"{MAX_LINES:,}".replace(",", ".")}
            )
        if not any(_cell_text(v) for v in values) and not any(
            (line, c) in self.formulas for c in range(len(values))
        ):
            return
        if len(self.rows) > MAX_IMPORT_ROWS:  # the header and MAX_IMPORT_ROWS rows are in
            raise _too_many_rows()
        self.rows.append((line, values))


def _read_xlsx(data: bytes) -> Upload:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportRefused(_("Il file non è un foglio XLSX valido.")) from exc
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ImportRefused(_macro_message())
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportRefused(_("Il foglio è troppo grande una volta aperto: dividilo in più file."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ImportRefused(_("Il file non è un foglio XLSX valido.")) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportRefused(_("Il file non ha fogli."))
        table = _Table()
        for line, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            row = []
            for column, cell in enumerate(cells):
                if getattr(cell, "data_type", None) == "f":
                    table.formulas.add((line, column))
                row.append(getattr(cell, "value", None))
            table.add(line, row)
    finally:
        workbook.close()
    notices = []
    if table.formulas:
        notices.append(
            _(
                "Il foglio contiene formule: non vengono calcolate. Le righe con una formula "
                "sono segnate: scrivi il valore al posto della formula."
            )
        )
    return _rows_from_table(table, notices)


def _normal_header(value) -> str:
    return " ".join(str(value or "").split()).lower()


def _rows_from_table(table: _Table, notices: list[str]) -> Upload:
    """Header + rows → :class:`Upload`; each row keeps its line in the file."""
    if not table.rows:
        raise ImportRefused(_("Il file non ha righe: usa il modello, con la riga delle colonne."))
    headers = [_normal_header(v) for v in table.rows[0][1]]
    # Columns of our own bookkeeping ("_line") cannot come from the file.
    headers = ["" if h.startswith("_") else h for h in headers]
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        raise ImportRefused(
            _(
                "Mancano le colonne: %(missing)s. La prima riga deve avere i nomi delle colonne "
                "del modello (data, ora, canali, categoria, titolo, testo…)."
            )
            % {"missing": ", ".join(missing)}
        )
    if TEXT not in headers and not any(h.startswith(CHANNEL_TEXT_PREFIX) for h in headers):
        raise ImportRefused(
            _("Manca la colonna «testo» (o una colonna «testo <canale>» per ogni canale).")
        )
    ignored = [
        h
        for h in headers
        if h
        and h not in KNOWN_COLUMNS
        and h not in EXPORT_ONLY_COLUMNS
        and not h.startswith(CHANNEL_TEXT_PREFIX)
    ]
    if ignored:
        notices.append(_("Colonne ignorate: %(names)s.") % {"names": ", ".join(ignored)})
    rows = []
    for line, values in table.rows[1:]:
        row: dict[str, str] = {"_line": str(line)}
        formula_columns = []
        for column, header in enumerate(headers):
            if not header or column >= len(values):
                continue
            row[header] = _cell_text(values[column], header)
            if (line, column) in table.formulas:
                formula_columns.append(header)
        if formula_columns:
            row["_formulas"] = ", ".join(formula_columns)
        rows.append(row)
    return Upload(headers=headers, rows=rows, notices=notices)


def _cell_text(value, header: str = "") -> str:
    """A cell as text: dates and times as the template writes them, whole numbers as such."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if header == TIME:
            return value.strftime("%H:%M")
        if header == DATE or value.time() == time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.startswith("'") and text[1:2] in FORMULA_STARTS:
        # Written so by an export (``exporting.neutralise``): the text is what follows.
        return text[1:]
    return text


# --- Checking the rows --------------------------------------------------------------------


def check_rows(rows: list[dict[str, str]], *, now: datetime | None = None) -> list[PreviewRow]:
    """Each row as the draft it would become, with what is wrong with it."""
    now = now or timezone.now()
    channels = {_key(c.name): c for c in Channel.objects.all()}
    categories: dict[str, ContentCategory] = {}
    for category in ContentCategory.objects.all():
        categories[_key(category.name)] = category
        categories[_key(category.slug)] = category
    return [_check_row(row, channels, categories, now) for row in rows]


def _key(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def _check_row(row: dict[str, str], channels, categories, now: datetime) -> PreviewRow:
    line = row.get("_line", "")
    preview = PreviewRow(line=int(line) if line.isascii() and line.isdigit() else 0)
    errors = preview.errors
    if row.get("_formulas"):
        errors.append(
            _("Formula nella colonna %(columns)s: scrivi il valore, le formule non si calcolano.")
            % {"columns": row["_formulas"]}
        )
    preview.planned_at = _planned_at(row.get(DATE, ""), row.get(TIME, ""), errors)
    if preview.planned_at is not None and preview.planned_at < now:
        errors.append(_("La data e l'ora sono nel passato."))
    category_name = row.get(CATEGORY, "")
    preview.category = categories.get(_key(category_name))
    if not category_name:
        errors.append(_("Manca la categoria."))
    elif preview.category is None:
        errors.append(_("Categoria sconosciuta: «%(name)s».") % {"name": category_name})
    elif not preview.category.active:
        errors.append(_("La categoria «%(name)s» non è in uso.") % {"name": category_name})
    preview.channels = _channels(row.get(CHANNELS, ""), channels, errors)
    preview.base_text = row.get(TEXT, "")
    preview.link = row.get(LINK, "")
    preview.notes = row.get(NOTES, "")
    link_limit = Post._meta.get_field("link").max_length
    if len(preview.link) > link_limit:
        errors.append(_("Link troppo lungo (massimo %(max)s caratteri).") % {"max": link_limit})
    elif preview.link:
        try:
            URLValidator(schemes=["http", "https"])(preview.link)
        except ValidationError:
            errors.append(_("Il link deve iniziare con https:// (o http://) ed essere completo."))
    if len(preview.notes) > NOTES_MAX_LENGTH:
        errors.append(
            _("Note troppo lunghe (massimo %(max)s caratteri).") % {"max": NOTES_MAX_LENGTH}
        )
    known = {_key(c.name): c for c in preview.channels}
    for header, value in row.items():
        if not header.startswith(CHANNEL_TEXT_PREFIX) or not value:
            continue
        name = header[len(CHANNEL_TEXT_PREFIX) :]
        channel = known.get(_key(name))
        if channel is not None:
            preview.variant_texts[channel.pk] = value
        elif _key(name) not in channels:
            errors.append(_("Colonna «%(column)s»: canale sconosciuto.") % {"column": header})
    if len(preview.base_text) > TEXT_MAX_LENGTH:
        errors.append(_("Testo oltre i %(max)s caratteri.") % {"max": TEXT_MAX_LENGTH})
    preview.title = row.get(TITLE, "") or _title_from(preview)
    if len(preview.title) > TITLE_MAX_LENGTH:
        errors.append(
            _("Titolo troppo lungo (massimo %(max)s caratteri).") % {"max": TITLE_MAX_LENGTH}
        )
    for channel in preview.channels:
        _check_text(preview, channel)
    return preview


def _planned_at(day_text: str, time_text: str, errors: list[str]) -> datetime | None:
    day = None
    day_text = day_text.strip()
    if not day_text:
        errors.append(_("Manca la data."))
    else:
        for pattern in DATE_FORMATS:
            try:
                day = datetime.strptime(day_text, pattern).date()
                break
            except ValueError:
                continue
        if day is None:
            errors.append(
                _("Data non valida: «%(value)s» (scrivi GG/MM/AAAA, es. 15/03/2027).")
                % {"value": day_text[:40]}
            )
    match = TIME_RE.fullmatch(time_text.strip())
    if not time_text.strip():
        errors.append(_("Manca l'ora."))
    elif match is None:
        errors.append(
            _("Ora non valida: «%(value)s» (scrivi HH:MM, es. 09:30).") % {"value": time_text[:40]}
        )
    if day is None or match is None:
        return None
    at = time(int(match.group(1)), int(match.group(2)))
    return timezone.make_aware(datetime.combine(day, at))


def _channels(text: str, channels: dict, errors: list[str]) -> list[Channel]:
    names = [n.strip() for n in CHANNEL_SEPARATORS_RE.split(text) if n.strip()]
    if not names:
        errors.append(_("Manca il canale: scrivi il nome di almeno un canale."))
        return []
    found: dict[int, Channel] = {}
    for name in names:
        channel = channels.get(_key(name))
        if channel is None:
            errors.append(_("Canale sconosciuto: «%(name)s».") % {"name": name[:100]})
        elif not channel.active:
            errors.append(_("Il canale «%(name)s» non è attivo.") % {"name": channel.name})
        else:
            found.setdefault(channel.pk, channel)
    return list(found.values())


def _title_from(preview: PreviewRow) -> str:
    text = preview.base_text or next(iter(preview.variant_texts.values()), "")
    words = " ".join(text.split())
    if len(words) > 60:
        words = words[:60].rsplit(" ", 1)[0] + "…"
    return words or _("Post importato")


# Findings that stop an import: the text itself cannot be saved. Other blocking findings (a
# public title or an image still to add) are for the editor, where the draft is finished.
IMPORT_BLOCKING = frozenset({"too_long", "empty", "too_long_to_check"})


def _check_text(preview: PreviewRow, channel: Channel) -> None:
    text = preview.text_for(channel)
    if len(text) > min(MAX_CHECKED_LENGTH, TEXT_MAX_LENGTH):
        preview.errors.append(
            _("%(channel)s: testo oltre i %(max)s caratteri.")
            % {"channel": channel.name, "max": MAX_CHECKED_LENGTH}
        )
        return
    report = analyse_variant(text, channel, link=preview.link)
    for finding in report.findings:
        message = f"{channel.name}: {finding.message}"
        if finding.code in IMPORT_BLOCKING:
            preview.errors.append(message)
        elif finding.blocking:
            preview.warnings.append(message)


def error_count(preview: list[PreviewRow]) -> int:
    return sum(1 for row in preview if not row.ok)


# --- The batch between preview and confirmation -------------------------------------------


def store_upload(upload: Upload, *, by, filename: str) -> ImportBatch:
    """Keep the parsed rows for the confirmation (owned by ``by``); old batches go."""
    ImportBatch.objects.filter(created_at__lt=timezone.now() - BATCH_LIFETIME).delete()
    return ImportBatch.objects.create(
        owner=by, filename=(filename or "")[:200], rows=upload.rows, notices=upload.notices
    )


def batch_for(user, key) -> ImportBatch | None:
    """The person's own batch ``key`` still waiting for confirmation, or None."""
    return (
        ImportBatch.objects.filter(
            key=key,
            owner=user,
            created_at__gte=timezone.now() - BATCH_LIFETIME,
        )
        .select_related("owner")
        .first()
    )


def import_rows(batch: ImportBatch, *, by) -> list[Post]:
    """The drafts of every row of ``batch``, all or none, in one transaction and audited.

    The rows are checked again (a channel may have been switched off since the preview); a
    batch already imported (a second click) imports nothing."""
    if batch.owner_id != by.pk:
        raise ImportRefused(_("Questa importazione non è tua."))
    with transaction.atomic():
        claimed = ImportBatch.objects.filter(pk=batch.pk, imported_at__isnull=True).update(
            imported_at=timezone.now()
        )
        if claimed != 1:
            raise ImportRefused(_("Questo file è già stato importato."))
        preview = check_rows(batch.rows)
        wrong = error_count(preview)
        if wrong:
            raise ImportRefused(
                ngettext(
                    "%(n)s riga ha errori: correggi il file e caricalo di nuovo.",
                    "%(n)s righe hanno errori: correggi il file e caricalo di nuovo.",
                    wrong,
                )
                % {"n": wrong}
            )
        if not preview:
            raise ImportRefused(_("Il file non ha righe di post."))
        posts = []
        try:
            for row in preview:
                posts.append(
                    create_post(
                        author=by,
                        title=row.title,
                        category=row.category,
                        planned_at=row.planned_at,
                        channels=row.channels,
                        base_text=row.base_text,
                        link=row.link,
                        notes=row.notes,
                        variant_texts=row.variant_texts,
                    )
                )
        except PostEditError as exc:
            raise ImportRefused(str(exc)) from exc
        record(
            action="plan.imported",
            actor=by,
            obj=batch,
            summary=lambda: (
                ngettext(
                    "%(n)s bozza importata da «%(file)s»",
                    "%(n)s bozze importate da «%(file)s»",
                    len(posts),
                )
                % {"n": len(posts), "file": batch.filename}
            ),
            after={"posts": [p.pk for p in posts], "file": batch.filename},
        )
    return posts
