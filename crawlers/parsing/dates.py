"""Publication dates as sources print them → an aware UTC datetime and how precise it is."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateparser.date import DateDataParser
from dateutil.relativedelta import relativedelta

from core.relative_time import unit_of
from core.timeutil import publication_problem
from crawlers.parsing.item import Precision

RAW_MAX = 200  # the stored copy of the printed date is cut to this length
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_NUMERIC = re.compile(r"^[+-]?\d{9,19}(?:\.\d+)?$")
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
    r"\s*(?:Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$"
)
_RFC822 = re.compile(
    r"^(?:[A-Za-z]{3},?\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s+(?:[A-Za-z]{1,5}|[+-]\d{4}))?$"
)
_DOTTED = re.compile(
    r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})г?\.?"
    r"(?:[,\s]+(?:в\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_DAY_WORD = re.compile(
    r"^(сегодня|вчера|позавчера|today|yesterday)"
    r"(?:[,\s]+(?:в\s+|at\s+)?(\d{1,2})[:.](\d{2})(?:\s*([ap])\.?m\.?)?)?$"
)
_AGO = re.compile(r"^(?:(\S+)\s+)?([a-zа-яё]+)\.?\s+(?:назад|ago)$")
_JUST_NOW = frozenset({"только что", "сейчас", "just now", "now", "a moment ago", "moments ago"})
_TIME_SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")
_TIME_MINUTES = re.compile(r"\d{1,2}:\d{2}")

_DAY_OFFSETS = {"сегодня": 0, "today": 0, "вчера": 1, "yesterday": 1, "позавчера": 2}
# fmt: off
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "один": 1, "одну": 1, "одна": 1, "одно": 1, "два": 2, "две": 2, "пару": 2, "три": 3,
    "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10,
}
# fmt: on


@dataclass(frozen=True)
class ParsedDate:
    """A publication time: UTC instant (or None), its precision, and the printed original."""

    at: datetime | None
    precision: Precision | None
    raw: str | None


def parse_published(
    value: str | int | float | datetime | None,
    *,
    tz: str,
    now: datetime,
    languages: Sequence[str] = ("ru", "en"),
) -> ParsedDate:
    """Read a printed date or timestamp; never raises.

    Args:
        value: the date as the source gives it: text, epoch seconds/ms/µs, or a datetime.
        tz: the source's IANA time zone, used for times printed without an offset.
        now: the moment relative dates ("2 часа назад") count back from; aware.
        languages: languages tried for month names and relative words.

    Returns:
        ParsedDate with `at` in UTC, or `at=None, precision=None` when unreadable or
        impossible (before 1990 or more than a day ahead, `core.timeutil`);
        `raw` always keeps the original text (cut to 200 characters).
    """
    raw = _raw_string(value)
    if raw is None:
        return ParsedDate(None, None, None)
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    try:
        found = _parse(value, raw, zone, now, tuple(languages))
    except Exception:  # a date we cannot read must never lose the mention
        found = None
    if found is None:
        return ParsedDate(None, None, raw[:RAW_MAX])
    at, precision = found
    if publication_problem(at.astimezone(UTC)) is not None:  # against the real clock
        return ParsedDate(None, None, raw[:RAW_MAX])  # Go's zero time, 9999-12-31: unknown
    return ParsedDate(at.astimezone(UTC), precision, raw[:RAW_MAX])


def _raw_string(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _parse(
    value: object, text: str, zone: ZoneInfo, now: datetime, languages: tuple[str, ...]
) -> tuple[datetime, Precision] | None:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=zone)
        return aware, "exact"
    if isinstance(value, int | float) or _NUMERIC.match(text):
        return _from_epoch(value if isinstance(value, int | float) else text), "exact"
    if _ISO.match(text):
        return _from_iso(text, zone)
    if _RFC822.match(text):
        return _from_rfc822(text, zone)
    lowered = " ".join(text.lower().replace("ё", "е").split())
    return (
        _from_relative(lowered, zone, now)
        or _from_dotted(lowered, zone)
        or _from_dateparser(text, zone, now, languages)
    )


def epoch_seconds(seconds: int | float) -> datetime | None:
    """An API's Unix time (VK's `date`, Google Play's `[seconds, nanos]`) in UTC; None when no
    datetime has it (a corrupt 10**20, or milliseconds where seconds belong), never a raise
    that would lose the page's other mentions."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _from_epoch(value: int | float | str) -> datetime:
    """Seconds, milliseconds, microseconds or nanoseconds since 1970, told apart by size."""
    if isinstance(value, str):
        value = int(value) if value.lstrip("+-").isdigit() else float(value)
    magnitude = abs(value)
    if magnitude >= 1e17:  # nanoseconds
        micros = value // 1000 if isinstance(value, int) else value / 1000
    elif magnitude >= 1e14:  # microseconds (Google Maps)
        micros = value
    elif magnitude >= 1e11:  # milliseconds (JavaScript)
        micros = value * 1000
    else:  # seconds (Reddit, Unix)
        micros = value * 1_000_000
    return _EPOCH + timedelta(microseconds=micros if isinstance(micros, int) else round(micros))


