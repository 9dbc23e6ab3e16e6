from django.db import migrations


def create_state_row(apps, schema_editor):
    apps.get_model("crisis", "CrisisState").objects.get_or_create(singleton=True)


class Migration(migrations.Migration):
    dependencies = [("crisis", "0002_mid_send_snapshot")]

    operations = [migrations.RunPython(create_state_row, migrations.RunPython.noop)]
