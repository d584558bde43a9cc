"""CSV cells a spreadsheet will not run: the guard against formula injection (OWASP).

A review that starts with `=HYPERLINK("http://evil.example", "Колибри")` is a formula to Excel
and LibreOffice the moment a marketer opens an export. A cell whose text starts with one of
the characters that begin a formula gets a leading apostrophe, which both programs read as
"this is text" and do not show; `unguard` takes it off again when Svetofor reads its own CSV
back (`svetofor train --corrections`, `svetofor eval`), so a training file loses nothing.
Only text is guarded: numbers (a net sentiment of -0.25) stay numbers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# What begins a formula in Excel and LibreOffice: = + - @, a tab, a carriage return.
# Guarded: a formula character after any apostrophes, so that a text which itself begins
# "'=" gets one more apostrophe and reads back exactly.
_GUARDED = re.compile(r"'*[=+\-@\t\r]")
_UNGUARD = re.compile(r"'+[=+\-@\t\r]")


def guard(value: Any) -> Any:
    if isinstance(value, str) and _GUARDED.match(value):
        return "'" + value
    return value


def guard_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: guard(value) for key, value in row.items()}


def unguard(value: str) -> str:
    """The text `guard` was given: one leading apostrophe before a formula character goes."""
    return value[1:] if _UNGUARD.match(value) else value
