"""CSV export of audit entries, streamed, safe to open in a spreadsheet."""

import csv
import json
import unicodedata
from collections.abc import Iterable, Iterator

from django.utils import timezone

from .models import AuditEntry

HEADER = [
    "quando",
    "chi",
    "azione",
    "tipo oggetto",
    "id oggetto",
    "oggetto",
    "post",
    "descrizione",
    "prima",
    "dopo",
    "tramite",
]
# A cell starting with one of these is read as a formula by spreadsheet programs, also after
# any run of spaces (a space, a non-breaking space, a line feed, a tab…) or invisible characters,
# which spreadsheet programs skip when they parse a cell.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_SIGNS = ("=", "+", "-", "@")


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _skipped_by_spreadsheets(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    start = 0
    while start < len(text) and _skipped_by_spreadsheets(text[start]):
        start += 1
    if text.startswith(FORMULA_PREFIXES) or text.startswith(FORMULA_SIGNS, start):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def _row(entry: AuditEntry) -> list[str]:
    actor = entry.actor.get_username() if entry.actor else ""
    return [
        safe_cell(value)
        for value in (
            timezone.localtime(entry.at).isoformat(timespec="seconds"),
            actor,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.object_repr,
            entry.post_id or "",
            entry.summary,
            _json(entry.before),
            _json(entry.after),
            entry.via,
        )
    ]


# Italian spreadsheet programs (Excel with Italian regional settings) split cells on ";",
# since "," is the decimal separator there; "," stays available for other tools.
DELIMITERS = {"punto-e-virgola": ";", "virgola": ","}
DEFAULT_DELIMITER = ";"


def rows(entries: Iterable[AuditEntry], *, delimiter: str = DEFAULT_DELIMITER) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
    yield writer.writerow(HEADER)
    for entry in entries:
        yield writer.writerow(_row(entry))
