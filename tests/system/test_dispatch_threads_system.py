"""The same real-process checks as test_dispatch_system.py, with the sends on Celery's
thread pool (the README's sends worker): no time limits there, so a send killed with its
worker is taken back only once its lease runs out (apps/publishing/leases.py), and a slow
send that is still alive is never raced."""

import pytest

from tests.system.test_dispatch_system import (  # noqa: F401 - collected here again
    SYSTEM_ENV as PREFORK_ENV,
)
from tests.system.test_dispatch_system import (  # noqa: F401 - collected here again
    live_channels,
    servers,
    test_a_crisis_declared_mid_burst_stops_every_send_not_yet_started,
    test_a_transient_500_then_success_publishes_once,
    test_two_workers_send_a_burst_exactly_once,
    test_workers_killed_mid_send_lose_nothing_and_send_nothing_twice,
)

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]

SYSTEM_WORKER_ARGS = ("--pool=threads", "--concurrency=8")
SYSTEM_ENV = {
    **PREFORK_ENV,
    # Renewed every second by a live worker; gone 3 s (+2 s margin) after its worker died.
    "PA_PLANNER_PUBLISH_SEND_LEASE": "3",
}
