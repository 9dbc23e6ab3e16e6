"""Benchmark of the editor checks on hostile text.

    .venv/bin/python bench/bench_checks.py [--chars 8000] [--rounds 7]

For a few adversarial texts (runs of punctuation, hashtag marks, emoji, capitals) it prints
the median time of one full check (a variant for X plus the base text) next to the baseline:
an ordinary Italian text of the same length measured in the same run. Linear checks keep every
ratio near 1×. Not a test; the figures are indicative of this machine.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pa_planner.settings")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from apps.planning.checks import analyse_base_text, analyse_variant  # noqa: E402

CHANNEL = SimpleNamespace(
    kind="x",
    char_limit=280,
    max_hashtags=2,
    emoji_allowed=False,
    gulpease_target=60,
    link_expected=True,
)
TEXTS = {
    "ordinary (baseline)": "Lunedì 3 marzo l'ufficio anagrafe resta chiuso per lavori. ",
    "run of full stops": ".",
    "nested punctuation": ".!?…;:",
    "hashtag marks": "#",
    "emoji": "a😀😀",
    "capitals": "AB-",
}


def _text(unit: str, chars: int) -> str:
    return "Avviso " + (unit * (chars // len(unit) + 1))[:chars] + "fine"


def _median(text: str, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        analyse_variant(text, CHANNEL)
        analyse_base_text(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chars", type=int, default=8000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    baseline = None
    print(f"{'text':<24} {'ms':>10} {'× baseline':>11}   ({args.chars} characters)")
    for name, unit in TEXTS.items():
        seconds = _median(_text(unit, args.chars), args.rounds)
        baseline = baseline or seconds
        print(f"{name:<24} {seconds * 1000:>10.2f} {seconds / baseline:>10.1f}×")


if __name__ == "__main__":
    main()
