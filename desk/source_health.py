"""Source health: a source that is blocked, failing run after run, or not crawled for far
longer than its schedule tells the team so — once when it starts, once when it recovers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from core.schedule import typical_gap
from desk.alerts.outbox import enqueue
from desk.alerts.policy import AlertPolicy
from models import AlertKind, Brand, CrawlRun, CrawlStatus, Source

OK = "ok"
HEALTH_TEXTS = {
    "blocked": "blocked by the site",
    "failing": "failing",
    "silent": "not crawled",
}


@dataclass(frozen=True)
class HealthRules:
    failing_runs: int = 3  # this many failed runs in a row make a source "failing"
    silent_factor: float = 3.0  # no finished run for this many schedule periods: "silent"


def source_state(
    source: Source, runs: list[CrawlRun], rules: HealthRules, now: datetime
) -> tuple[str, str | None]:
    """(state, reason) from a source's latest finished runs, newest first."""
    finished = [r for r in runs if r.status != CrawlStatus.running]
    if finished and finished[0].status == CrawlStatus.blocked:
        return "blocked", finished[0].error_summary or "the site refuses our crawler"
    recent = finished[: rules.failing_runs]
    if len(recent) == rules.failing_runs and all(r.status == CrawlStatus.failed for r in recent):
        return "failing", f"{rules.failing_runs} runs failed in a row: {recent[0].error_summary}"
    gap = typical_gap(source.schedule, source.timezone, now) * rules.silent_factor
    last = finished[0].finished_at if finished else None
    if now - (last or source.created_at) > gap:
        when = last.isoformat() if last else "never"
        return "silent", f"no crawl finished for over {_hours(gap)} (last: {when})"
    return OK, None


def check_source_health(
    session: Session, policy: AlertPolicy, rules: HealthRules, now: datetime
) -> int:
    """Update every enabled source's health; alert each change; return how many changed."""
    changed = 0
    for source in session.exec(select(Source).where(col(Source.enabled))):
        runs = list(
            session.exec(
                select(CrawlRun)
                .where(CrawlRun.source_id == source.id)
                .order_by(col(CrawlRun.id).desc())
                .limit(rules.failing_runs + 1)
            )
        )
        state, reason = source_state(source, runs, rules, now)
        if state == source.health:
            if reason != source.health_reason:
                source.health_reason = reason
                session.add(source)
            continue
        previous, since = source.health, source.health_since
        source.health, source.health_since, source.health_reason = state, now, reason
        session.add(source)
        _alert(session, policy, source, previous, since, now)
        changed += 1
    return changed


def _alert(
    session: Session,
    policy: AlertPolicy,
    source: Source,
    previous: str,
    since: datetime | None,
    now: datetime,
) -> None:
    brand = session.get(Brand, source.brand_id)
    recovered = source.health == OK
    if recovered:
        text = f"{source.name} recovered (was {HEALTH_TEXTS.get(previous, previous)})"
    else:
        text = f"{source.name} is {HEALTH_TEXTS[source.health]}: {source.health_reason}"
    payload = {
        "event": AlertKind.source_health.value,
        "brand": brand.name if brand else None,
        "source": source.name,
        "state": source.health,
        "previous": previous,
        "recovered": recovered,
        "reason": source.health_reason,
        "problem_since": since.isoformat() if recovered and since else None,
        "text": text,
    }
    enqueue(
        session,
        policy,
        kind=AlertKind.source_health,
        event_key=f"source:{source.id}:{source.health}:{now.isoformat()}",
        payload=payload,
        now=now,
        priority="high" if not recovered else "normal",
    )


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.0f} h" if hours >= 1 else f"{span.total_seconds() / 60:.0f} min"
