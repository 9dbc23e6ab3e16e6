"""Writes of channels (administrators): name, kind, tone guidance. Credentials live elsewhere."""

from apps.audit.services import record

from .forms import TONE_FIELDS
from .kinds import defaults_for
from .models import Channel


def _state(channel: Channel) -> dict:
    state = {}
    for name in [
        "name",
        "kind",
        "active",
        *TONE_FIELDS,
        "late_tolerance_minutes",
        "reconnect_grace_minutes",
        "preferred_times",
    ]:
        value = getattr(channel, name)
        state[name] = value if value is None or isinstance(value, (bool, int)) else str(value)
    state["config"] = dict(channel.config or {})  # ids and addresses only: no secret lives here
    return state


def save_channel(*, channel: Channel, by, reset_to_defaults: bool = False) -> Channel:
    """Save ``channel``; blank tone fields (or all, when resetting) take the kind's defaults."""
    created = channel.pk is None
    before = old = None
    if not created:
        old = Channel.objects.filter(pk=channel.pk).first()
        before = _state(old) if old is not None else None
    if not created and old is not None and old.kind != channel.kind:
        # A new kind: what still was the old kind's default follows the new kind (a Facebook
        # page turned into X must not keep a 63,206-character limit); custom values stay.
        old_defaults = defaults_for(old.kind)
        for name in TONE_FIELDS:
            if getattr(channel, name) == getattr(old_defaults, name):
                setattr(channel, name, None if name not in ("formality", "guidance") else "")
    if reset_to_defaults:
        for name in TONE_FIELDS:
            setattr(channel, name, None if name not in ("formality", "guidance") else "")
    channel.apply_kind_defaults()
    channel.save()
    record(
        action="channel.created" if created else "channel.updated",
        actor=by,
        obj=channel,
        summary=channel.name,
        before=before,
        after=_state(channel),
    )
    return channel
