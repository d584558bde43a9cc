"""What a worker process keeps between tasks: its engine, its desk, its labelling worker
(the model loads once per process, on the first classification task)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from celery.signals import worker_process_init
from sqlalchemy.engine import Engine

from classifier import load_configured_classifier
from core.config import Settings, get_settings
from core.db import make_engine
from desk.alerts.delivery import due_delivery_ids
from desk.worker import DeskWorker
from services.adaptation import Adapters, AdapterTraining
from services.labelling import ClassificationWorker
from workers.broker import enqueue

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    desk: DeskWorker
    labels: ClassificationWorker


def send_due_alerts(settings: Settings, engine: Engine) -> None:
    """One alert task per due delivery (a task finding its row claimed does nothing)."""
    for delivery_id in due_delivery_ids(engine):
        enqueue(settings, "svetofor.deliver_alert", delivery_id)


def build(settings: Settings) -> Runtime:
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    desk = DeskWorker(engine, settings)
    labels = ClassificationWorker(
        engine,
        lambda: load_configured_classifier(settings),
        on_classified=desk.triage,
        # a new case's alert goes out as soon as its batch commits, from any alert worker
        on_batch_done=(lambda: send_due_alerts(settings, engine))
        if settings.alert_at_once
        else None,
        limit=settings.classify_batch,
        adapters=Adapters(engine),
        trainer=AdapterTraining(
            engine, settings.adaptation_min_corrections, settings.adaptation_retrain_step
        ),
        lease=settings.label_lease,
    )
    return Runtime(settings, engine, desk, labels)


_current: Runtime | None = None


def runtime() -> Runtime:
    """This process's runtime, built on first use (in the pool's process, after the fork)."""
    global _current
    if _current is None:
        _current = build(get_settings())
    return _current


@worker_process_init.connect
def _forget_the_parents(**_: object) -> None:
    # A pooled process must not reuse connections its parent opened before forking.
    global _current
    if _current is not None:
        _current.engine.dispose(close=False)
    _current = None
