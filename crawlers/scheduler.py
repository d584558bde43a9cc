"""Which sources are due, and the background loop that dispatches their crawls."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import datetime, timedelta
from typing import Protocol

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.schedule import parse_schedule
from core.timeutil import utcnow
from crawlers.runs import WORKER_GONE, recover_dead_runs
from models import CrawlRun, Source

logger = logging.getLogger(__name__)


def is_due(schedule: str, timezone: str, last_start: datetime | None, now: datetime) -> bool:
    """Due when never crawled, or when the schedule fired since the last crawl started."""
    if last_start is None:
        return True
    parsed = parse_schedule(schedule, timezone)
    if parsed.interval is not None:
        return last_start + parsed.interval <= now
    assert parsed.cron is not None
    trigger = CronTrigger.from_crontab(parsed.cron, timezone=timezone)
    next_fire = trigger.get_next_fire_time(None, last_start + timedelta(microseconds=1))
    return next_fire is not None and next_fire <= now


def due_sources(session: Session, now: datetime | None = None) -> list[Source]:
    now = now or utcnow()
    # A run whose process died does not count: its source is due again at once.
    last_runs = dict(
        session.exec(
            select(CrawlRun.source_id, func.max(CrawlRun.started_at))
            .where(
                col(CrawlRun.error_summary).is_(None)
                | ~col(CrawlRun.error_summary).startswith(WORKER_GONE)
            )
            .group_by(col(CrawlRun.source_id))
        ).all()
    )
    due = []
    for source in session.exec(select(Source).where(col(Source.enabled)).order_by(Source.name)):
        last = last_runs.get(source.id or 0)
        requested = source.crawl_requested_at is not None and (
            last is None or last < source.crawl_requested_at
        )
        if requested or is_due(source.schedule, source.timezone, last, now):
            due.append(source)
    return due


class Dispatcher(Protocol):
    """Where crawl jobs go: local processes now, a distributed queue later."""

    def dispatch(self, source_name: str) -> None: ...

    def busy(self) -> set[str]: ...


class SubprocessDispatcher:
    """Each crawl in its own `svetofor crawl NAME` process: a crashing spider harms nothing."""

    def __init__(self, extra_args: list[str] | None = None) -> None:
        self.extra_args = extra_args or []
        self.children: dict[str, subprocess.Popen[bytes]] = {}

    def dispatch(self, source_name: str) -> None:
        command = [sys.executable, "-m", "svetofor.main", "crawl", *self.extra_args, source_name]
        self.children[source_name] = subprocess.Popen(command, stdout=subprocess.DEVNULL)

    def busy(self) -> set[str]:
        for name, child in list(self.children.items()):
            if child.poll() is not None:
                if child.returncode:
                    logger.warning("crawl of %s exited with %s", name, child.returncode)
                del self.children[name]
        return set(self.children)

    def wait(self) -> None:
        for child in self.children.values():
            child.wait()


class CrawlScheduler:
    """Each tick, dispatch the due sources that are not already crawling."""

    def __init__(self, engine: Engine, dispatcher: Dispatcher) -> None:
        self.engine = engine
        self.dispatcher = dispatcher

    def run_due(self) -> list[str]:
        try:
            for run_id in recover_dead_runs(self.engine):
                logger.warning("crawl run %s died with its process: marked failed", run_id)
            with Session(self.engine) as session:
                names = [s.name for s in due_sources(session)]
            busy = self.dispatcher.busy()
            started = [name for name in names if name not in busy]
            for name in started:
                self.dispatcher.dispatch(name)
            return started
        except Exception:  # the loop must survive anything one tick runs into
            logger.exception("crawl scheduler tick failed")
            return []
