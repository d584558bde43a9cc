"""What the service keeps in Redis beside Celery's messages, against a real Redis server:
the rate limit every API replica shares, enqueueing with a debounce, queue depths, the beat's
heartbeat and the queued-crawl marks."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy.engine import make_url

from api.ratelimit import RateLimiter, SharedRateLimiter, rate_limiter
from core.config import Settings

REDIS_URL = os.environ.get("SVETOFOR_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="no Redis server: set SVETOFOR_TEST_REDIS_URL (.ci/run does)"
)


@pytest.fixture
def broker() -> Iterator[str]:
    assert REDIS_URL
    url = make_url(REDIS_URL).set(database="11").render_as_string(hide_password=False)
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


def test_replicas_share_one_limit_per_key(broker: str) -> None:
    replicas = [SharedRateLimiter(broker, per_minute=5) for _ in range(3)]
    answers = [replicas[n % 3].hit(key_id=1) for n in range(8)]
    assert answers[:5] == [None] * 5  # five in all, not five per replica
    assert all(wait is not None and 0 < wait <= 60 for wait in answers[5:])
    assert replicas[0].hit(key_id=2) is None  # another key has its own window


def test_the_shared_limit_lets_requests_through_when_redis_is_away(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = SharedRateLimiter("redis://127.0.0.1:9/0", per_minute=1)
    with caplog.at_level(logging.WARNING, logger="api.ratelimit"):
        assert limiter.hit(1) is None
        assert limiter.hit(1) is None
    assert "rate limit storage unavailable: request let through" in caplog.text


def test_the_limiter_follows_the_settings(broker: str) -> None:
    assert isinstance(rate_limiter(None, 10), RateLimiter)
    assert isinstance(rate_limiter(broker, 10), SharedRateLimiter)
    settings = Settings(broker_url=broker, ratelimit_url=None)
    assert settings.rate_limit_storage == broker and settings.distributed


def test_enqueue_debounces_across_processes_and_queues_are_counted(broker: str) -> None:
    from workers.broker import enqueue, queue_depths

    settings = Settings(broker_url=broker)
    assert enqueue(settings, "svetofor.classify_pending", debounce=timedelta(seconds=30))
    assert not enqueue(settings, "svetofor.classify_pending", debounce=timedelta(seconds=30))
    assert enqueue(settings, "svetofor.deliver_alert", 7)
    assert enqueue(settings, "svetofor.deliver_alert", 8)
    assert queue_depths(broker) == {"crawl": 0, "classify": 1, "desk": 0, "alerts": 2}


def test_the_beat_heartbeat_and_queued_crawl_marks(broker: str) -> None:
    from workers.broker import crawl_started, last_beat, mark_crawl_queued, record_beat

    assert last_beat(broker) is None
    moment = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    record_beat(broker, moment)
    assert last_beat(broker) == moment
    assert mark_crawl_queued(broker, "acme-news")
    assert not mark_crawl_queued(broker, "acme-news")  # still waiting in the queue
    crawl_started(broker, "acme-news")
    assert mark_crawl_queued(broker, "acme-news")
