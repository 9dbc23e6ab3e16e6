"""Which of a channel's HTTP clients a request takes (``_http.client_for``).

httpcore's pool looks at every connection it holds, with a system call each, on every
request: one client shared by a sends worker's 8 slots (hundreds of requests at once) spent
more CPU choosing connections than sending (one process, 160 threads: 2.3 ms of CPU a request
on one client, 1.0-1.4 ms on eight). Each slot's batch takes its own lane
(``sending._send_claimed``): its requests share a pool no bigger than a batch, whose
connections stay open for that slot's next batch. Kept apart from ``_http`` so that importing
the send path does not load httpx.
"""

import contextvars
from collections.abc import Callable

_lane: contextvars.ContextVar[int] = contextvars.ContextVar("http_lane", default=0)


def current_lane() -> int:
    return _lane.get()


def in_lane(lane: int, function: Callable, *args, **kwargs):
    """``function(*args, **kwargs)`` with its requests on the clients of ``lane``."""
    context = contextvars.copy_context()
    context.run(_lane.set, lane)
    return context.run(function, *args, **kwargs)
