from .models import InboxSettings
from .services import purge_expired


def apply_retention(*, dry_run: bool = False) -> int:
    """The retention period of :class:`InboxSettings` (default 24 months), applied."""
    return purge_expired(months=InboxSettings.load().retention_months, dry_run=dry_run)
