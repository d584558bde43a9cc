"""CrawlRun bookkeeping: one running crawl per source, and an honest final status."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from core.db import session_scope
from core.process import this_process
from core.timeutil import utcnow
from crawlers import stats as keys
from models import CrawlRun, CrawlStatus, Source

logger = logging.getLogger(__name__)

# A crawl process writes a heartbeat this often; a run whose heartbeat (or start) is older
# than STALE_AFTER, or whose process on this host is gone, is dead.
HEARTBEAT_EVERY = timedelta(seconds=15)
STALE_AFTER = timedelta(minutes=1)
INTERRUPTED = {"shutdown", "cancelled"}
WORKER_GONE = "interrupted: worker"


def this_worker() -> str:
    return this_process()


def _worker_alive(worker: str | None) -> bool | None:
    """True/False for a process on this host; None when it runs elsewhere (unknowable)."""
    if not worker or ":" not in worker:
        return None
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_run(
    engine: Engine,
    source_id: int,
    worker: str | None = None,
    *,
    not_since: datetime | None = None,
) -> int | None:
    """Record a running crawl and return its id, or None if the source is already crawling
    (here or on another machine) or, with `not_since`, has started a crawl since then (a
    schedule tick queued twice crawls once)."""
    now = utcnow()
    try:
        with session_scope(engine) as session:
            # The source's row lock serialises starts across processes (PostgreSQL).
            session.exec(select(Source.id).where(Source.id == source_id).with_for_update())
            if not_since is not None:
                since = session.exec(
                    select(CrawlRun.id).where(
                        CrawlRun.source_id == source_id, col(CrawlRun.started_at) >= not_since
                    )
                ).first()
                if since is not None:
                    return None
            running = session.exec(
                select(CrawlRun).where(
                    CrawlRun.source_id == source_id, CrawlRun.status == CrawlStatus.running
                )
            ).first()
            if running is not None:
                if not is_dead(running, now):
                    return None
                _mark_dead(running, now)
                session.add(running)
                session.flush()
            run = CrawlRun(
                source_id=source_id,
                worker=worker or this_worker(),
                started_at=now,
                heartbeat_at=now,
            )
            session.add(run)
            session.flush()
            return run.id
    except IntegrityError:  # another process started one between our check and insert
        return None


def is_dead(run: CrawlRun, now: datetime) -> bool:
    """Its process on this host is gone, or it has not beaten for longer than STALE_AFTER."""
    alive = _worker_alive(run.worker)
    if alive is not None:
        return not alive
    return now - (run.heartbeat_at or run.started_at) > STALE_AFTER


def _mark_dead(run: CrawlRun, now: datetime) -> None:
    run.status = CrawlStatus.failed
    run.finished_at = now
    run.error_summary = f"{WORKER_GONE} {run.worker} is gone"


def recover_dead_runs(engine: Engine, now: datetime | None = None) -> list[int]:
    """Mark every running crawl whose process died as failed, at once (the scheduler calls
    this each tick, so a killed crawl's source crawls again on the next one)."""
    now = now or utcnow()
    recovered = []
    with session_scope(engine) as session:
        for run in session.exec(select(CrawlRun).where(CrawlRun.status == CrawlStatus.running)):
            if is_dead(run, now):
                _mark_dead(run, now)
                session.add(run)
                recovered.append(run.id or 0)
    return recovered


class Heartbeat:
    """While a crawl process works, a thread stamps its runs every HEARTBEAT_EVERY, with the
    counts so far when `counts_of` gives them (the sources page shows a crawl moving)."""

    def __init__(
        self,
        engine: Engine,
        run_ids: list[int],
        counts_of: Callable[[int], dict[str, Any]] | None = None,
        every: timedelta = HEARTBEAT_EVERY,
    ) -> None:
        self.engine = engine
        self.run_ids = run_ids
        self.counts_of = counts_of
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="crawl-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(self.every.total_seconds()):
            try:
                with self.engine.begin() as connection:
                    now = utcnow()
                    counts_of = self.counts_of
                    if counts_of is None:
                        connection.execute(
                            update(CrawlRun)
                            .where(col(CrawlRun.id).in_(self.run_ids))
                            .values(heartbeat_at=now)
                        )
                        continue
                    for run_id in self.run_ids:
                        connection.execute(
                            update(CrawlRun)
                            .where(col(CrawlRun.id) == run_id)
                            .values(heartbeat_at=now, counts=counts_of(run_id))
                        )
            except Exception:  # a busy database: the next beat tries again
                logger.warning("crawl heartbeat failed", exc_info=True)


def previous_run_died(engine: Engine, source_id: int, run_id: int) -> bool:
    """Whether the run before this one was killed outright (its last batch may be lost)."""
    with session_scope(engine) as session:
        previous = session.exec(
            select(CrawlRun)
            .where(CrawlRun.source_id == source_id, col(CrawlRun.id) < run_id)
            .order_by(col(CrawlRun.id).desc())
        ).first()
    return bool(previous and (previous.error_summary or "").startswith(WORKER_GONE))


def summarize(stats: dict[str, Any]) -> tuple[CrawlStatus, dict[str, Any], str | None]:
    """Status, counts and error summary of a finished crawl from its Scrapy stats."""
    counts: dict[str, Any] = {"new": 0, "updated": 0, "unchanged": 0}
    dropped: dict[str, int] = defaultdict(int)
    problems: dict[str, int] = defaultdict(int)
    outcome_names = {"created": "new", "updated": "updated", "unchanged": "unchanged"}
    for key, value in stats.items():
        if key.startswith(keys.ITEMS_PREFIX):
            counts[outcome_names[key.removeprefix(keys.ITEMS_PREFIX)]] = value
        elif key.startswith(keys.DROPPED_PREFIX):
            dropped[key.removeprefix(keys.DROPPED_PREFIX)] += value
        elif key.startswith(keys.PROBLEMS_PREFIX):
            problems[key.removeprefix(keys.PROBLEMS_PREFIX)] += value
    counts["dropped"] = dict(dropped)
    counts["parse_problems"] = dict(problems)
    counts["date_unparsed"] = stats.get(keys.DATE_UNPARSED, 0)
    counts["pages"] = stats.get(keys.PAGES, 0)
    counts["errors"] = stats.get(keys.ERROR_COUNT, 0)

    errors: list[str] = list(stats.get(keys.ERRORS, []))
    reason = stats.get("finish_reason", "finished")
    if stats.get(keys.BLOCKED):
        return CrawlStatus.blocked, counts, f"blocked: {stats[keys.BLOCKED]}"
    if stats.get("robotstxt/forbidden") and not counts["pages"]:
        return CrawlStatus.blocked, counts, "blocked: robots.txt disallows this URL"
    if not counts["pages"]:
        return CrawlStatus.failed, counts, "; ".join(errors) or f"no page fetched ({reason})"
    if reason in INTERRUPTED or reason.startswith("closespider"):
        errors.insert(0, f"interrupted ({reason}); the next run resumes where this one stopped")
    if errors or stats.get("spider_exceptions/count"):
        return CrawlStatus.partial, counts, "; ".join(errors) or "spider errors (see the log)"
    return CrawlStatus.ok, counts, None


def finish_run(engine: Engine, run_id: int, stats: dict[str, Any]) -> CrawlRun:
    status, counts, error_summary = summarize(stats)
    with session_scope(engine) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        run.status, run.counts, run.error_summary = status, counts, error_summary
        run.finished_at = utcnow()
        session.add(run)
        return run


def fail_run(engine: Engine, run_id: int, message: str) -> CrawlRun:
    """Close a run that could not even start its spider."""
    with session_scope(engine) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        run.status, run.error_summary, run.finished_at = CrawlStatus.failed, message, utcnow()
        session.add(run)
        return run
