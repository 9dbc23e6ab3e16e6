"""Writes of the publishing engine, one module per job; this module re-exports them so that
other apps call ``apps.publishing.services.<name>`` whatever the module. See
docs/publishing.md.

- ``scheduling``: deliveries scheduled at approval, cancelled, stopped by a crisis;
- ``claim``: due deliveries waiting -> queued (beat's dispatch);
- ``sending``: queued -> sending -> sent / waiting / failed / needs_check;
- ``sweeper``: rows left in flight by a lost message or a dead worker;
- ``actions``: what people do (retry, dismiss, the verdict on one to check);
- ``following``: the post follows its deliveries;
- ``notifications``: emails about deliveries a person must look at;
- ``transitions``: the one mover of ``Delivery.state``.
"""

from .actions import (
    DeliveryActionError,
    dismiss_failed_delivery,
    resolve_checked_delivery,
    retry_delivery,
)
from .claim import channel_not_ready, claim_due, late_beyond_tolerance, next_due_within
from .enums import (
    DISPATCHABLE_POST_STATES,
    IN_FLIGHT_STATES,
    RESCHEDULABLE_STATES,
    TERMINAL_STATES,
)
from .following import post_status_for, sync_post_status
from .notifications import _notify_problem
from .scheduling import cancel_deliveries, schedule_deliveries, stop_held_deliveries
from .sending import (
    DATABASE_RETRY_DELAYS,
    SendOutcome,
    _record_sent,
    build_publish_request,
    retry_delay,
    send_deliveries,
    send_delivery,
    with_database_retry,
)
from .sweeper import (
    LOST_WAKEUP_BATCH,
    LOST_WAKEUP_GRACE_SECONDS,
    LOST_WAKEUP_SECONDS,
    SENDING_TIMEOUT_MARGIN_SECONDS,
    SweepResult,
    sending_timeout,
    sweep_stuck,
)

__all__ = [
    "DATABASE_RETRY_DELAYS",
    "DISPATCHABLE_POST_STATES",
    "IN_FLIGHT_STATES",
    "LOST_WAKEUP_BATCH",
    "LOST_WAKEUP_GRACE_SECONDS",
    "LOST_WAKEUP_SECONDS",
    "RESCHEDULABLE_STATES",
    "SENDING_TIMEOUT_MARGIN_SECONDS",
    "TERMINAL_STATES",
    "DeliveryActionError",
    "SendOutcome",
    "SweepResult",
    "_notify_problem",
    "_record_sent",
    "build_publish_request",
    "cancel_deliveries",
    "channel_not_ready",
    "claim_due",
    "dismiss_failed_delivery",
    "late_beyond_tolerance",
    "next_due_within",
    "post_status_for",
    "resolve_checked_delivery",
    "retry_delivery",
    "retry_delay",
    "schedule_deliveries",
    "send_deliveries",
    "send_delivery",
    "sending_timeout",
    "stop_held_deliveries",
    "sweep_stuck",
    "sync_post_status",
    "with_database_retry",
]
