"""The one CrisisState row the send gate reads and a declaration locks.

Called by the data migration and, after a transactional test's flush, by the test suite:
idempotent, through the historical ``apps`` registry it is given."""


def seed(apps, schema_editor=None):
    apps.get_model("crisis", "CrisisState").objects.get_or_create(singleton=True)
