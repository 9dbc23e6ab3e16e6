"""The one check every send goes through. (Crisis issue: implemented by the crisis area.)"""

from datetime import datetime


def sending_blocked_reason(variant, *, at: datetime) -> str | None:
    """Why ``variant`` may not start sending at ``at`` (open crisis in scope, blackout), or None.

    Must be called inside the transaction that claims the variant for sending: on PostgreSQL
    it reads the CrisisState row FOR SHARE, so a crisis declaration (FOR UPDATE) is ordered
    against every claim.
    """
    return None
