"""Translations: Italian by default, English through the language switcher, catalogues complete.

The source strings are Italian; locale/it is the identity catalogue (scripts/i18n_fill_italian.py)
and locale/en must translate every entry, so a new string can't reach English users untranslated.
"""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ("it", "en")


def _po_path(language):
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def _unquote(line):
    body = line[line.index('"') + 1 : line.rindex('"')]
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), body)


def _parse_po(path):
    """Entries of a .po file as dicts: flags, msgctxt, msgid, msgid_plural, msgstr {index: text}.

    Deliberately small: blocks separated by blank lines, obsolete (#~) entries skipped,
    continuation lines appended to the last keyword. The header (msgid "") is left out.
    """
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry = {"flags": set(), "msgctxt": None, "msgid": None, "msgid_plural": None}
        entry["msgstr"] = {}
        key = None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#~"):
                entry["msgid"] = None
                break
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"'):
                if isinstance(key, int):
                    entry["msgstr"][key] += _unquote(line)
                else:
                    entry[key] += _unquote(line)
            else:
                keyword = line.split(None, 1)[0]
                plural_index = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if plural_index:
                    key = int(plural_index.group(1))
                    entry["msgstr"][key] = _unquote(line)
                elif keyword == "msgstr":
                    key = 0
                    entry["msgstr"][0] = _unquote(line)
                else:
                    key = keyword
                    entry[key] = _unquote(line)
        if entry["msgid"]:
            entries.append(entry)
    return entries


def _untranslated(entries):
    return [
        entry["msgid"]
        for entry in entries
        if "fuzzy" in entry["flags"]
        or not entry["msgstr"]
        or any(text == "" for text in entry["msgstr"].values())
    ]


def _placeholders(text):
    return sorted(re.findall(r"%\(\w+\)[sdif]|%[sdif]", text))


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """LocaleMiddleware activates the request's language on the thread: don't leak English."""
    yield
    translation.deactivate()


def test_the_parser_sees_every_entry_of_the_english_catalogue():
    text = _po_path("en").read_text(encoding="utf-8")
    live_msgids = len(re.findall(r'^msgid "', text, flags=re.MULTILINE)) - 1  # minus the header
    entries = _parse_po(_po_path("en"))
    assert len(entries) == live_msgids
    assert len(entries) > 100


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po_file(language):
    """The committed .mo was compiled after the last edit of the .po (compilemessages)."""
    mo_path = _po_path(language).with_suffix(".mo")
    assert mo_path.exists(), f"run: manage.py compilemessages ({mo_path} missing)"
    with mo_path.open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    stale = []
    for entry in _parse_po(_po_path(language)):
        if "fuzzy" in entry["flags"]:
            continue
        msgid = entry["msgid"]
        if entry["msgctxt"] is not None:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if entry["msgid_plural"] is None:
            found = compiled.gettext(msgid)
            expected = entry["msgstr"][0]
        else:
            found = [compiled.ngettext(msgid, entry["msgid_plural"], n) for n in (1, 2)]
            expected = [entry["msgstr"][0], entry["msgstr"][1]]
        if expected and found != expected:
            stale.append(entry["msgid"])
    assert stale == [], "run: manage.py compilemessages"


def test_every_english_entry_is_translated_and_not_fuzzy():
    assert _untranslated(_parse_po(_po_path("en"))) == []


def test_english_translations_keep_the_placeholders_of_the_source():
    """A lost or renamed %(name)s raises KeyError at render time, or hides a value."""
    mismatched = []
    for entry in _parse_po(_po_path("en")):
        translations = entry["msgstr"]
        if entry["msgid_plural"] is None:
            if _placeholders(translations[0]) != _placeholders(entry["msgid"]):
                mismatched.append(entry["msgid"])
            continue
        plural_placeholders = _placeholders(entry["msgid_plural"])
        # the singular may spell the number out ("one minute"), so it may drop one
        if not set(_placeholders(translations[0])) <= set(plural_placeholders):
            mismatched.append(entry["msgid"])
        if _placeholders(translations[1]) != plural_placeholders:
            mismatched.append(entry["msgid_plural"])
    assert mismatched == []


def test_the_italian_catalogue_is_the_identity_of_the_sources():
    entries = _parse_po(_po_path("it"))
    assert _untranslated(entries) == []
    wrong = [
        entry["msgid"]
        for entry in entries
        if entry["msgstr"][0] != entry["msgid"]
        or (entry["msgid_plural"] is not None and entry["msgstr"][1] != entry["msgid_plural"])
    ]
    assert wrong == []


@pytest.mark.django_db
def test_the_interface_is_italian_by_default(client):
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="it">' in page
    assert "Accedi a PA Planner" in page
    assert "Nome utente" in page


@pytest.mark.django_db
def test_choosing_english_in_the_language_switcher_translates_the_interface(client):
    login_url = reverse("login")
    response = client.post(reverse("set_language"), {"language": "en", "next": login_url})
    assert response.status_code == 302
    assert response.url == login_url

    page = client.get(login_url).content.decode()
    assert '<html lang="en">' in page
    assert "Log in to PA Planner" in page
    assert "Username" in page
    assert "Skip to main content" in page
    assert "Accedi a PA Planner" not in page


@pytest.mark.django_db
def test_switching_back_to_italian_restores_the_italian_interface(client):
    login_url = reverse("login")
    client.post(reverse("set_language"), {"language": "en", "next": login_url})
    client.post(reverse("set_language"), {"language": "it", "next": login_url})
    page = client.get(login_url).content.decode()
    assert '<html lang="it">' in page
    assert "Accedi a PA Planner" in page


@pytest.mark.django_db
def test_the_language_switcher_marks_the_current_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    page = client.get(reverse("login")).content.decode()
    assert re.search(r'<option value="en" lang="en"\s+selected>', page)
    assert "Change" in page


def test_lazy_model_strings_follow_the_active_language():
    from apps.planning.enums import PostStatus

    with translation.override("en"):
        assert str(PostStatus.DRAFT.label) == "Draft"
    with translation.override("it"):
        assert str(PostStatus.DRAFT.label) == "Bozza"
