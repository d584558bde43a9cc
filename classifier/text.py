"""Text normalisation shared by training and inference (the model sees the same thing in both)."""

from __future__ import annotations

import re

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_USER = re.compile(r"(?<!\w)@\w+")
_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Replace links and @handles with placeholders and collapse whitespace.

    Links and handles carry no sentiment but cost many tokens (t.co hashes) and let a model
    memorise accounts; the placeholders follow the usual tweet-model convention.
    """
    text = _URL.sub("http", text)
    text = _USER.sub("@user", text)
    return _SPACE.sub(" ", text).strip()
