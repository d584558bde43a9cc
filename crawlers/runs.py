"""CrawlRun bookkeeping: one running crawl per source, and an honest final status."""

from __future__ import annotations

import os
import socket
from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from core.db import session_scope
from core.timeutil import utcnow
from crawlers import stats as keys
from models import CrawlRun, CrawlStatus

# A run on another host that has said nothing for this long is presumed dead.
STALE_AFTER = timedelta(hours=6)
INTERRUPTED = {"shutdown", "cancelled"}
WORKER_GONE = "interrupted: worker"


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


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


def start_run(engine: Engine, source_id: int, worker: str | None = None) -> int | None:
    """Record a running crawl and return its id, or None if the source is already crawling."""
    now = utcnow()
    try:
        with session_scope(engine) as session:
            running = session.exec(
                select(CrawlRun).where(
                    CrawlRun.source_id == source_id, CrawlRun.status == CrawlStatus.running
                )
            ).first()
            if running is not None:
                alive = _worker_alive(running.worker)
                if alive or (alive is None and now - running.started_at < STALE_AFTER):
                    return None
                running.status = CrawlStatus.failed
                running.finished_at = now
                running.error_summary = f"{WORKER_GONE} {running.worker} is gone"
                session.add(running)
                session.flush()
            run = CrawlRun(source_id=source_id, worker=worker or this_worker(), started_at=now)
            session.add(run)
            session.flush()
            return run.id
    except IntegrityError:  # another process started one between our check and insert
        return None


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
