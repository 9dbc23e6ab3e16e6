"""Re-encrypt every stored secret under the newest key of PA_PLANNER_SECRET_KEYS: pasted
credentials, the tokens of channels connected by login, and PA Planner's registrations on
Mastodon instances."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.audit.services import record
from apps.channels.models import ChannelConnection, MastodonApp
from apps.core.encryption import UnreadableSecret, rotate
from apps.publishing.models import ChannelCredential

# (model, its encrypted columns, what names a row in an error message)
SECRETS = [
    (ChannelCredential, ("secret",), "channel__name"),
    (ChannelConnection, ("access_token", "refresh_token"), "channel__name"),
    (MastodonApp, ("client_id", "client_secret"), "base_url"),
]


class Command(BaseCommand):
    help = "Re-encrypt channel secrets with the first key of PA_PLANNER_SECRET_KEYS."

    def handle(self, *args, **options):
        rotated = 0
        unreadable = []
        with transaction.atomic():
            for model, columns, label in SECRETS:
                for pk, name in model.objects.values_list("pk", label):
                    for column in columns:
                        stored = _stored(model, column, pk)
                        if not stored:
                            continue
                        try:
                            new = rotate(stored)
                        except UnreadableSecret:
                            unreadable.append(name)
                            continue
                        _write(model, column, pk, new)
                        rotated += 1
            record(
                action="credential.keys_rotated",
                summary=f"{rotated} secrets re-encrypted",
                after={"rotated": rotated, "unreadable": sorted(set(unreadable))},
            )
        self.stdout.write(f"{rotated} secrets re-encrypted under the newest key.")
        if unreadable:
            raise CommandError(
                "No configured key decrypts the secret of: "
                + ", ".join(sorted(set(unreadable)))
                + ". Set those credentials again (or connect those channels again)."
            )


# Raw stored values: the model field would decrypt them.
def _stored(model, column: str, pk: int) -> str:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else ""


def _write(model, column: str, pk: int, stored: str) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [stored, pk])  # noqa: S608
