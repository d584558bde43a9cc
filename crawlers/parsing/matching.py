"""Brand matching: keywords found in any inflected Russian form, Latin words on boundaries."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
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


class _Phrase:
    """One keyword or exclusion: a sequence of words, each matched by any of its lemmas."""

    def __init__(self, phrase: str) -> None:
        self.text = phrase
        self.words = [lemmas(word) for word in tokens(phrase)]

    def found_in(self, text_lemmas: Sequence[frozenset[str]]) -> bool:
        size = len(self.words)
        if size == 0:
            return False
        for start in range(len(text_lemmas) - size + 1):
            if all(self.words[offset] & text_lemmas[start + offset] for offset in range(size)):
                return True
        return False


class BrandMatcher:
    """Is a text about the brand? Keywords in any case and inflection, minus exclusions.

    `BrandMatcher(["Сбербанк", "Тинькофф Банк"], exclude=["сбербанк онлайн вакансии"])`
    matches "Пишу про Сбербанка отделение" and "в Тинькофф банке", but not a text that also
    contains an exclusion phrase.
    """

    def __init__(self, keywords: Iterable[str], exclude: Iterable[str] = ()) -> None:
        self.keywords = [_Phrase(k) for k in keywords if k and k.strip()]
        self.exclude = [_Phrase(e) for e in exclude if e and e.strip()]

    def match(self, text: str | None) -> str | None:
        """The first keyword the text mentions, or None (also when an exclusion is present)."""
        if not text:
            return None
        text_lemmas = [lemmas(word) for word in tokens(text)]
        hit = next((k.text for k in self.keywords if k.found_in(text_lemmas)), None)
        if hit is None or any(e.found_in(text_lemmas) for e in self.exclude):
            return None
        return hit

    def matches(self, text: str | None) -> bool:
        """True when the text is about the brand."""
        return self.match(text) is not None
