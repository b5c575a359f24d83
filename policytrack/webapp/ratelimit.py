"""Rate limits per client address (and per email address for mail-sending forms), kept in memory
by ``limits``' moving-window limiter.

In memory means per process: run one app process (its threads share the limits), or put the
limits in the reverse proxy as well. The client address is the one the ASGI server reports:
behind a proxy, uvicorn takes it from X-Forwarded-For only for the proxies listed in
``app.forwarded_allow_ips`` (docs/app.md).
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .errors import TooManyRequests

PER_ADDRESS_PER_HOUR = 3  # emails one address can be sent per hour, whoever asks


class Limits:
    def __init__(self, *, search_per_minute: int, subscribe_per_hour: int) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._items: dict[str, RateLimitItem | None] = {
            "search": RateLimitItemPerMinute(search_per_minute) if search_per_minute > 0 else None,
            "subscribe": RateLimitItemPerHour(subscribe_per_hour) if subscribe_per_hour > 0 else None,
            "mail-to": RateLimitItemPerHour(PER_ADDRESS_PER_HOUR),
        }

    def hit(self, kind: str, key: str) -> None:
        """Count one request of ``kind`` by ``key``; raise TooManyRequests past the limit."""
        item = self._items[kind]
        if item is None:
            return
        if not self._limiter.hit(item, kind, key):
            reset, _ = self._limiter.get_window_stats(item, kind, key)
            wait = math.ceil(reset - time.time())
            raise TooManyRequests(
                f"Too many requests from here; try again in {_duration(wait)}.",
                retry_after=wait,
            )


def _duration(seconds: int) -> str:
    if seconds <= 90:
        return f"{max(seconds, 1)} seconds"
    return f"{math.ceil(seconds / 60)} minutes"
