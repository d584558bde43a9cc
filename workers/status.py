"""`svetofor status`: what an operator checks first — is work waiting, is anyone doing it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kombu.exceptions import KombuError
from redis.exceptions import RedisError
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, func, select

from core.config import Settings
from core.timeutil import utcnow
from models import AlertDelivery, CrawlRun, CrawlStatus, DeliveryStatus, Mention

# What an unreachable or refusing broker raises: kombu wraps redis-py's errors for Celery's
# ping; the queue depths and the beat's heartbeat read Redis directly.
BROKER_DOWN: tuple[type[Exception], ...] = (KombuError, RedisError, OSError)


def _age(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else round((now - moment).total_seconds(), 1)


def database_status(engine: Engine, now: datetime | None = None) -> dict[str, Any]:
    """Backlogs as the database sees them (true in any topology)."""
    now = now or utcnow()
    waiting = col(Mention.sentiment_label).is_(None) & col(Mention.label_error).is_(None)
    with Session(engine) as session:
        unlabelled, oldest_mention = session.exec(
            select(func.count(), func.min(Mention.discovered_at)).where(waiting)
        ).one()
        claimed = session.exec(
            select(func.count()).where(col(Mention.label_claimed_until) > now)
        ).one()
        set_aside = session.exec(
            select(func.count()).where(col(Mention.label_error).is_not(None))
        ).one()
        alerts, oldest_alert = session.exec(
            select(func.count(), func.min(AlertDelivery.created_at)).where(
                col(AlertDelivery.status).in_([DeliveryStatus.pending, DeliveryStatus.sending])
            )
        ).one()
        failed = session.exec(
            select(func.count()).where(AlertDelivery.status == DeliveryStatus.failed)
        ).one()
        crawling = session.exec(
            select(func.count()).where(CrawlRun.status == CrawlStatus.running)
        ).one()
    if isinstance(oldest_mention, str):  # SQLite hands an aggregate's datetime back as text
        oldest_mention = datetime.fromisoformat(oldest_mention).replace(tzinfo=now.tzinfo)
    if isinstance(oldest_alert, str):
        oldest_alert = datetime.fromisoformat(oldest_alert).replace(tzinfo=now.tzinfo)
    return {
        "mentions_unlabelled": int(unlabelled),
        "oldest_unlabelled_age_s": _age(oldest_mention, now),
        "mentions_being_labelled": int(claimed),
        "mentions_set_aside": int(set_aside),
        "alerts_pending": int(alerts),
        "oldest_pending_alert_age_s": _age(oldest_alert, now),
        "alerts_failed": int(failed),
        "crawls_running": int(crawling),
    }


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True) if "://" in url else url


def broker_status(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """Queues, workers and the beat, as the broker sees them."""
    from workers.app import configure
    from workers.broker import last_beat, queue_depths

    assert settings.broker_url
    replies = configure(settings).control.ping(timeout=1.5) or []
    beat = last_beat(settings.broker_url)
    now = now or utcnow()
    return {
        "broker": _safe(settings.broker_url),
        "queues": queue_depths(settings.broker_url),
        "workers": sorted(name for reply in replies for name in reply),
        "last_beat_age_s": _age(beat, now),
    }


def system_status(settings: Settings, engine: Engine) -> dict[str, Any]:
    status: dict[str, Any] = {
        "mode": "distributed" if settings.distributed else "embedded",
        "database": database_status(engine),
    }
    if settings.distributed:
        try:
            status.update(broker_status(settings))
        except BROKER_DOWN as exc:
            # the question `status` answers includes "is the broker there?": say no, not crash
            status["broker"] = _safe(settings.broker_url or "")
            status["broker_error"] = str(exc).strip().splitlines()[0] if str(exc) else repr(exc)
    return status
