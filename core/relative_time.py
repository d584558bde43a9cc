"""Relative time words ("2 часа назад", "5h ago", "полчаса назад"): the one definition the
date parser reads them with and the deadline margin measures them by."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

UnitPrecision = Literal["minute", "approximate"]

# fmt: off
# Unit word prefixes -> (unit, precision), first match wins. Seconds and minutes pin the
# moment to the minute; half hours, hours and coarser units say only roughly when.
UNITS: tuple[tuple[str, str, UnitPrecision], ...] = (
    ("полчас", "half_hour", "approximate"),
    ("сек", "seconds", "minute"), ("second", "seconds", "minute"), ("sec", "seconds", "minute"),
    ("мин", "minutes", "minute"), ("minute", "minutes", "minute"), ("min", "minutes", "minute"),
    ("час", "hours", "approximate"), ("ч", "hours", "approximate"),
    ("hour", "hours", "approximate"), ("hr", "hours", "approximate"),
    ("день", "days", "approximate"), ("дн", "days", "approximate"),
    ("day", "days", "approximate"),
    ("недел", "weeks", "approximate"), ("week", "weeks", "approximate"),
    ("месяц", "months", "approximate"), ("мес", "months", "approximate"),
    ("month", "months", "approximate"),
    ("год", "years", "approximate"), ("лет", "years", "approximate"),
    ("year", "years", "approximate"),
)
# Abbreviations that only count as a unit on their own ("5h", "3d"): as prefixes they would
# swallow ordinary words.
SHORT_UNITS: dict[str, tuple[str, UnitPrecision]] = {
    "s": ("seconds", "minute"), "m": ("minutes", "minute"), "h": ("hours", "approximate"),
    "d": ("days", "approximate"), "w": ("weeks", "approximate"), "y": ("years", "approximate"),
}
# fmt: on
# How long one unit is: how much earlier than its point estimate "N units ago" may really be.
UNIT_LENGTH = {
    "seconds": timedelta(seconds=1),
    "minutes": timedelta(minutes=1),
    "half_hour": timedelta(minutes=30),
    "hours": timedelta(hours=1),
    "days": timedelta(days=1),
    "weeks": timedelta(weeks=1),
    "months": timedelta(days=31),
    "years": timedelta(days=366),
}
DAY_WORDS = frozenset({"вчера", "позавчера", "сегодня", "yesterday", "today"})
_WORD = re.compile(r"[a-zа-яё]+", re.IGNORECASE)


def unit_of(word: str) -> tuple[str, UnitPrecision] | None:
    """The unit a (lower-cased) word names, and how precise "N of them ago" is."""
    if word in SHORT_UNITS:
        return SHORT_UNITS[word]
    return next(((unit, p) for prefix, unit, p in UNITS if word.startswith(prefix)), None)


def margin(raw: str | None) -> timedelta:
    """How much earlier than its point estimate an approximate time may really be: one unit
    of the first unit word in `raw`; a day for day words and for wording we cannot read."""
    for word in _WORD.findall((raw or "").lower()):
        if word in DAY_WORDS:
            return timedelta(days=1)
        unit = unit_of(word)
        if unit is not None:
            return UNIT_LENGTH[unit[0]]
    return timedelta(days=1)  # unknown wording: a day is the cautious guess
