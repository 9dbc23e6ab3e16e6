"""The editor's checks take time proportional to the text, whatever the text is.

A hostile text of 8,000 characters used to take seconds to check (a pattern that backtracked
over every run of punctuation from each of its characters), and once such a post was in the
review queue every approver's page timed out. The checks must stay linear on adversarial
strings: repeated hashtag marks, emoji sequences, nested punctuation, walls of capitals.

No absolute time limits (the machine is shared and loaded): each case compares the time at
n and at 4n characters, best of several rounds, measured again when noise crosses the bound.
Linear work grows 4×, quadratic work 16×; the bound of 8× leaves room for noise either side.
"""

import time
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.channels.enums import ChannelKind
from apps.planning.checks import analyse_base_text, analyse_variant, count_characters
from apps.publishing.adapters.bluesky import facets

N = 1_500
GROWTH = 4
LINEAR_BOUND = 8.0  # linear ≈ 4, quadratic ≈ 16

CHANNEL = SimpleNamespace(
    kind=ChannelKind.X,
    char_limit=280,
    max_hashtags=2,
    emoji_allowed=False,
    gulpease_target=60,
    link_expected=True,
    get_kind_display=lambda: "X",
)


def _check(text: str) -> None:
    analyse_variant(text, CHANNEL, link="")
    analyse_base_text(text)


def _seconds_per_check(text: str) -> float:
    """One round: the check repeated until 10 ms have passed, per call."""
    calls, start = 0, time.perf_counter()
    while True:
        _check(text)
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= 0.010:
            return elapsed / calls


def _text(unit: str, length: int) -> str:
    # Words around the hostile run, so that every check (readability included) reads it; the
    # word glued to its end is what made a backtracking pattern retry the run from each char.
    body = unit * (length // len(unit) + 1)
    return "Avviso " + body[:length] + "fine"


def _growth(unit: str, rounds: int = 5, attempts: int = 3) -> float:
    """Time at 4n over time at n, best rounds of each, the sizes measured in turn so that both
    see the same load. A noisy reading above the bound is measured again: quadratic work stays
    above it on every attempt, noise does not."""
    small_text, large_text = _text(unit, N), _text(unit, N * GROWTH)
    readings = []
    for _ in range(attempts):
        small = large = float("inf")
        for _ in range(rounds):
            small = min(small, _seconds_per_check(small_text))
            large = min(large, _seconds_per_check(large_text))
        readings.append(large / small)
        if readings[-1] <= LINEAR_BOUND:
            break
    return min(readings)


ADVERSARIAL = {
    "run of full stops": ".",
    "nested punctuation": ".!?…;:",
    "punctuation and brackets": "!?)(!?",
    "repeated hashtag marks": "#",
    "hashtag marks and digits": "#1",
    "hashtag marks and underscores": "#_",
    "emoji sequence": "😀",
    "letters between emoji": "a😀😀",
    "emoji joined in sequences": "👩\u200d👩\u200d👧",
    "capitals and dashes": "AB-",
    "capitals and spaces": "AA ",
    "capitals with a lower-case tail": "AAA BBB CCCd ",
    "link prefixes": "http://",
    "blank lines": "\n \n",
    "line feed and spaces": "\n" + " " * 50 + "x",
}


def test_every_adversarial_text_is_checked_in_linear_time():
    growth = {name: _growth(unit) for name, unit in ADVERSARIAL.items()}
    slow = {name: round(g, 1) for name, g in growth.items() if g > LINEAR_BOUND}
    assert not slow, f"time at 4n / time at n above {LINEAR_BOUND}: {slow}"


def test_a_hostile_text_costs_about_as_much_as_an_ordinary_one_of_the_same_length():
    ordinary_text = _text("Lunedì 3 marzo l'ufficio anagrafe resta chiuso per lavori. ", N * GROWTH)
    ordinary = min(_seconds_per_check(ordinary_text) for _ in range(5))
    hostile = min(_seconds_per_check(_text(".!?…;:", N * GROWTH)) for _ in range(5))
    assert hostile < 10 * ordinary


HOSTILE_CHARACTERS = st.sampled_from(
    list(".!?…;:#&_-, \n\t\u00a0'\"()1Aaß😀\u200d") + ["http://", "www.", "TARI", "👩\u200d👧"]
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(unit=st.lists(HOSTILE_CHARACTERS, min_size=1, max_size=4).map("".join))
def test_checks_grow_linearly_on_any_repeated_hostile_pattern(unit):
    growth = _growth(unit)
    assert growth <= LINEAR_BOUND, f"{unit!r}: time at 4n / time at n is {growth:.1f}"


def _growth_of(function, unit: str, rounds: int = 5, attempts: int = 3) -> float:
    """As :func:`_growth`, for another function of the text."""

    def per_call(text: str) -> float:
        calls, start = 0, time.perf_counter()
        while True:
            function(text)
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= 0.010:
                return elapsed / calls

    small_text, large_text = _text(unit, N), _text(unit, N * GROWTH)
    readings = []
    for _ in range(attempts):
        small = min(per_call(small_text) for _ in range(rounds))
        large = min(per_call(large_text) for _ in range(rounds))
        readings.append(large / small)
        if readings[-1] <= LINEAR_BOUND:
            break
    return min(readings)


def _bluesky(text: str) -> None:
    count_characters(text, ChannelKind.BLUESKY)  # graphemes
    facets(text, resolve=lambda handle: None)  # links, mentions, hashtags in UTF-8 bytes


BLUESKY_ADVERSARIAL = {
    "mention-like labels": "@a.",
    "mentions glued": "@a.b",
    "labels with dashes": "@a-b-.",
    "hashtags and links": "#a http://x.it/#b ",
    "multi-byte before every facet": "è😀 #a ",
    "emoji joined in sequences": "👩\u200d👩\u200d👧",
}


def test_bluesky_counting_and_facets_are_linear():
    growth = {name: _growth_of(_bluesky, unit) for name, unit in BLUESKY_ADVERSARIAL.items()}
    slow = {name: round(g, 1) for name, g in growth.items() if g > LINEAR_BOUND}
    assert not slow, f"time at 4n / time at n above {LINEAR_BOUND}: {slow}"
