"""The "what changed" diff of the review queue stays linear on any text: one long edited post
must not stall the queue for every approver."""

import time

from apps.review.selectors import _segments


def _best_time(old: str, new: str, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        _segments(old, new)
        best = min(best, time.perf_counter() - started)
    return best


def _hostile(words: int) -> tuple[str, str]:
    # Repetitive tokens on both sides, everything changed: difflib's worst case.
    return " ".join(["a b"] * (words // 2)), " ".join(["b a c"] * (words // 3))


def test_a_local_edit_in_a_long_text_is_shown_as_that_edit():
    before = " ".join(f"parola{i}" for i in range(5000))
    after = before.replace("parola2500 ", "parola2500 nuova ")

    segments = _segments(before, after)

    assert [kind for kind, _text in segments] == ["equal", "insert", "equal"]
    assert segments[1][1] == "nuova "


def test_a_complete_rewrite_of_repetitive_text_costs_linear_time():
    small, large = _hostile(1_000), _hostile(4_000)

    ratios = []
    for _ in range(3):  # a loaded machine may slow one measurement: keep the best
        ratios.append(_best_time(*large) / max(_best_time(*small), 1e-6))
        if ratios[-1] < 8:
            break

    assert min(ratios) < 8, f"4x the text took {min(ratios):.1f}x the time (linear: ~4x)"
    assert _best_time(*large) < 1.0


def test_short_texts_still_get_a_word_level_diff():
    segments = _segments("Il mercato apre alle 8.", "Il mercato apre alle 9.")

    assert ("delete", "8.") in segments and ("insert", "9.") in segments
