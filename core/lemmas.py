"""Words and their dictionary forms (Russian through pymorphy3): what brand matching and the
complaint terms both read a text as."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-яё]")

_morph: Any = None
_morph_lock = threading.Lock()


def _analyzer() -> Any:
    """The pymorphy3 analyzer, loaded once per process on first use (about 0.2 s, 15 MB)."""
    global _morph
    if _morph is None:
        with _morph_lock:
            if _morph is None:
                import pymorphy3

                _morph = pymorphy3.MorphAnalyzer(lang="ru")
    return _morph


@lru_cache(maxsize=200_000)
def lemmas(word: str) -> frozenset[str]:
    """Every dictionary form a lower-cased word may come from, and the word itself."""
    word = word.replace("ё", "е")
    if not _CYRILLIC.search(word):
        return frozenset((word,))
    forms = {parse.normal_form.replace("ё", "е") for parse in _analyzer().parse(word)}
    forms.add(word)
    return frozenset(forms)


@lru_cache(maxsize=200_000)
def normal_form(word: str) -> str:
    """The most likely dictionary form of a lower-cased word (Russian), else the word."""
    word = word.replace("ё", "е")
    if not _CYRILLIC.search(word):
        return word
    return str(_analyzer().parse(word)[0].normal_form).replace("ё", "е")


def tokens(text: str) -> list[str]:
    """Lower-cased words of a text: letters and digits, split at everything else."""
    return _WORD.findall(text.lower())


def search_terms(text: str | None) -> str:
    """What full-text search indexes for a text: every dictionary form of every word, once,
    so "курьера" and "курьеры" both find "курьер" on SQLite and PostgreSQL alike."""
    seen: dict[str, None] = {}
    for word in tokens(text or ""):
        for form in sorted(lemmas(word)):
            seen.setdefault(form, None)
    return " ".join(seen)


def query_terms(query: str) -> list[frozenset[str]]:
    """A search query as one set of acceptable forms per word (all words must match)."""
    return [lemmas(word) for word in dict.fromkeys(tokens(query))]
