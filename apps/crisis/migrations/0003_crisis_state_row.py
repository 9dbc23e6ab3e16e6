from django.db import migrations

from apps.crisis import reference_data


class Migration(migrations.Migration):
    dependencies = [("crisis", "0002_mid_send_snapshot")]

    operations = [migrations.RunPython(reference_data.seed, migrations.RunPython.noop)]
