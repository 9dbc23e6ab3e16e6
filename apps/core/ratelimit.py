"""A fixed-window counter in the cache: how the public forms that send email stay bounded."""

import time

from django.core.cache import cache


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one request under ``key``; False once more than ``limit`` came in the window."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit


def retry_after(key: str, *, limit: int, window_seconds: int, now: float | None = None) -> int:
    """Count one request under ``key`` in aligned windows of ``window_seconds``; 0 when it is
    allowed, otherwise the seconds until the window ends (what ``Retry-After`` says).

    Aligned windows (the counter's key names the window) are what lets the answer say when
    the next one starts: the cache cannot tell how long a key still lives.
    """
    now = time.time() if now is None else now
    window = int(now // window_seconds)
    if allow(f"{key}:{window}", limit=limit, window_seconds=window_seconds):
        return 0
    return max(1, int((window + 1) * window_seconds - now + 0.999))
