"""Benchmark of reading and checking a plan to import, next to reading the same file bare.

    .venv/bin/python bench/bench_import.py [--rows 500] [--rounds 5]

Creates a throwaway test database (SQLite by default) with three channels and a category, builds
a CSV and an XLSX of ``--rows`` posts (the most an import accepts), then times, in the same run:

- ``bare csv`` / ``bare xlsx``: ``csv.reader`` over the decoded text, and openpyxl's read-only
  iteration over the workbook, doing nothing with the cells (the floor);
- ``read``: ``importing.read_upload`` (decoding, limits, header, cells to text);
- ``read+check``: the preview's work (``check_rows``: every row with the editor's checks on
  each of its channels);
- ``refuse 10k``: a 10,000-row CSV refused for its rows (it must stop early, not read all);
- ``import``: ``import_rows``, the drafts created in one transaction (CSV only, one round).

Prints the median wall time of ``--rounds`` runs and the ratio to the bare read. Not a test;
the figures are indicative of this machine.
"""

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pa_planner.settings")
os.environ.setdefault("PA_PLANNER_VAR_DIR", tempfile.mkdtemp(prefix="pa-bench-"))
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("AXES_ENABLED", "0")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from apps.channels.enums import ChannelKind  # noqa: E402
from apps.channels.models import Channel  # noqa: E402
from apps.planning import importing  # noqa: E402
from apps.planning.models import ContentCategory, ImportBatch, Post  # noqa: E402

HEADER = ["data", "ora", "canali", "categoria", "titolo", "testo", "testo X"]
TEXT = (
    "Lunedì 3 marzo l'ufficio anagrafe resta chiuso per l'aggiornamento dei sistemi. "
    "Per le urgenze scrivi a anagrafe@comune.esempio.it o chiama lo 0123 456789. "
    "#Anagrafe #ComuneInforma https://www.comune.esempio.it/anagrafe"
)


def _rows(count: int) -> list[list[str]]:
    start = timezone.localdate() + timedelta(days=2)
    return [
        [
            (start + timedelta(days=n // 8)).strftime("%d/%m/%Y"),
            f"{8 + n % 8:02d}:30",
            "Facebook; Telegram; X",
            "Informativo bench",
            f"Post {n}",
            TEXT,
            TEXT[:200],
        ]
        for n in range(count)
    ]


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _median(fn, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        began = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=importing.MAX_IMPORT_ROWS)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    for name, kind in (("Facebook", ChannelKind.FACEBOOK), ("Telegram", ChannelKind.TELEGRAM)):
        Channel.objects.create(name=name, kind=kind)
    Channel.objects.create(name="X", kind=ChannelKind.X)
    ContentCategory.objects.create(name="Informativo bench", slug="informativo-bench")
    person = User.objects.create(username="bench")

    rows = _rows(args.rows)
    csv_data, xlsx_data = _csv(rows), _xlsx(rows)
    # Short rows, so that the file is under the size limit and refused for its rows.
    big = _csv([row[:5] + ["Testo breve.", ""] for row in _rows(10_000)])
    assert len(big) < importing.MAX_IMPORT_BYTES

    def bare_csv():
        for _row in csv.reader(io.StringIO(csv_data.decode("utf-8")), delimiter=";"):
            pass

    def bare_xlsx():
        workbook = load_workbook(io.BytesIO(xlsx_data), read_only=True)
        for _row in workbook.worksheets[0].iter_rows(values_only=True):
            pass
        workbook.close()

    def read(name, data):
        return lambda: importing.read_upload(name=name, content_type="", data=data)

    def read_check(name, data):
        return lambda: importing.check_rows(read(name, data)().rows)

    def refuse_big():
        try:
            importing.read_upload(name="piano.csv", content_type="", data=big)
        except importing.ImportRefused:
            return
        raise AssertionError("10,000 rows were accepted")

    print(
        f"Database: {connection.vendor}; {args.rows} rows of 3 channels; "
        f"CSV {len(csv_data) // 1024} KB, XLSX {len(xlsx_data) // 1024} KB; "
        f"median of {args.rounds} rounds."
    )
    print(f"{'what':<18} {'ms':>9} {'× bare':>8}")
    for label, bare, name, data in (
        ("csv", bare_csv, "piano.csv", csv_data),
        ("xlsx", bare_xlsx, "piano.xlsx", xlsx_data),
    ):
        baseline = _median(bare, args.rounds)
        print(f"{'bare ' + label:<18} {baseline * 1000:>9.1f} {1:>7.1f}×")
        for what, fn in (("read", read(name, data)), ("read+check", read_check(name, data))):
            seconds = _median(fn, args.rounds)
            print(f"{what + ' ' + label:<18} {seconds * 1000:>9.1f} {seconds / baseline:>7.1f}×")
        if label == "csv":
            seconds = _median(refuse_big, args.rounds)
            print(f"{'refuse 10k csv':<18} {seconds * 1000:>9.1f} {seconds / baseline:>7.1f}×")
    upload = importing.read_upload(name="piano.csv", content_type="", data=csv_data)
    batch = ImportBatch.objects.create(owner=person, rows=upload.rows, filename="piano.csv")
    began = time.perf_counter()
    importing.import_rows(batch, by=person)
    seconds = time.perf_counter() - began
    print(f"{'import csv':<18} {seconds * 1000:>9.1f}   ({Post.objects.count()} drafts, one round)")


if __name__ == "__main__":
    main()
