"""Per-key rate limits: a token bucket per key in this process's memory, or a moving window
shared by every replica through Redis."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger(__name__)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`rate` requests per minute on average, bursts up to `burst`.

    Kept in memory: for one service process (`SharedRateLimiter` for several).
    """

    def __init__(
        self, per_minute: int, burst: int | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst or per_minute)
        self.clock = clock
        self.buckets: dict[int, _Bucket] = {}
        self.lock = threading.Lock()

    def hit(self, key_id: int) -> float | None:
        """Take one request; return None when allowed, else seconds to wait."""
        now = self.clock()
        with self.lock:
            bucket = self.buckets.setdefault(key_id, _Bucket(self.burst, now))
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return (1 - bucket.tokens) / self.rate if self.rate > 0 else math.inf


class SharedRateLimiter:
    """The same limit for every API replica: a moving window per key, counted in Redis (the
    `limits` library), so three replicas behind a load balancer admit `per_minute` requests
    per key in all, not three times that. If Redis cannot be reached the request is let
    through and the failure logged: a rate limit must not take the service down."""

    def __init__(self, storage_url: str, per_minute: int) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_url))

    def hit(self, key_id: int) -> float | None:
        """Take one request; return None when allowed, else seconds to wait."""
        try:
            if self.limiter.hit(self.item, "svetofor-key", str(key_id)):
                return None
            stats = self.limiter.get_window_stats(self.item, "svetofor-key", str(key_id))
        except Exception:
            logger.warning("rate limit storage unavailable: request let through", exc_info=True)
            return None
        return max(0.0, stats.reset_time - time.time())


def rate_limiter(storage_url: str | None, per_minute: int) -> RateLimiter | SharedRateLimiter:
    """Shared through Redis when the settings name a store (with a broker they do)."""
    if storage_url:
        return SharedRateLimiter(storage_url, per_minute)
    return RateLimiter(per_minute)
