"""The service's background jobs: crawl scheduling and the response desk's ticks."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from classifier import load_configured_classifier
from core.config import Settings
from core.timeutil import utcnow
from crawlers.scheduler import CrawlScheduler, SubprocessDispatcher
from desk.telegram_bot import telegram_poller
from desk.worker import DeskWorker
from services.adaptation import Adapters, AdapterTraining
from services.labelling import ClassificationWorker


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


logger = logging.getLogger(__name__)


def warm_classifier(settings: Settings) -> threading.Thread:
    """Load the configured model once, in a thread, so the first request or labelling pass
    does not wait for it; a model that cannot load is reported by the labelling worker."""

    def load() -> None:
        started = time.monotonic()
        logger.info("loading the sentiment model %r", settings.model)
        try:
            classifier = load_configured_classifier(settings)
        except Exception as exc:  # the labelling worker retries and says so
            logger.warning("sentiment model not loaded at start-up: %s", exc)
            return
        logger.info(
            "sentiment model ready in %.1f s: %s (%s)",
            time.monotonic() - started,
            classifier.version,
            classifier.precision,
        )

    thread = threading.Thread(target=load, name="svetofor-model-load", daemon=True)
    thread.start()
    return thread


def labelling_nudge(settings: Settings) -> Callable[[], None]:
    """What the API calls after storing mentions: with a broker, ask the workers for a
    labelling pass now (at most one request per 200 ms across replicas); without one, the
    in-process worker finds them on its next tick anyway."""
    if not settings.distributed:
        return lambda: None

    def nudge() -> None:
        from workers.broker import enqueue  # Celery loads only where a broker is used

        try:
            enqueue(settings, "svetofor.classify_pending", debounce=timedelta(milliseconds=200))
        except Exception:  # the beat's sweep labels it within a tick anyway
            logger.warning("could not ask the workers to label new mentions", exc_info=True)

    return nudge


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
        on_batch_done=desk.deliver_now if settings.alert_at_once else None,
        adapters=Adapters(engine),
        trainer=AdapterTraining(
            engine, settings.adaptation_min_corrections, settings.adaptation_retrain_step
        ),
    )
    _every(scheduler, labels.tick, settings.classify_tick)
    poller = telegram_poller(engine, settings)
    if poller is not None:
        _every(scheduler, poller.tick, timedelta(seconds=3))
    scheduler.start()
    return scheduler
