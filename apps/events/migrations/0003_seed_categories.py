from django.db import migrations

CATEGORIES = [
    ("cultura", "Cultura", False),
    ("sport", "Sport", False),
    ("mercati", "Mercati", True),
    ("scadenze", "Scadenze", False),
    ("servizi", "Servizi", True),
]


def seed(apps, schema_editor):
    EventCategory = apps.get_model("events", "EventCategory")
    for slug, name, allows_recurrence in CATEGORIES:
        EventCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "allows_recurrence": allows_recurrence}
        )


class Migration(migrations.Migration):
    dependencies = [("events", "0002_category_retired_repeat_until")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
