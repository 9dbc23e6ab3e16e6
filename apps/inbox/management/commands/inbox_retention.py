from django.core.management.base import BaseCommand

from apps.inbox.models import InboxSettings
from apps.inbox.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Delete the content of citizens' conversations past the retention period set by the "
        "administrators (default 24 months), keeping the counts (beat runs it daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count, delete nothing.")

    def handle(self, *args, dry_run=False, **options):
        count = apply_retention(dry_run=dry_run)
        months = InboxSettings.load().retention_months
        verb = "would clear" if dry_run else "cleared"
        self.stdout.write(f"{verb} {count} conversation(s) older than {months} months")
