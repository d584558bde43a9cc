"""Map a model's own label names (id2label) onto negative / neutral / positive."""

from __future__ import annotations

import re
from collections.abc import Mapping

from core.labels import LABELS as LABELS

_SYNONYMS = {
    "negative": {"negative", "neg", "bad", "very negative", "strongly negative"},
    "neutral": {"neutral", "neu", "none", "objective"},
    "positive": {"positive", "pos", "good", "very positive", "strongly positive"},
}
_STARS = re.compile(r"^([1-5])\s*(?:star|stars|звезда|звезды|звёзд|звезд)$")
_GENERIC = re.compile(r"^(?:label\s*)?(\d+)$")
# Order conventions for models that only say LABEL_0, LABEL_1, ...
_GENERIC_ORDER = {
    2: ("negative", "positive"),
    3: ("negative", "neutral", "positive"),
    5: ("negative", "negative", "neutral", "positive", "positive"),
}


class LabelMappingError(ValueError):
    """A model label could not be mapped; pass an explicit `label_map`."""


def _norm(name: str) -> str:
    return re.sub(r"[_\-\s]+", " ", name.strip().lower())


def canonical_label(name: str, index: int, num_labels: int) -> str | None:
    """Best guess for one label name, or None when the name is not obvious."""
    key = _norm(name)
    for canon, names in _SYNONYMS.items():
        if key in names:
            return canon
    stars = _STARS.match(key)
    if stars and num_labels == 5:
        return _GENERIC_ORDER[5][int(stars.group(1)) - 1]
    generic = _GENERIC.match(key)
    if generic and num_labels in _GENERIC_ORDER and int(generic.group(1)) in (index, index + 1):
        return _GENERIC_ORDER[num_labels][index]  # 0-based LABEL_k or 1-based "k"
    return None


def resolve_label_map(
    id2label: Mapping[int, str], override: Mapping[str, str] | None = None
) -> dict[int, str]:
    """Canonical class for every output index of a model.

    Args:
        id2label: the model's index -> label name (from its config).
        override: explicit mapping whose keys are label names or indices (as str or int) and
            whose values are negative/neutral/positive; it wins over the guesses.

    Returns:
        index -> canonical label.

    Raises:
        LabelMappingError: when a label is neither overridden nor recognisable.
    """
    override = {str(k).strip(): v.strip().lower() for k, v in (override or {}).items()}
    bad = {v for v in override.values() if v not in LABELS}
    if bad:
        raise LabelMappingError(f"override values must be one of {LABELS}, got {sorted(bad)}")
    num = len(id2label)
    out: dict[int, str] = {}
    for index, name in sorted((int(i), n) for i, n in id2label.items()):
        canon = override.get(name) or override.get(str(index)) or canonical_label(name, index, num)
        if canon is None:
            raise LabelMappingError(
                f"cannot map model label {name!r} (index {index}) onto {LABELS}; "
                "pass label_map={'<model label>': 'negative'|'neutral'|'positive', ...}"
            )
        out[index] = canon
    return out


def parse_label_map(spec: str | None) -> dict[str, str]:
    """Parse `"LABEL_0=negative,LABEL_1=positive"` (the settings/CLI form) into a dict."""
    if not spec:
        return {}
    pairs = [p.split("=", 1) for p in spec.split(",") if p.strip()]
    if any(len(p) != 2 for p in pairs):
        raise LabelMappingError(f"bad label map {spec!r}; expected NAME=label,NAME=label")
    return {k.strip(): v.strip() for k, v in pairs}
