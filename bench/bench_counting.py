"""How much the networks' own counting costs next to ``len()``, on the same texts, same run.

    .venv/bin/python bench/bench_counting.py [--rounds 200]

Counts, per text (a 280-character Italian post, the same with emoji and a link, a 50,000
character hostile text of emoji sequences), the median time of: Mastodon's count (links weigh
23; the count every page used before, the baseline), X's weighted count (twitter-text rules:
NFC, links 23, emoji and CJK 2) and Bluesky's graphemes. Not a test; the figures are
indicative of this machine.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pa_planner.settings")
os.environ.setdefault("PA_PLANNER_VAR_DIR", tempfile.mkdtemp(prefix="pa-bench-"))
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("AXES_ENABLED", "0")

import django  # noqa: E402

django.setup()

from apps.planning.checks import count_characters  # noqa: E402

POST = (
    "Lunedì 8 dicembre il ponte di via Roma riapre alle 6. Dalle 8 alle 18 resta il senso "
    "unico alternato per gli ultimi lavori sul marciapiede. Chi va in centro a piedi passa dal "
    "lato nord. Informazioni all'Ufficio tecnico, dal lunedì al venerdì, 9-12. #ViaRoma "
)[:280]
TEXTS = {
    "post, 280 chars": POST,
    "post with emoji and a link": POST[:200] + " 🚧👷🏽‍♀️🇮🇹 https://www.comune.esempio.it/ponte",
    "hostile, 50,000 chars": ("👩\u200d👩\u200d👧 #a http://x.it è" * 2500)[:50_000],
}
COUNTS = {
    "mastodon (baseline)": lambda text: count_characters(text, "mastodon"),
    "x weighted": lambda text: count_characters(text, "x"),
    "bluesky graphemes": lambda text: count_characters(text, "bluesky"),
}


def median_seconds(function, text: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    for label, text in TEXTS.items():
        print(f"\n{label} ({len(text)} code points)")
        times = {
            name: median_seconds(function, text, rounds if len(text) < 1000 else 20)
            for name, function in COUNTS.items()
        }
        base = times["mastodon (baseline)"]
        for name, seconds in times.items():
            print(f"  {name:<20} {seconds * 1e6:10.1f} µs  {seconds / base:6.1f}× baseline")


if __name__ == "__main__":
    main()
