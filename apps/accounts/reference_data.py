"""The three role groups of the office.

Called by the data migration and, after a transactional test's flush, by the test suite:
idempotent, through the historical ``apps`` registry it is given."""

from .roles import Role

ROLES = [role.value for role in Role]


def seed(apps, schema_editor=None):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()
