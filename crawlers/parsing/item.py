"""What parsers return: mentions, the problems met on the way, and where the next page is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Precision = Literal["exact", "minute", "day", "approximate"]


@dataclass
class MentionItem:
    """One review, post or comment as a source shows it; the spider's only output."""

    external_id: str
    url: str | None = None
    author: str | None = None
    author_url: str | None = None
    title: str | None = None
    text: str = ""
    rating: int | None = None  # 1–5
    lang: str | None = None
    published_at: datetime | None = None  # aware, UTC
    published_precision: Precision | None = None
    # The date as the source printed it: an unparseable date is still shown to people.
    published_raw: str | None = None
    business_reply: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable source fields


@dataclass(frozen=True)
class ParseProblem:
    """Something on a page that could not become a mention; counted, never raised."""

    reason: str  # short and stable, used as a stats key: "no_id", "no_text", "bad_json"…
    detail: str = ""


@dataclass
class ParsedPage:
    """One page parsed: its mentions, its problems, and the way to the next page."""

    items: list[MentionItem] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    next_url: str | None = None
    cursor: str | None = None  # the site's own paging token (Telegram before, Reddit after…)


Found = MentionItem | ParseProblem | None | list[MentionItem | ParseProblem]

# What a parser raises when a record does not have the shape it expects (an API changed a
# field's type, a proxy mangled the answer): caught per record, or per page at the latest.
SHAPE_ERRORS = (AttributeError, KeyError, IndexError, TypeError, ValueError)


def shape_problem(exc: Exception, where: str = "") -> ParseProblem:
    """The `bad_record` problem an unexpected shape is: counted and logged, never raised."""
    detail = f"{type(exc).__name__}: {exc}"
    return ParseProblem("bad_record", (f"{where}: {detail}" if where else detail)[:200])


def add_record(page: ParsedPage, make: Callable[..., Found], *args: Any) -> None:
    """Put what `make(*args)` found on the page; a record it could not read is one problem
    there, and the page's other records are kept."""
    try:
        found = make(*args)
    except SHAPE_ERRORS as exc:
        found = shape_problem(exc)
    for one in found if isinstance(found, list) else [found]:
        if isinstance(one, ParseProblem):
            page.problems.append(one)
        elif one is not None:
            page.items.append(one)


def as_list(value: Any) -> list[Any]:
    """A field that should hold a list of records: anything else holds none."""
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
