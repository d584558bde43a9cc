"""What makes the workers' periodic tasks and crawls safe to run twice, on both databases:
the advisory lock a desk tick holds, and a crawl start that refuses a source crawled since
its task was queued."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.locks import exclusive
from core.timeutil import utcnow
from crawlers.runs import start_run
from tests.utils.factories import make_brand, make_source


def test_one_holder_of_a_named_lock_at_a_time(engine: Engine) -> None:
    with exclusive(engine, "desk_tick") as first:
        assert first
        with exclusive(engine, "desk_tick") as second:
            assert not second  # a second tick (another beat, a slow one) skips
        with exclusive(engine, "dispatch_crawls") as other:
            assert other  # names are separate locks
    with exclusive(engine, "desk_tick") as again:
        assert again  # released with the block


def test_a_crawl_queued_before_the_last_start_is_skipped(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        session.commit()
        source_id = source.id
    assert source_id is not None
    queued_at = utcnow() - timedelta(seconds=5)
    first = start_run(engine, source_id, "host:1", not_since=queued_at)
    assert first is not None
    assert start_run(engine, source_id, "host:2") is None  # running: not twice at once
    from crawlers.runs import finish_run

    finish_run(engine, first, {"finish_reason": "finished", "downloader/response_count": 1})
    # the same tick's second task finds the source crawled since it was queued
    assert start_run(engine, source_id, "host:2", not_since=queued_at) is None
    # the next tick's task crawls
    assert start_run(engine, source_id, "host:2", not_since=utcnow()) is not None


def test_a_running_crawl_shows_its_counts_so_far(engine: Engine) -> None:
    import time

    from crawlers.runs import Heartbeat
    from models import CrawlRun

    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        session.commit()
        source_id = source.id
    assert source_id is not None
    run_id = start_run(engine, source_id, "host:1")
    assert run_id is not None
    so_far = {"new": 12, "updated": 1, "unchanged": 0, "pages": 2}
    with Heartbeat(engine, [run_id], lambda _: so_far, every=timedelta(milliseconds=50)):
        time.sleep(0.4)
    with Session(engine) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        assert run.counts == so_far and run.status.value == "running"
