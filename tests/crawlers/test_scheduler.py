"""When a source is due: intervals, cron in the source's time zone (DST included)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from crawlers.runs import is_dead, start_run
from crawlers.scheduler import CrawlScheduler, due_sources, is_due
from models import CrawlRun, CrawlStatus
from tests.utils.factories import make_brand, make_source

NOW = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "last_start", "due"),
    [
        ("15m", None, True),
        ("15m", NOW - timedelta(minutes=14, seconds=59), False),
        ("15m", NOW - timedelta(minutes=15), True),
        ("1d", NOW - timedelta(hours=23), False),
        ("30s", NOW - timedelta(seconds=31), True),
    ],
)
def test_interval_schedules(schedule: str, last_start: datetime | None, due: bool) -> None:
    assert is_due(schedule, "UTC", last_start, NOW) is due


def test_cron_fires_in_the_sources_time_zone() -> None:
    # 09:00 every day in Moscow is 06:00 UTC.
    last = datetime(2026, 3, 28, 6, 0, tzinfo=UTC)
    assert not is_due("0 9 * * *", "Europe/Moscow", last, datetime(2026, 3, 29, 5, 59, tzinfo=UTC))
    assert is_due("0 9 * * *", "Europe/Moscow", last, datetime(2026, 3, 29, 6, 0, tzinfo=UTC))


def test_cron_across_the_dst_change() -> None:
    # Berlin moves to summer time on 2026-03-29: 09:00 local is 08:00 UTC before, 07:00 after.
    last = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    before = datetime(2026, 3, 29, 6, 59, tzinfo=UTC)
    after = datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert not is_due("0 9 * * *", "Europe/Berlin", last, before)
    assert is_due("0 9 * * *", "Europe/Berlin", last, after)


def test_due_sources_uses_the_last_run_and_skips_disabled(engine: Engine) -> None:
    with Session(engine) as session:
        brand = make_brand(session)
        fresh = make_source(session, brand, "fresh", schedule="1h")
        stale = make_source(session, brand, "stale", schedule="1h")
        make_source(session, brand, "never", schedule="1h")
        make_source(session, brand, "off", schedule="1h", enabled=False)
        session.add(
            CrawlRun(
                source_id=fresh.id, started_at=NOW - timedelta(minutes=10), status=CrawlStatus.ok
            )
        )
        session.add(
            CrawlRun(source_id=stale.id, started_at=NOW - timedelta(hours=2), status=CrawlStatus.ok)
        )
        session.add(
            CrawlRun(source_id=stale.id, started_at=NOW - timedelta(hours=3), status=CrawlStatus.ok)
        )
        session.commit()
        assert [s.name for s in due_sources(session, NOW)] == ["never", "stale"]


def test_one_running_crawl_per_source(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        session.commit()
        source_id = source.id
    assert source_id is not None
    first = start_run(engine, source_id)
    assert first is not None
    assert start_run(engine, source_id) is None  # this process is alive: not stale


def test_a_run_whose_process_died_is_closed_and_replaced(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        session.commit()
        source_id = source.id
    assert source_id is not None
    dead = start_run(engine, source_id, worker=f"{socket.gethostname()}:999999999")
    assert dead is not None
    replacement = start_run(engine, source_id)
    assert replacement is not None and replacement != dead
    with Session(engine) as session:
        old = session.get(CrawlRun, dead)
        assert old is not None
        assert old.status == CrawlStatus.failed
        assert old.error_summary == f"interrupted: worker {socket.gethostname()}:999999999 is gone"


class RecordingDispatcher:
    def __init__(self) -> None:
        self.dispatched: list[str] = []
        self.running: set[str] = set()

    def dispatch(self, source_name: str) -> None:
        self.dispatched.append(source_name)
        self.running.add(source_name)

    def busy(self) -> set[str]:
        return self.running


def test_scheduler_tick_dispatches_due_sources_once(engine: Engine) -> None:
    with Session(engine) as session:
        brand = make_brand(session)
        make_source(session, brand, "a", schedule="1m")
        make_source(session, brand, "b", schedule="1m")
        session.commit()
    dispatcher = RecordingDispatcher()
    scheduler = CrawlScheduler(engine, dispatcher)
    assert scheduler.run_due() == ["a", "b"]
    assert scheduler.run_due() == []  # still running: never two runs of one source
    assert dispatcher.dispatched == ["a", "b"]


def test_scheduler_tick_survives_errors(engine: Engine) -> None:
    class Broken(RecordingDispatcher):
        def busy(self) -> set[str]:
            raise RuntimeError("queue is down")

    scheduler = CrawlScheduler(engine, Broken())
    assert scheduler.run_due() == []


def test_a_run_on_another_host_is_dead_once_its_heartbeat_is_a_minute_old() -> None:
    beating = CrawlRun(
        source_id=1,
        worker="other-host:12",
        started_at=NOW - timedelta(hours=2),
        heartbeat_at=NOW - timedelta(seconds=20),
    )
    assert not is_dead(beating, NOW)
    silent = CrawlRun(
        source_id=1,
        worker="other-host:12",
        started_at=NOW - timedelta(hours=2),
        heartbeat_at=NOW - timedelta(seconds=61),
    )
    assert is_dead(silent, NOW)


def test_a_dead_run_makes_its_source_due_at_once(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session), "hourly", schedule="1h")
        session.commit()
        source_id = source.id
    assert source_id is not None
    start_run(engine, source_id, worker=f"{socket.gethostname()}:999999999")  # then killed
    dispatcher = RecordingDispatcher()
    assert CrawlScheduler(engine, dispatcher).run_due() == ["hourly"]
