"""Per-key rate limits: a token bucket per key, in this process's memory."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`rate` requests per minute on average, bursts up to `burst`.

    Kept in memory: with several service processes each enforces its own share.
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
