"""Which of a channel's HTTP clients a request takes (``_http.client_for``).

httpcore's pool looks at every connection it holds on every request, with a system call each
and a count of the idle ones per connection: its work grows with the square of the pool. One
client shared by a worker's slots (hundreds of requests at once) spent more CPU choosing
connections than sending, and so did one pool per slot carrying a whole batch (50 connections).
A lane carries at most ``REQUESTS_PER_LANE`` of one slot's batch (``sending._send_claimed``):
its pool stays that small, and its connections stay open for the same positions of the slot's
next batch. Measured apart (one process, 8 slots of 50 requests, a server answering in 0.2 s):
3.2 ms of CPU a request with a pool per slot, 1.6 ms with lanes of five. Kept apart from
``_http`` so that importing the send path does not load httpx.
"""

import contextvars
import threading
from collections.abc import Callable

REQUESTS_PER_LANE = 5

Lane = tuple[int, int]

_lane: contextvars.ContextVar[Lane] = contextvars.ContextVar("http_lane", default=(0, 0))


def current_lane() -> Lane:
    return _lane.get()


def lanes_for_batch(size: int) -> list[Lane]:
    """The lane of each of a batch's ``size`` requests, for the calling worker slot."""
    slot = threading.get_ident()
    return [(slot, position // REQUESTS_PER_LANE) for position in range(size)]


def in_lane(lane: Lane, function: Callable, *args, **kwargs):
    """``function(*args, **kwargs)`` with its requests on the clients of ``lane``."""
    context = contextvars.copy_context()
    context.run(_lane.set, lane)
    return context.run(function, *args, **kwargs)
