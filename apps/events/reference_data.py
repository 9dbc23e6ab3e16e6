"""The event categories citizens filter by.

Called by the data migration and, after a transactional test's flush, by the test suite:
idempotent, through the historical ``apps`` registry it is given."""

CATEGORIES = [
    ("cultura", "Cultura", False),
    ("sport", "Sport", False),
    ("mercati", "Mercati", True),
    ("scadenze", "Scadenze", False),
    ("servizi", "Servizi", True),
]


def seed(apps, schema_editor=None):
    EventCategory = apps.get_model("events", "EventCategory")
    for slug, name, allows_recurrence in CATEGORIES:
        EventCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "allows_recurrence": allows_recurrence}
        )
