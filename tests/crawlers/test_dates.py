"""Publication dates: a table of real-world strings per language and zone, DST included."""

from datetime import UTC, datetime

import pytest

from crawlers.parsing.dates import parse_published

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)  # Friday; Moscow 15:00, Berlin 13:00 (CET)
# The night Berlin springs forward (02:00 CET → 03:00 CEST): 01:30 UTC is 03:30 CEST.
SPRING_NOW = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
# The day Berlin falls back (03:00 CEST → 02:00 CET).
AUTUMN_NOW = datetime(2024, 10, 27, 10, 0, tzinfo=UTC)


def u(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


CASES = [
    # value, tz, now, expected UTC, precision
    ("вчера в 14:30", "Europe/Moscow", NOW, u("2024-03-14T11:30"), "minute"),
    ("Вчера, 14:30", "Europe/Moscow", NOW, u("2024-03-14T11:30"), "minute"),
    ("сегодня в 09:05", "Europe/Moscow", NOW, u("2024-03-15T06:05"), "minute"),
    ("позавчера", "Europe/Moscow", NOW, u("2024-03-12T21:00"), "day"),
    ("вчера", "Europe/Berlin", NOW, u("2024-03-13T23:00"), "day"),
    ("2 часа назад", "Europe/Moscow", NOW, u("2024-03-15T10:00"), "approximate"),
    ("5 минут назад", "Europe/Moscow", NOW, u("2024-03-15T11:55"), "minute"),
    ("1 ч. назад", "Europe/Moscow", NOW, u("2024-03-15T11:00"), "approximate"),
    ("только что", "Europe/Moscow", NOW, NOW, "minute"),
    ("неделю назад", "Europe/Moscow", NOW, u("2024-03-08T12:00"), "approximate"),
    ("3 дня назад", "Europe/Moscow", NOW, u("2024-03-12T12:00"), "approximate"),
    ("месяц назад", "Europe/Moscow", NOW, u("2024-02-15T12:00"), "approximate"),
    ("год назад", "Europe/Moscow", NOW, u("2023-03-15T12:00"), "approximate"),
    ("12 марта 2024", "Europe/Moscow", NOW, u("2024-03-11T21:00"), "day"),
    ("12 марта 2024 в 10:15", "Europe/Moscow", NOW, u("2024-03-12T07:15"), "minute"),
    ("12 мар 2024", "Europe/Moscow", NOW, u("2024-03-11T21:00"), "day"),
    ("1 января", "Europe/Moscow", NOW, u("2023-12-31T21:00"), "day"),
    ("12.03.2024", "Europe/Moscow", NOW, u("2024-03-11T21:00"), "day"),
    ("12.03.2024 в 18:42", "Europe/Moscow", NOW, u("2024-03-12T15:42"), "minute"),
    ("12.03.24 18:42:10", "Europe/Moscow", NOW, u("2024-03-12T15:42:10"), "exact"),
    ("2 months ago", "Europe/Berlin", NOW, u("2024-01-15T12:00"), "approximate"),
    ("a week ago", "Europe/Berlin", NOW, u("2024-03-08T12:00"), "approximate"),
    ("an hour ago", "Europe/Berlin", NOW, u("2024-03-15T11:00"), "approximate"),
    ("yesterday at 3:15 PM", "America/New_York", NOW, u("2024-03-14T19:15"), "minute"),
    ("March 12, 2024", "America/New_York", NOW, u("2024-03-12T04:00"), "day"),
    ("March 12, 2024 10:15:30", "Europe/Berlin", NOW, u("2024-03-12T09:15:30"), "exact"),
    # RFC 822 (RSS pubDate)
    ("Sun, 27 Nov 2011 19:21:13 GMT", "Europe/Moscow", NOW, u("2011-11-27T19:21:13"), "exact"),
    ("Thu, 26 Sep 2024 00:00:00 +0000", "Europe/Moscow", NOW, u("2024-09-26T00:00"), "exact"),
    ("Tue, 12 Mar 2024 10:00:00 +0300", "UTC", NOW, u("2024-03-12T07:00"), "exact"),
    ("Tue, 12 Mar 2024 10:00:00", "Europe/Berlin", NOW, u("2024-03-12T09:00"), "exact"),
    # ISO 8601, with and without an offset
    ("2023-02-24T07:26:49+00:00", "Europe/Moscow", NOW, u("2023-02-24T07:26:49"), "exact"),
    ("2024-03-10T12:34:56-07:00", "UTC", NOW, u("2024-03-10T19:34:56"), "exact"),
    ("2024-03-10T09:30:12.483121+07:00", "UTC", NOW, u("2024-03-10T02:30:12.483121"), "exact"),
    ("2024-03-12T10:15:30Z", "Europe/Moscow", NOW, u("2024-03-12T10:15:30"), "exact"),
    ("2024-03-12 10:15", "Europe/Moscow", NOW, u("2024-03-12T07:15"), "minute"),
    ("2024-03-12T10:15:30", "Europe/Berlin", NOW, u("2024-03-12T09:15:30"), "exact"),
    ("2024-07-12T10:15:30", "Europe/Berlin", NOW, u("2024-07-12T08:15:30"), "exact"),
    ("2024-03-12", "Europe/Moscow", NOW, u("2024-03-11T21:00"), "day"),
    # Epoch seconds, milliseconds, microseconds, as numbers and as text
    (1411005112, "Europe/Moscow", NOW, u("2014-09-18T01:51:52"), "exact"),
    (1411005112.0, "UTC", NOW, u("2014-09-18T01:51:52"), "exact"),
    ("1411005112", "UTC", NOW, u("2014-09-18T01:51:52"), "exact"),
    (1688125590509, "UTC", NOW, u("2023-06-30T11:46:30.509"), "exact"),
    (1772186522193853, "UTC", NOW, u("2026-02-27T10:02:02.193853"), "exact"),
    ("1772186522193853", "UTC", NOW, u("2026-02-27T10:02:02.193853"), "exact"),
    # DST: spring forward in Berlin. Elapsed time counts back in UTC…
    ("2 часа назад", "Europe/Berlin", SPRING_NOW, u("2024-03-30T23:30"), "approximate"),
    ("30 минут назад", "Europe/Berlin", SPRING_NOW, u("2024-03-31T01:00"), "minute"),
    # …wall times take the offset in force on their own date, not today's.
    ("вчера в 14:30", "Europe/Berlin", SPRING_NOW, u("2024-03-30T13:30"), "minute"),
    ("сегодня в 01:15", "Europe/Berlin", SPRING_NOW, u("2024-03-31T00:15"), "minute"),
    ("сегодня в 03:15", "Europe/Berlin", SPRING_NOW, u("2024-03-31T01:15"), "minute"),
    ("31.03.2024 02:30", "Europe/Berlin", SPRING_NOW, u("2024-03-31T01:30"), "minute"),
    # DST: fall back in Berlin; 02:30 happens twice, the first (summer) one is taken.
    ("27.10.2024 02:30", "Europe/Berlin", AUTUMN_NOW, u("2024-10-27T00:30"), "minute"),
    ("27.10.2024 03:30", "Europe/Berlin", AUTUMN_NOW, u("2024-10-27T02:30"), "minute"),
    ("вчера в 23:30", "Europe/Berlin", AUTUMN_NOW, u("2024-10-26T21:30"), "minute"),
    ("27 октября 2024, 12:00", "Europe/Berlin", AUTUMN_NOW, u("2024-10-27T11:00"), "minute"),
    ("неделю назад", "Europe/Berlin", AUTUMN_NOW, u("2024-10-20T09:00"), "approximate"),
    # Moscow: +04:00 in 2011–2014, +03:00 since; no DST now.
    ("2013-06-01 12:00", "Europe/Moscow", NOW, u("2013-06-01T08:00"), "minute"),
    ("2015-06-01 12:00", "Europe/Moscow", NOW, u("2015-06-01T09:00"), "minute"),
    ("27 октября 2024, 02:30", "Europe/Moscow", AUTUMN_NOW, u("2024-10-26T23:30"), "minute"),
]


@pytest.mark.parametrize(("value", "tz", "now", "expected", "precision"), CASES)
def test_real_world_dates(
    value: object, tz: str, now: datetime, expected: datetime, precision: str
) -> None:
    parsed = parse_published(value, tz=tz, now=now)
    assert parsed.at == expected
    assert parsed.at is not None and parsed.at.tzinfo is UTC
    assert parsed.precision == precision
    assert parsed.raw == str(value)


@pytest.mark.parametrize(
    "value", ["THIS IS A BAD DATE", "когда-то давно", "32.13.2024", "2024-13-45", "ololo назад"]
)
def test_unparseable_keeps_raw_and_never_raises(value: str) -> None:
    parsed = parse_published(value, tz="Europe/Moscow", now=NOW)
    assert (parsed.at, parsed.precision, parsed.raw) == (None, None, value)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_date_is_empty(value: str | None) -> None:
    assert parse_published(value, tz="UTC", now=NOW) == (parse_published(None, tz="UTC", now=NOW))
    assert parse_published(value, tz="UTC", now=NOW).raw is None


def test_unknown_zone_falls_back_to_utc() -> None:
    parsed = parse_published("2024-03-12 10:15", tz="Mars/Olympus", now=NOW)
    assert parsed.at == u("2024-03-12T10:15")


def test_aware_and_naive_datetimes() -> None:
    aware = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
    assert parse_published(aware, tz="Europe/Moscow", now=NOW).at == aware
    naive = datetime(2024, 3, 12, 10, 0)
    assert parse_published(naive, tz="Europe/Moscow", now=NOW).at == u("2024-03-12T07:00")


def test_long_raw_is_cut_for_storage() -> None:
    parsed = parse_published("x" * 500, tz="UTC", now=NOW)
    assert parsed.at is None and parsed.raw == "x" * 200


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00Z", "1950-01-01", "9999-12-31T23:59:59Z", "253402300799"]
)
def test_impossible_dates_are_unknown_not_stored(value: str) -> None:
    # Go's zero time, a 32-bit-breaking 1950, a generator's 9999: the raw text is kept
    parsed = parse_published(value, tz="UTC", now=NOW)
    assert (parsed.at, parsed.precision, parsed.raw) == (None, None, value)
