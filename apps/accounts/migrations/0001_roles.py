from django.db import migrations

from apps.accounts import reference_data


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(reference_data.seed, reference_data.remove_groups)]
