from django.db import migrations

from apps.events import reference_data


class Migration(migrations.Migration):
    dependencies = [("events", "0002_category_retired_repeat_until")]

    operations = [migrations.RunPython(reference_data.seed, migrations.RunPython.noop)]
