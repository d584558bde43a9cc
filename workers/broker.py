"""What the service reads and writes in Redis besides Celery's own messages: enqueueing by
task name (the API does not import the tasks), the beat's heartbeat, queue depths."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import redis

from core.config import Settings
from core.timeutil import utcnow
from workers.app import QUEUES, TASK_QUEUES, configure

BEAT_KEY = "svetofor:beat:last"
DEBOUNCE_PREFIX = "svetofor:enqueued:"
# kombu's Redis transport keeps a queue's prioritised messages under these suffixes
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


@lru_cache(maxsize=4)
def client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def enqueue(settings: Settings, task: str, *args: Any, debounce: timedelta | None = None) -> bool:
    """Send a task by name; with `debounce`, at most once per that period across processes
    (a burst of 100 stored mentions asks for one classification pass, not 100)."""
    assert settings.broker_url
    if debounce is not None:
        first = client(settings.broker_url).set(
            DEBOUNCE_PREFIX + task, "1", nx=True, px=int(debounce.total_seconds() * 1000)
        )
        if not first:
            return False
    configure(settings).send_task(task, args=args, queue=TASK_QUEUES[task])
    return True


CRAWL_QUEUED_PREFIX = "svetofor:crawl-queued:"
# A crawl task that never starts (its worker died holding the message) stops blocking new
# ones for its source after this.
CRAWL_QUEUED_FOR = timedelta(minutes=2)


def mark_crawl_queued(url: str, source_name: str) -> bool:
    """True if no crawl of the source was waiting in the queue (and now one is marked)."""
    marked = client(url).set(
        CRAWL_QUEUED_PREFIX + source_name,
        "1",
        nx=True,
        px=int(CRAWL_QUEUED_FOR.total_seconds() * 1000),
    )
    return bool(marked)


def crawl_started(url: str, source_name: str) -> None:
    """The queued crawl of the source has started: the next tick may queue another."""
    client(url).delete(CRAWL_QUEUED_PREFIX + source_name)


def record_beat(url: str, now: datetime | None = None) -> None:
    client(url).set(BEAT_KEY, (now or utcnow()).isoformat(), ex=24 * 3600)


def last_beat(url: str) -> datetime | None:
    value = client(url).get(BEAT_KEY)
    if not value:
        return None
    return datetime.fromisoformat(value.decode() if isinstance(value, bytes) else str(value))


def queue_depths(url: str) -> dict[str, int]:
    """Messages waiting in each queue (not those a worker holds unacknowledged)."""
    redis_client = client(url)
    return {
        queue: sum(int(redis_client.llen(queue + suffix)) for suffix in PRIORITY_SUFFIXES)
        for queue in QUEUES
    }