def _from_iso(text: str, zone: ZoneInfo) -> tuple[datetime, Precision]:
    cleaned = re.sub(r"\s*UTC$", "+00:00", text).replace(",", ".")
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", cleaned)  # nanoseconds: Python keeps micros
    parsed = datetime.fromisoformat(cleaned)
    if len(text) <= 10:
        return _localize(datetime.combine(parsed.date(), time()), zone), "day"
    precision: Precision = "exact" if parsed.tzinfo or _TIME_SECONDS.search(text) else "minute"
    return (parsed if parsed.tzinfo else _localize(parsed, zone)), precision


def _from_rfc822(text: str, zone: ZoneInfo) -> tuple[datetime, Precision]:
    parsed = parsedate_to_datetime(text)
    if parsed.tzinfo is None:  # "-0000" means UTC by RFC 5322; no zone at all means local
        parsed = parsed.replace(tzinfo=UTC) if text.endswith("-0000") else _localize(parsed, zone)
    return parsed, "exact" if _TIME_SECONDS.search(text) else "minute"


def _from_relative(text: str, zone: ZoneInfo, now: datetime) -> tuple[datetime, Precision] | None:
    if text in _JUST_NOW:
        return now, "minute"
    if match := _DAY_WORD.match(text):
        word, hour, minute, ampm = match.groups()
        day = now.astimezone(zone).date() - timedelta(days=_DAY_OFFSETS[word])
        if hour is None:
            return _start_of_day(day, zone), "day"
        hours = int(hour) % 12 + (12 if ampm == "p" else 0) if ampm else int(hour)
        return _localize(datetime.combine(day, time(hours, int(minute))), zone), "minute"
    if match := _AGO.match(text):
        return _ago(match.group(1), match.group(2), zone, now)
    return None


def _ago(
    count_word: str | None, unit_word: str, zone: ZoneInfo, now: datetime
) -> tuple[datetime, Precision] | None:
    if count_word is None:
        count = 1
    elif count_word.isdigit():
        count = int(count_word)
    elif count_word in _NUMBER_WORDS:
        count = _NUMBER_WORDS[count_word]
    else:
        return None
    unit = unit_of(unit_word)
    if unit is None:
        return None
    name, precision = unit
    if name == "half_hour":
        return now - timedelta(minutes=30 * count), precision
    if name in ("seconds", "minutes", "hours"):  # elapsed time: count back in UTC
        return now - timedelta(**{name: count}), precision
    # Calendar units: count back on the local calendar, so DST shifts do not move the hour.
    local = now.astimezone(zone).replace(tzinfo=None) - relativedelta(**{name: count})
    return _localize(local, zone), precision


def _from_dotted(text: str, zone: ZoneInfo) -> tuple[datetime, Precision] | None:
    """DD.MM.YYYY [HH:MM[:SS]]: day first, as Russian and German sites print it."""
    match = _DOTTED.match(text)
    if match is None:
        return None
    day, month, year, hour, minute, second = match.groups()
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    when = date(full_year, int(month), int(day))
    if hour is None:
        return _start_of_day(when, zone), "day"
    moment = datetime.combine(when, time(int(hour), int(minute), int(second or 0)))
    return _localize(moment, zone), "exact" if second else "minute"


def _from_dateparser(
    text: str, zone: ZoneInfo, now: datetime, languages: tuple[str, ...]
) -> tuple[datetime, Precision] | None:
    local_now = now.astimezone(zone).replace(tzinfo=None)
    settings = {
        "RELATIVE_BASE": local_now,
        "TIMEZONE": zone.key,
        "TO_TIMEZONE": zone.key,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
    }
    data = DateDataParser(languages=list(languages), settings=settings).get_date_data(text)
    if data.date_obj is None:
        return None
    # dateparser gives the right wall time in `zone` but may attach the offset of `now`
    # (wrong across a DST change); attach the offset again from the zone database.
    wall = data.date_obj.replace(tzinfo=None)
    if _TIME_SECONDS.search(text):
        return _localize(wall, zone), "exact"
    if _TIME_MINUTES.search(text):
        return _localize(wall, zone), "minute"
    if data.period == "day" and wall.time() == time():
        return _start_of_day(wall.date(), zone), "day"
    return _localize(wall, zone), "approximate"


def _localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """Attach the zone's offset for that wall time (the earlier one when it is ambiguous)."""
    return naive.replace(tzinfo=zone)


def _start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return _localize(datetime.combine(day, time()), zone)
