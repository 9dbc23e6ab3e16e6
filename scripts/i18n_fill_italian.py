"""Fill the Italian catalogue: every msgstr becomes its msgid.

The source strings are Italian, so the Italian translation is the identity. Run it after
`manage.py makemessages`; it is idempotent:

    .venv/bin/python scripts/i18n_fill_italian.py [path/to/it/django.po]

It uses the GNU gettext tools that makemessages needs anyway (no po library dependency):
msgattrib drops fuzzy flags and previous msgids left by msgmerge, msgfilter empties every
msgstr (so a stale fuzzy guess is not kept), msgen copies msgid/msgid_plural into msgstr[...].
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_PO = Path(__file__).resolve().parent.parent / "locale" / "it" / "LC_MESSAGES" / "django.po"

HEADER_FIELDS = {
    "Project-Id-Version": "PA Planner",
    "Last-Translator": "PA Planner",
    "Language-Team": "Italiano",
    "Language": "it",
    "Plural-Forms": "nplurals=2; plural=(n != 1);",
}


def fix_header(text: str, fields: dict[str, str], title: str) -> str:
    """Set header fields and replace the template boilerplate comments; idempotent."""
    header_end = text.index("\n\n")
    header, body = text[:header_end], text[header_end:]
    for name, value in fields.items():
        header = re.sub(
            rf'^"{re.escape(name)}: .*\\n"$',
            lambda _m, n=name, v=value: f'"{n}: {v}\\n"',
            header,
            flags=re.MULTILINE,
        )
    pot_date = re.search(r'^"POT-Creation-Date: (.*)\\n"$', header, flags=re.MULTILINE)
    if pot_date:
        header = header.replace(
            '"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\\n"',
            f'"PO-Revision-Date: {pot_date.group(1)}\\n"',
        )
    lines = [line for line in header.split("\n") if not line.startswith("#")]
    return "\n".join([f"# {title}", *lines]) + body


def _run(*args: str) -> None:
    subprocess.run(args, check=True)


def fill_italian(po_path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        unfuzzied = str(Path(tmp) / "unfuzzied.po")
        emptied = str(Path(tmp) / "emptied.po")
        _run("msgattrib", "--clear-fuzzy", "--clear-previous", "-o", unfuzzied, str(po_path))
        _run("msgfilter", "--keep-header", "-i", unfuzzied, "-o", emptied, "sed", "-e", "d")
        _run("msgen", "-o", str(po_path), emptied)
    text = po_path.read_text(encoding="utf-8")
    po_path.write_text(
        fix_header(text, HEADER_FIELDS, "PA Planner: catalogo italiano (msgstr = msgid)."),
        encoding="utf-8",
    )
    _run("msgfmt", "--check", "-o", "/dev/null", str(po_path))


if __name__ == "__main__":
    fill_italian(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PO)
