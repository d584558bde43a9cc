"""Deadline arithmetic against a frozen clock: midnight, DST, weekends, zones, late discovery."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.calendar import BusinessHours
from desk.deadlines import approximate_margin, first_reply_deadline
from models.mention import Precision

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")


def deadline(
    published: datetime | None,
    *,
    discovered: datetime | None = None,
    precision: Precision | None = Precision.exact,
    raw: str | None = None,
    hours: int = 24,
    calendar: BusinessHours | None = None,
):
    discovered = discovered or (published or datetime(2026, 1, 1, tzinfo=UTC))
    return first_reply_deadline(
        published_at=published,
        precision=precision,
        published_raw=raw,
        discovered_at=discovered,
        response_hours=hours,
        calendar=calendar,
    )


def test_24_hours_across_midnight() -> None:
    published = datetime(2026, 11, 22, 23, 30, tzinfo=MSK)
    result = deadline(published)
    assert result.due_at == datetime(2026, 11, 23, 23, 30, tzinfo=MSK)
    assert (result.basis, result.note, result.breached_on_discovery) == ("published", None, False)


def test_calendar_hours_across_dst_are_real_hours() -> None:
    # Berlin springs forward on 2026-03-29 02:00: 24 real hours after noon reads 13:00.
    published = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    due = deadline(published).due_at
    assert due.astimezone(UTC) - published.astimezone(UTC) == timedelta(hours=24)
    assert due.astimezone(BERLIN) == datetime(2026, 3, 29, 13, 0, tzinfo=BERLIN)
    # ...and falls back on 2026-10-25: the wall clock shows one hour less.
    published = datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN)
    assert deadline(published).due_at.astimezone(BERLIN) == datetime(
        2026, 10, 25, 11, 0, tzinfo=BERLIN
    )


OFFICE = BusinessHours(timezone="Europe/Moscow", start=time(9), end=time(17))


@pytest.mark.parametrize(
    ("published", "hours", "due"),
    [
        # Friday 16:00 + 2 business hours: one on Friday, one on Monday morning.
        (datetime(2026, 11, 20, 16, 0, tzinfo=MSK), 2, datetime(2026, 11, 23, 10, 0, tzinfo=MSK)),
        # Published on Saturday night: the clock starts Monday 09:00.
        (datetime(2026, 11, 21, 23, 0, tzinfo=MSK), 3, datetime(2026, 11, 23, 12, 0, tzinfo=MSK)),
        # Before opening: starts at 09:00 the same day.
        (datetime(2026, 11, 24, 6, 0, tzinfo=MSK), 8, datetime(2026, 11, 24, 17, 0, tzinfo=MSK)),
        # Exactly a full day's hours ends at closing, not next morning.
        (datetime(2026, 11, 24, 9, 0, tzinfo=MSK), 8, datetime(2026, 11, 24, 17, 0, tzinfo=MSK)),
        # 24 business hours = three 8-hour days.
        (datetime(2026, 11, 24, 12, 0, tzinfo=MSK), 24, datetime(2026, 11, 27, 12, 0, tzinfo=MSK)),
    ],
)
def test_business_hours(published: datetime, hours: int, due: datetime) -> None:
    assert deadline(published, hours=hours, calendar=OFFICE).due_at == due


def test_business_hours_skip_holidays() -> None:
    calendar = BusinessHours(
        timezone="Europe/Moscow", start=time(9), end=time(17), holidays=(date(2026, 11, 4),)
    )
    published = datetime(2026, 11, 3, 16, 0, tzinfo=MSK)
    assert deadline(published, hours=2, calendar=calendar).due_at == datetime(
        2026, 11, 5, 10, 0, tzinfo=MSK
    )


def test_business_hours_across_a_dst_weekend_in_new_york() -> None:
    # US clocks spring forward Sunday 2026-03-08; Friday 16:00 EST + 2h → Monday 10:00 EDT.
    calendar = BusinessHours(timezone="America/New_York", start=time(9), end=time(17))
    published = datetime(2026, 3, 6, 16, 0, tzinfo=NY)
    due = deadline(published, hours=2, calendar=calendar).due_at
    assert due == datetime(2026, 3, 9, 10, 0, tzinfo=NY)
    assert due.utcoffset() == timedelta(0) and due == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def test_a_time_zone_other_than_the_servers() -> None:
    # A Vladivostok team: a review at 20:00 Moscow time is 03:00 next day in Vladivostok.
    calendar = BusinessHours(timezone="Asia/Vladivostok", start=time(9), end=time(18))
    published = datetime(2026, 11, 24, 20, 0, tzinfo=MSK)
    assert deadline(published, hours=1, calendar=calendar).due_at == datetime(
        2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Vladivostok")
    )


def test_late_discovery_opens_breached_with_the_lag() -> None:
    published = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    discovered = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    result = deadline(published, discovered=discovered)
    assert result.breached_on_discovery
    assert result.discovery_lag == timedelta(hours=26)
    assert result.due_at == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def test_approximate_time_counts_from_the_earliest_possible_moment() -> None:
    # "2 часа назад" seen at 12:00 → parsed as 10:00, but it may be as early as 09:00.
    result = deadline(
        datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
        precision=Precision.approximate,
        raw="2 часа назад",
        discovered=datetime(2026, 11, 22, 12, 0, tzinfo=UTC),
    )
    assert result.start == datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert result.due_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert result.basis == "published_earliest"
    assert "earliest possible moment" in (result.note or "")


def test_approximate_months_ago() -> None:
    result = deadline(
        datetime(2026, 9, 22, tzinfo=UTC),
        precision=Precision.approximate,
        raw="2 months ago",
        discovered=datetime(2026, 11, 22, tzinfo=UTC),
    )
    assert result.start == datetime(2026, 8, 22, tzinfo=UTC)
    assert result.breached_on_discovery


def test_day_precision_counts_from_the_end_of_that_day_or_discovery() -> None:
    # "22 ноября" could be any hour of it: the kinder reading is its end, but never later than
    # the moment we found it
    start_of_day = datetime(2026, 11, 21, 21, 0, tzinfo=UTC)  # 22 Nov 00:00 in Moscow
    found_that_day = deadline(
        start_of_day,
        precision=Precision.day,
        raw="22 ноября 2026",
        discovered=datetime(2026, 11, 22, 15, 0, tzinfo=UTC),
    )
    assert found_that_day.start == datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    assert found_that_day.due_at == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    assert found_that_day.note == "publication day only: counted from the end of that day"
    assert not found_that_day.breached_on_discovery
    found_next_day = deadline(
        start_of_day,
        precision=Precision.day,
        raw="вчера",
        discovered=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
    )
    assert found_next_day.start == datetime(2026, 11, 22, 21, 0, tzinfo=UTC)  # 23 Nov 00:00 MSK
    assert found_next_day.due_at == datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
    assert not found_next_day.breached_on_discovery


@pytest.mark.parametrize(
    ("raw", "margin"),
    [
        ("2 часа назад", timedelta(hours=1)),
        ("5 ч назад", timedelta(hours=1)),
        ("5h ago", timedelta(hours=1)),
        ("полчаса назад", timedelta(minutes=30)),
        ("10 мин назад", timedelta(minutes=1)),
        ("3 weeks ago", timedelta(weeks=1)),
        ("вчера в 14:00", timedelta(days=1)),
        ("когда-то", timedelta(days=1)),
    ],
)
def test_the_margin_reads_the_units_the_date_parser_reads(raw: str, margin: timedelta) -> None:
    assert approximate_margin(raw) == margin


def test_an_approximate_hours_review_found_at_once_is_not_opened_late() -> None:
    # "5 ч назад" found now: 5 to 6 hours old, well inside a 24-hour deadline
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    for raw in ("5 ч назад", "5h ago", "полчаса назад"):
        result = deadline(
            now - timedelta(hours=5), precision=Precision.approximate, raw=raw, discovered=now
        )
        assert not result.breached_on_discovery, raw
        assert result.due_at >= now + timedelta(hours=18), raw


def test_unknown_time_counts_from_discovery_and_says_so() -> None:
    discovered = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    result = deadline(None, precision=None, discovered=discovered)
    assert (result.start, result.basis) == (discovered, "discovered")
    assert result.due_at == discovered + timedelta(hours=24)
    assert result.note == "publication time unknown: counted from discovery"
    assert result.discovery_lag is None and not result.breached_on_discovery


def test_invalid_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="end must be after start"):
        BusinessHours(start=time(18), end=time(9))
    with pytest.raises(ValueError, match="days must be some of"):
        BusinessHours(days=("funday",))
