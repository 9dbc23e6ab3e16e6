"""Re-encrypt every channel secret under the newest key of PA_PLANNER_SECRET_KEYS."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.audit.services import record
from apps.core.encryption import UnreadableSecret, rotate
from apps.publishing.models import ChannelCredential


class Command(BaseCommand):
    help = "Re-encrypt channel secrets with the first key of PA_PLANNER_SECRET_KEYS."

    def handle(self, *args, **options):
        rotated = 0
        unreadable = []
        with transaction.atomic():
            # Raw stored values: the model field would decrypt them.
            rows = ChannelCredential.objects.values_list("pk", "channel__name")
            for pk, channel_name in rows:
                stored = _stored(pk)
                if not stored:
                    continue
                try:
                    new = rotate(stored)
                except UnreadableSecret:
                    unreadable.append(channel_name)
                    continue
                _write(pk, new)
                rotated += 1
            record(
                action="credential.keys_rotated",
                summary=f"{rotated} secrets re-encrypted",
                after={"rotated": rotated, "unreadable": unreadable},
            )
        self.stdout.write(f"{rotated} secrets re-encrypted under the newest key.")
        if unreadable:
            raise CommandError(
                "No configured key decrypts the secret of: "
                + ", ".join(sorted(unreadable))
                + ". Set those credentials again."
            )


def _stored(pk: int) -> str:
    table = ChannelCredential._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {table} WHERE id = %s", [pk])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else ""


def _write(pk: int, stored: str) -> None:
    table = ChannelCredential._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET secret = %s WHERE id = %s", [stored, pk])  # noqa: S608
