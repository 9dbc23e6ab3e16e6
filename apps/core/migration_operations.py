"""Migration operations shared by the apps."""

from django.db import migrations


class AddIndexOnPostgreSQL(migrations.AddIndex):
    """An index that only PostgreSQL has (the search's GIN indexes, ``planning.search``):
    other databases skip it. It stays out of the models' state (and of their ``Meta.indexes``):
    SQLite rebuilds a whole table from that state when a later migration changes a column, and
    would then try to build a PostgreSQL expression index too."""

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(to_state.apps.get_model(app_label, self.model_name), self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            model = from_state.apps.get_model(app_label, self.model_name)
            schema_editor.remove_index(model, self.index)
