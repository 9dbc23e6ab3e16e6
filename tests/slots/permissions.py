from tests.permissions import Access

OCCURRENCE = "2026-03-06T12:00:00+01:00"


def _slot(cast):
    from tests.slots.factories import SlotFactory

    return {"pk": SlotFactory(owner=cast["editor"]).pk}


def _occurrence(cast, kwargs):
    return {"occorrenza": OCCURRENCE}


ROWS = [
    Access("slots:list"),
    Access("slots:create"),
    Access("slots:create", method="POST", data=lambda cast, kwargs: {"name": "Da completare"}),
    Access("slots:preview", query="?frequency=weekly&weekdays=4&time=12:00&start_date=2026-01-02"),
    Access("slots:detail", make_kwargs=_slot),
    Access("slots:edit", make_kwargs=_slot),
    Access("slots:fill", method="POST", make_kwargs=_slot, data=_occurrence),
    Access("slots:skip", make_kwargs=_slot, query="?occorrenza=2026-03-06T12%3A00%3A00%2B01%3A00"),
    Access(
        "slots:skip",
        method="POST",
        make_kwargs=_slot,
        data=lambda cast, kwargs: {"occorrenza": OCCURRENCE, "reason": "Festività"},
    ),
    Access("slots:unskip", method="POST", make_kwargs=_slot, data=_occurrence),
    Access("slots:unfill", method="POST", make_kwargs=_slot, data=_occurrence),
]
