"""The Celery application: queues, routes, reliability settings and the beat schedule."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Celery

from core.config import Settings

# One queue per kind of work, so each can get its own workers (`svetofor worker --queues`).
QUEUES = ("crawl", "classify", "desk", "alerts")
TASK_QUEUES = {
    "svetofor.crawl_source": "crawl",
    "svetofor.classify_pending": "classify",
    "svetofor.train_adapters": "classify",
    "svetofor.deliver_alert": "alerts",
    "svetofor.desk_tick": "desk",
    "svetofor.dispatch_crawls": "desk",
    "svetofor.telegram_poll": "desk",
}

app = Celery("svetofor", include=["workers.tasks"])


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """What `svetofor beat` sends and how often. Each message expires after its period: with
    no worker on a queue, stale ticks do not pile up, the next one stands for them."""

    def every(task: str, period: timedelta) -> dict[str, Any]:
        seconds = period.total_seconds()
        return {
            "task": task,
            "schedule": seconds,
            "options": {"queue": TASK_QUEUES[task], "expires": max(seconds, 5.0)},
        }

    return {
        "dispatch-due-crawls": every("svetofor.dispatch_crawls", settings.scheduler_tick),
        "desk-tick": every("svetofor.desk_tick", settings.desk_tick),
        # a sweep beside the enqueues at storing time: work a lost message left behind
        "classify-sweep": every("svetofor.classify_pending", settings.classify_tick),
        "train-adapters": every("svetofor.train_adapters", timedelta(minutes=1)),
        **(
            {"telegram-poll": every("svetofor.telegram_poll", timedelta(seconds=3))}
            if settings.alert_telegram_polling
            else {}
        ),
    }


def configure(settings: Settings) -> Celery:
    """Point the app at the settings' broker; safe to call again."""
    if not settings.broker_url:
        raise ValueError("SVETOFOR_BROKER_URL is not set: there is no broker to use")
    app.conf.update(
        broker_url=settings.broker_url,
        broker_connection_retry_on_startup=True,
        # A task is acknowledged when it has finished, not when it starts: a worker killed
        # mid-task leaves its message to another. Every task is idempotent (database claims),
        # so running one twice doubles nothing.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Redis re-delivers an unacknowledged message after this; claims and leases in the
        # database recover sooner, so this only has to outlast the longest crawl.
        broker_transport_options={"visibility_timeout": 3600},
        task_ignore_result=True,
        task_routes={name: {"queue": queue} for name, queue in TASK_QUEUES.items()},
        task_default_queue="desk",
        timezone="UTC",
        enable_utc=True,
        beat_schedule=beat_schedule(settings),
        beat_max_loop_interval=5,  # the beat's heartbeat (`svetofor status`) stays fresh
        worker_hijack_root_logger=False,
    )
    return app
