"""Independent iCalendar readers for the feed tests: ical.js (Mozilla's, in Thunderbird; run
with Node) and vobject (Python). Each answers in the same shape: the calendar's text
properties and, per event, its text properties and its occurrences as UTC instants.

ical.js is installed from ``tests/events/ical_js/package-lock.json`` by ``npm ci`` on first
use (``node_modules`` is not in git); without Node or npm the tests fail, saying so.
"""

import json
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import vobject

ICAL_JS = Path(__file__).with_name("ical_js")
UNTIL = datetime(2031, 1, 1)


def install_ical_js() -> None:
    """``npm ci`` once per lock file: the stamp names the lock it installed."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise RuntimeError(
                f"The feed tests read the feeds with ical.js and need Node.js: '{tool}' is "
                "not on PATH (install Node 20 and npm)."
            )
    lock = (ICAL_JS / "package-lock.json").read_bytes()
    stamp = ICAL_JS / "node_modules" / ".installed-lock"
    if stamp.exists() and stamp.read_bytes() == lock:
        return
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefix", str(ICAL_JS)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"npm ci for ical.js failed:\n{result.stdout}\n{result.stderr}")
    stamp.write_bytes(lock)


def _instant(value: str) -> datetime | date:
    if len(value) == 8:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    if "-" in value and "T" not in value:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def read_with_ical_js(body: bytes, until: datetime = UNTIL) -> dict:
    result = subprocess.run(
        ["node", str(ICAL_JS / "expand.mjs"), until.strftime("%Y-%m-%dT%H:%M:%S")],
        input=body,
        capture_output=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise AssertionError(f"ical.js could not read the body:\n{result.stderr.decode()}")
    data = json.loads(result.stdout)
    for event in data["events"]:
        event["occurrences"] = [
            (_instant(start), _instant(end)) for start, end in event["occurrences"]
        ]
    return data


def _utc(value):
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def read_with_vobject(body: bytes, until: datetime = UNTIL) -> dict:
    calendar = vobject.readOne(body.decode())

    def text(component, name):
        child = component.contents.get(name)
        return str(child[0].value) if child else None

    data = {
        "calendar": {
            name: text(calendar, name)
            for name in ("name", "x-wr-calname", "x-wr-caldesc", "description")
        },
        "events": [],
    }
    for vevent in calendar.contents.get("vevent", []):
        start = vevent.dtstart.value
        length = vevent.dtend.value - start
        if isinstance(start, datetime):
            length = _utc(vevent.dtend.value) - _utc(start)
        occurrences = []
        for begins in vevent.getrruleset(addRDate=True) or [start]:
            bound = until.replace(tzinfo=UTC) if isinstance(begins, datetime) else until.date()
            if isinstance(begins, datetime) and begins.tzinfo is None:
                bound = until
            if begins >= bound:
                break
            occurrences.append((_utc(begins), _utc(begins) + length))
        event = {"occurrences": occurrences}
        for name in ("uid", "summary", "description", "location", "url", "status", "image"):
            event[name] = text(vevent, name)
        event["categories"] = [
            c for child in vevent.contents.get("categories", []) for c in child.value
        ]
        data["events"].append(event)
    return data


READERS = {"ical.js": read_with_ical_js, "vobject": read_with_vobject}
