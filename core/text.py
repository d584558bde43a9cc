"""What counts as text: something a person can read, not spaces or zero-width characters."""

from __future__ import annotations


def visible(value: str | None) -> bool:
    """True when `value` has a character that shows (a letter, a digit, an emoji, a sign).

    Spaces, line breaks, no-break spaces and format characters (zero-width space, joiners,
    direction marks) are invisible: a mention of only those has nothing to label or answer.
    """
    return any(ch.isprintable() and not ch.isspace() for ch in value or "")
