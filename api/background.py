"""The service's background jobs: crawl scheduling and the response desk's ticks."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from core.classification import ClassificationWorker
from core.config import Settings
from core.sentiment import load_configured_classifier
from core.timeutil import utcnow
from crawlers.scheduler import CrawlScheduler, SubprocessDispatcher
from desk.worker import DeskWorker


def _every(scheduler: BackgroundScheduler, job: Any, tick: timedelta) -> None:
    # max_instances=1 + coalesce: a slow tick is never run twice at once nor queued up.
    scheduler.add_job(
        job,
        "interval",
        seconds=tick.total_seconds(),
        next_run_time=utcnow(),
        max_instances=1,
        coalesce=True,
    )


# A tick still running when the next is due is skipped on purpose (max_instances=1); APScheduler
# would log each skip as a warning, e.g. every 2 s while the model loads on first use.
logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)


def start_background_jobs(engine: Engine, settings: Settings) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    crawls = CrawlScheduler(engine, SubprocessDispatcher())
    _every(scheduler, crawls.run_due, settings.scheduler_tick)
    desk = DeskWorker(engine, settings)
    _every(scheduler, desk.tick, settings.desk_tick)
    labels = ClassificationWorker(
        engine,
        lambda: load_configured_classifier(settings),
        on_classified=lambda session, mention: desk.triage(session, mention),
    )
    _every(scheduler, labels.tick, settings.classify_tick)
    scheduler.start()
    return scheduler
