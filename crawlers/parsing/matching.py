"""Brand matching: keywords found in any inflected Russian form, Latin words on boundaries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from core.lemmas import lemmas, tokens


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
