"""Exporting the calendar of a period: CSV, XLSX and the rows of the printable page.

The columns are the import template's (``planning.importing``) plus the state and the author,
so an exported plan can be edited and imported again as new drafts. Every cell a spreadsheet
would read as a formula (it starts with = + - @, or a tab or carriage return) is written with
a leading apostrophe: a text typed in the editor never runs in someone's Excel.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from . import importing
from .enums import PostStatus
from .models import Post, Variant

# The longest period one export covers, and the most posts it lists.
MAX_EXPORT_DAYS = 93
MAX_EXPORT_POSTS = 5_000
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportRefused(Exception):
    """A period that cannot be exported; the message is for the person."""


def neutralise(value: str) -> str:
    """A cell that no spreadsheet will run as a formula (OWASP's CSV injection advice)."""
    value = "" if value is None else str(value)
    if value.startswith(DANGEROUS_STARTS):
        return "'" + value
    return value


@dataclass
class ExportPost:
    post: Post
    local: datetime
    channels: list  # Channel objects, by name
    texts: dict  # channel id -> the variant's text


@dataclass
class Export:
    start: date
    end: date  # inclusive
    posts: list[ExportPost]
    channels: list  # every channel that appears, by name

    @property
    def headers(self) -> list[str]:
        return [
            importing.DATE,
            importing.TIME,
            importing.TITLE,
            importing.CATEGORY,
            importing.CHANNELS,
            "stato",
            "autore",
            importing.LINK,
            importing.NOTES,
            importing.TEXT,
            *[importing.CHANNEL_TEXT_PREFIX + c.name for c in self.channels],
        ]

    def rows(self):
        for item in self.posts:
            post = item.post
            yield [
                item.local.strftime("%d/%m/%Y"),
                item.local.strftime("%H:%M"),
                post.title,
                post.category.name,
                "; ".join(c.name for c in item.channels),
                str(post.get_status_display()),
                post.author.get_full_name() or post.author.get_username(),
                post.link,
                post.notes,
                post.base_text,
                *[item.texts.get(c.pk, "") for c in self.channels],
            ]


def check_period(start: date, end: date) -> None:
    if end < start:
        raise ExportRefused(_("La data di fine viene prima di quella di inizio."))
    if (end - start).days + 1 > MAX_EXPORT_DAYS:
        raise ExportRefused(
            _("Esporta al massimo %(days)s giorni alla volta.") % {"days": MAX_EXPORT_DAYS}
        )


def build_export(*, start: date, end: date) -> Export:
    """The posts planned from ``start`` to ``end`` (both included), cancelled ones left out."""
    check_period(start, end)
    zone = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    posts = list(
        Post.objects.filter(planned_at__gte=since, planned_at__lt=until)
        .exclude(status=PostStatus.CANCELLED)
        .select_related("category", "author")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.select_related("channel")))
        .order_by("planned_at", "pk")[: MAX_EXPORT_POSTS + 1]
    )
    if len(posts) > MAX_EXPORT_POSTS:
        raise ExportRefused(
            _("Il periodo ha più di %(max)s post: scegli un periodo più breve.")
            % {"max": MAX_EXPORT_POSTS}
        )
    channels: dict[int, object] = {}
    items = []
    for post in posts:
        variants = sorted(post.variants.all(), key=lambda v: v.channel.name)
        for variant in variants:
            channels.setdefault(variant.channel_id, variant.channel)
        items.append(
            ExportPost(
                post=post,
                local=timezone.localtime(post.planned_at),
                channels=[v.channel for v in variants],
                texts={v.channel_id: v.text for v in variants if v.text != post.base_text},
            )
        )
    ordered = sorted(channels.values(), key=lambda c: c.name)
    return Export(start=start, end=end, posts=items, channels=ordered)


def as_csv(export: Export) -> bytes:
    """UTF-8 with a BOM and ";" between cells: what Excel in Italian opens as it is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(export.headers)
    for row in export.rows():
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(export: Export) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Piano"))
    bold = Font(bold=True)
    header = []
    for name in export.headers:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in export.rows():
        sheet.append([_text_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, value: str):
    """A cell stored as text, never as a formula (openpyxl reads "=…" as one otherwise);
    control characters that XML cannot hold (a pasted vertical tab, say) are left out."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", neutralise(value)))
    cell.data_type = "s"
    return cell


# --- The import template -------------------------------------------------------------------


def template_rows(
    channel_names: list[str], category_names: list[str]
) -> tuple[list[str], list[list[str]]]:
    """The header and two example rows of the import template, in Italian, with the office's
    own channels and categories (so the examples import as they are)."""
    channels = channel_names or [_("Nome del canale")]
    categories = category_names or [_("Informativo")]
    headers = [
        importing.DATE,
        importing.TIME,
        importing.CHANNELS,
        importing.CATEGORY,
        importing.TITLE,
        importing.TEXT,
        importing.LINK,
        importing.NOTES,
        importing.CHANNEL_TEXT_PREFIX + channels[0],
    ]
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    examples = [
        [
            monday.strftime("%d/%m/%Y"),
            "09:30",
            "; ".join(channels[:2]),
            categories[0],
            _("Chiusura anagrafe"),
            _("Lunedì l'ufficio anagrafe resta chiuso per aggiornamento dei sistemi."),
            "https://www.comune.example.it/anagrafe",
            _("Nomi dei canali come in PA Planner, separati da punto e virgola."),
            "",
        ],
        [
            (monday + timedelta(days=2)).strftime("%d/%m/%Y"),
            "12:00",
            channels[0],
            categories[-1],
            _("Rinnovo carta d'identità"),
            _("La carta d'identità si rinnova su appuntamento."),
            "",
            _("Una colonna «testo <canale>» dà a quel canale un testo suo."),
            _("Su questo canale: carta d'identità su appuntamento, anche il sabato."),
        ],
    ]
    return headers, examples


def template_csv(channel_names: list[str], category_names: list[str]) -> bytes:
    headers, examples = template_rows(channel_names, category_names)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([[neutralise(c) for c in row] for row in examples])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(channel_names: list[str], category_names: list[str]) -> bytes:
    headers, examples = template_rows(channel_names, category_names)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Piano"))
    bold = Font(bold=True)
    row = []
    for name in headers:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        row.append(cell)
    sheet.append(row)
    for example in examples:
        sheet.append([_text_cell(sheet, value) for value in example])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
