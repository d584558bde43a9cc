"""A server's Retry-After read into a finite wait, whatever the server sends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.retry_after import retry_after

NOW = datetime(2026, 12, 8, 7, 28, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("120", 60.0),  # capped
        ("7", 7.0),
        (b"2.5", 2.5),
        ("Tue, 08 Dec 2026 07:28:30 GMT", 30.0),  # RFC 9110's HTTP date
        ("Tue, 08 Dec 2026 07:00:00 GMT", 0.0),  # already past: no wait
        ("-5", 0.0),
        ("inf", 60.0),
        ("nan", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after(header: str | bytes | None, wait: float | None) -> None:
    assert retry_after(header, cap=60.0, now=NOW) == wait
