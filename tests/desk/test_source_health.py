"""Failing and silent sources, decided from their runs and schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desk.source_health import HealthRules, source_state
from models import CrawlRun, CrawlStatus, Source

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def source(schedule: str = "15m") -> Source:
    return Source(
        name="news",
        kind="feed",
        url="https://x",
        brand_id=1,
        schedule=schedule,
        created_at=NOW - timedelta(days=30),
    )


def run(status: CrawlStatus, minutes_ago: float, error: str | None = None) -> CrawlRun:
    at = NOW - timedelta(minutes=minutes_ago)
    return CrawlRun(source_id=1, status=status, started_at=at, finished_at=at, error_summary=error)


def test_three_failed_runs_in_a_row_make_a_source_failing() -> None:
    failed = [run(CrawlStatus.failed, m, "HTTP 500 at https://x") for m in (5, 20, 35)]
    state, reason = source_state(source(), failed, HealthRules(), NOW)
    assert (state, reason) == ("failing", "3 runs failed in a row: HTTP 500 at https://x")
    two = [*failed[:2], run(CrawlStatus.ok, 35)]
    assert source_state(source(), two, HealthRules(), NOW)[0] == "ok"


def test_no_finished_crawl_for_three_schedule_periods_is_silent() -> None:
    fresh = [run(CrawlStatus.ok, 40)]
    assert source_state(source("15m"), fresh, HealthRules(), NOW)[0] == "ok"
    stale = [run(CrawlStatus.ok, 50)]
    state, reason = source_state(source("15m"), stale, HealthRules(), NOW)
    assert state == "silent"
    assert reason is not None and reason.startswith("no crawl finished for over 45 min")
    # a daily cron source may rest for two days
    daily = [run(CrawlStatus.ok, 60 * 48)]
    assert source_state(source("0 9 * * *"), daily, HealthRules(), NOW)[0] == "ok"
