"""Migration operations shared by the apps."""

from django.db import migrations


class AddIndexOnPostgreSQL(migrations.AddIndex):
    """An index that only PostgreSQL has (the search's GIN indexes, ``planning.search``):
    other databases skip it. The model state has it everywhere, so makemigrations is quiet."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
