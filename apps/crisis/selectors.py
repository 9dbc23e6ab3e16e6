"""Reads of crisis and blackout state. (Crisis issue: implemented by the crisis area.)"""


def open_crisis():
    """The crisis in force, or None."""
    from .models import Crisis

    return Crisis.objects.filter(ended_at__isnull=True).first()


def blackout_blocking_approval(post):
    """The blackout that forbids approving ``post`` as it stands, or None."""
    return None
