"""Which language a text is written in (py3langid: offline, its model in the wheel).

The source's language is only a default: an English review on a Russian feed is English, and
its reply template should be too.
"""

from __future__ import annotations

import threading
from typing import Any

# Languages a mention stream realistically holds; a closed set makes short texts far
# more reliable than the detector's 97 languages.
LANGUAGES = ("ru", "en", "uk", "be", "kk", "de", "fr", "es", "it", "tr")
MIN_PROBABILITY = 0.5  # below this ("ok", "👍", a brand name alone) the text does not say
MIN_LETTERS = 3

_identifier: Any = None
_lock = threading.Lock()


def _loaded() -> Any:
    """The identifier, loaded once per process on first use (about 0.6 s)."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages(list(LANGUAGES))
                _identifier = identifier
    return _identifier


def detect_language(text: str | None, default: str | None = None) -> str | None:
    """The text's language code when the text says so clearly, else `default`."""
    if not text or sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return default
    lang, probability = _loaded().classify(text)
    return str(lang) if probability >= MIN_PROBABILITY else default
