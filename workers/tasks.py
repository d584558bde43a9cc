"""The tasks. Each is idempotent: run twice, or again after a worker died mid-way, it
doubles nothing — the database decides who does what (claims, row locks, unique keys,
advisory locks), never timing."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from core.locks import exclusive
from core.timeutil import utcnow
from crawlers.runs import recover_dead_runs
from crawlers.scheduler import due_sources
from desk.alerts.delivery import MAX_ATTEMPTS, deliver_one
from desk.telegram_bot import telegram_poller
from models import CrawlRun, CrawlStatus, DeliveryStatus, Source
from workers.app import app
from workers.broker import client, crawl_started, enqueue, mark_crawl_queued
from workers.runtime import runtime

logger = logging.getLogger(__name__)
MORE_WORK_DEBOUNCE = timedelta(milliseconds=200)


@app.task(name="svetofor.classify_pending")
def classify_pending() -> int:
    """Label one claimed batch of pending mentions; triage opens cases, their alerts are
    enqueued when the batch commits. A full batch asks for another pass (on any worker)."""
    labels = runtime().labels
    if not labels.available():
        return labels.triage_rated_without_model()
    taken = labels.run_once()
    if taken >= labels.limit:
        enqueue(runtime().settings, "svetofor.classify_pending", debounce=MORE_WORK_DEBOUNCE)
    return taken


@app.task(name="svetofor.train_adapters")
def train_adapters() -> int:
    """Train the brands' adapters that are due (one worker at a time)."""
    current = runtime()
    with exclusive(current.engine, "train_adapters") as mine:
        if not mine or not current.labels.available() or current.labels.trainer is None:
            return 0
        return current.labels.trainer.run_due(current.labels.classifier)


@app.task(name="svetofor.deliver_alert", bind=True, max_retries=MAX_ATTEMPTS)
def deliver_alert(self: Any, delivery_id: int) -> str:
    """Send one alert; a failed attempt is recorded on its outbox row and retried by Celery
    with the outbox's exponential backoff, until the outbox gives up."""
    current = runtime()
    row = deliver_one(
        current.engine,
        current.desk.channels(),
        delivery_id,
        rate_per_minute=current.settings.alert_rate_per_minute,
    )
    if row is None:
        return "not ours"  # sent or being sent by another, not due, or left to the bundler
    if row.status == DeliveryStatus.pending:
        wait = (row.next_attempt_at - utcnow()).total_seconds()
        raise self.retry(countdown=max(1.0, wait))
    return row.status.value


@app.task(name="svetofor.desk_tick")
def desk_tick() -> bool:
    """Deadlines, digest, source health, history summaries, the bundled alert sweep; if a
    second beat or a slow tick overlaps, the one holding the lock runs and the other skips."""
    current = runtime()
    with exclusive(current.engine, "desk_tick") as mine:
        if mine:
            current.desk.tick()
        return mine


@app.task(name="svetofor.dispatch_crawls")
def dispatch_crawls() -> list[str]:
    """Queue a crawl task for each due source that is not crawling; runs whose process died
    are marked failed first (their sources are due again at once)."""
    current = runtime()
    with exclusive(current.engine, "dispatch_crawls") as mine:
        if not mine:
            return []
        for run_id in recover_dead_runs(current.engine):
            logger.warning("crawl run %s died with its worker: marked failed", run_id)
        with Session(current.engine) as session:
            running = set(
                session.exec(
                    select(CrawlRun.source_id).where(CrawlRun.status == CrawlStatus.running)
                )
            )
            names = [s.name for s in due_sources(session) if s.id not in running]
        queued_at = utcnow().isoformat()
        url = current.settings.broker_url
        assert url
        # a source whose crawl still waits in the queue (a deep backlog) is not queued again
        queued = [name for name in names if mark_crawl_queued(url, name)]
        for name in queued:
            enqueue(current.settings, "svetofor.crawl_source", name, queued_at)
        return queued


def crawled_since(source_name: str, moment: datetime) -> bool:
    with Session(runtime().engine) as session:
        return (
            session.exec(
                select(CrawlRun.id)
                .join(Source, col(Source.id) == col(CrawlRun.source_id))
                .where(Source.name == source_name, col(CrawlRun.started_at) >= moment)
            ).first()
            is not None
        )


@app.task(name="svetofor.crawl_source")
def crawl_source(source_name: str, queued_at: str) -> int:
    """Crawl one source in a child process (Twisted's reactor cannot restart inside a worker);
    the child skips a source that started a crawl since this task was queued, so a tick
    queued twice, or re-delivered after a crash, crawls once."""
    settings = runtime().settings
    assert settings.broker_url
    crawl_started(settings.broker_url, source_name)
    if crawled_since(source_name, datetime.fromisoformat(queued_at)):
        return 0  # the cheap check first: no child process for a duplicate
    command = [sys.executable, "-m", "crawlers.one", source_name, "--not-since", queued_at]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.stdout.strip():
        logger.info("%s", done.stdout.strip())
    if done.returncode not in (0, 1):  # 1: the crawl ran and failed (its run says why)
        logger.error("crawl of %s exited %s: %s", source_name, done.returncode, done.stderr[-2000:])
    enqueue(settings, "svetofor.classify_pending", debounce=MORE_WORK_DEBOUNCE)
    return done.returncode


TELEGRAM_OFFSET = "svetofor:telegram:offset"


@app.task(name="svetofor.telegram_poll")
def telegram_poll() -> int:
    """Alert buttons pressed in Telegram, by long polling (one worker at a time; the offset
    of the last update handled lives in Redis, shared by every worker)."""
    current = runtime()
    url = current.settings.broker_url
    assert url
    with exclusive(current.engine, "telegram_poll") as mine:
        if not mine:
            return 0
        stored = client(url).get(TELEGRAM_OFFSET)
        poller = telegram_poller(current.engine, current.settings, int(stored) if stored else None)
        if poller is None:
            return 0
        handled = poller.tick()
        if poller.offset is not None:
            client(url).set(TELEGRAM_OFFSET, poller.offset)
        return handled
