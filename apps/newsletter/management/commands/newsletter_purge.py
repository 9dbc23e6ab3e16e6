from django.core.management.base import BaseCommand

from apps.newsletter.services import UNCONFIRMED_RETENTION, purge_unconfirmed


class Command(BaseCommand):
    help = (
        f"Delete newsletter sign-ups never confirmed within {UNCONFIRMED_RETENTION.days} days "
        "(run daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count, delete nothing.")

    def handle(self, *args, dry_run=False, **options):
        count = purge_unconfirmed(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {count} unconfirmed subscriber(s)")
