from django.db import migrations

from apps.planning import reference_data


class Migration(migrations.Migration):
    dependencies = [("planning", "0002_post_reschedule_only_pending")]

    operations = [migrations.RunPython(reference_data.seed, migrations.RunPython.noop)]
