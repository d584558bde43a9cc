"""A site's archive, imported: one summary alert instead of one alert per old review.

Mentions published longer than the brand's `alert_window` before they were found open no case
(`desk.triage.is_history`). When a source's first crawl stores more than a threshold of them,
the team gets one message saying so, once its mentions are labelled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from desk.alerts.outbox import enqueue
from desk.alerts.policy import AlertPolicy
from desk.triage import is_history
from models import AlertDelivery, AlertKind, Brand, CrawlRun, CrawlStatus, Mention, Source

# A first crawl finished longer ago than this is not summarised any more.
SUMMARY_WITHIN = timedelta(days=2)


def history_event_key(source_id: int) -> str:
    return f"history:{source_id}"


def summarize_history_imports(
    session: Session,
    policy: AlertPolicy,
    *,
    threshold: int,
    now: datetime,
    dashboard_url: str = "",
    decided: set[int] | None = None,
) -> int:
    """Queue one summary per source whose first crawl imported more than `threshold` older
    mentions; returns how many summaries were queued.

    `decided` (kept by the caller between ticks) holds the sources settled either way, so a
    source's first crawl is read once its mentions are labelled, not on every tick.
    """
    decided = set() if decided is None else decided
    if not policy.channels:
        return 0
    first_runs = session.exec(
        select(CrawlRun.source_id, func.min(CrawlRun.id))
        .where(col(CrawlRun.status) != CrawlStatus.running)
        .group_by(col(CrawlRun.source_id))
    ).all()
    queued = 0
    for source_id, run_id in first_runs:
        if source_id in decided:
            continue
        run = session.get(CrawlRun, run_id)
        if run is None or run.finished_at is None or now - run.finished_at > SUMMARY_WITHIN:
            continue
        key = history_event_key(source_id)
        if session.exec(select(AlertDelivery.id).where(AlertDelivery.event_key == key)).first():
            decided.add(source_id)
            continue
        imported = _imported_by(session, run)
        if any(m.sentiment_label is None and m.label_error is None for m in imported):
            continue  # wait until the first crawl's mentions are labelled
        source = session.get(Source, source_id)
        brand = session.get(Brand, source.brand_id) if source else None
        if source is None or brand is None:
            continue
        older = [m for m in imported if is_history(m, brand)]
        decided.add(source_id)  # labelled: the count cannot change any more
        if len(older) <= threshold:
            continue
        negative = sum(m.sentiment_label == "negative" for m in older)
        payload = {
            "event": AlertKind.history_import.value,
            "brand": brand.name,
            "source": source.name,
            "imported": len(older),
            "negative": negative,
            "alert_window_days": brand.alert_window,
            "text": (
                f"{source.name}: {len(older)} older mentions imported, {negative} negative "
                "— see the dashboard"
            ),
            "dashboard": f"{dashboard_url.rstrip('/')}/dashboard/sources",
        }
        enqueue(
            session, policy, kind=AlertKind.history_import, event_key=key, payload=payload, now=now
        )
        queued += 1
    return queued


def _imported_by(session: Session, run: CrawlRun) -> list[Mention]:
    """The mentions a crawl run discovered (stored between its start and its end)."""
    assert run.finished_at is not None
    return list(
        session.exec(
            select(Mention).where(
                Mention.source_id == run.source_id,
                col(Mention.discovered_at) >= run.started_at,
                col(Mention.discovered_at) <= run.finished_at,
            )
        )
    )
