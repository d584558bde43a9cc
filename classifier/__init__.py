"""Sentiment triage: negative / neutral / positive for mentions, offline by default.

torch and transformers are imported only inside this package, and only when a model is loaded
or trained, so importing `classifier` is cheap.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from typing import Any

from classifier.evaluation import evaluate, metrics
from classifier.fusion import FusedSentiment, fuse_rating, rating_prior
from classifier.inference import Sentiment, SentimentClassifier
from classifier.labels import CANONICAL as LABELS
from classifier.labels import LabelMappingError, parse_label_map
from classifier.training import train

__all__ = [
    "LABELS",
    "FusedSentiment",
    "LabelMappingError",
    "Sentiment",
    "SentimentClassifier",
    "classify_texts",
    "evaluate",
    "fuse_rating",
    "get_classifier",
    "metrics",
    "parse_label_map",
    "rating_prior",
    "train",
]


@functools.lru_cache(maxsize=4)
def _cached(
    model: str | None, models_dir: str, label_map: tuple[tuple[str, str], ...], precision: str
):
    return SentimentClassifier.load(
        model, models_dir=models_dir, label_map=dict(label_map), precision=precision
    )


def get_classifier(
    model: str | os.PathLike[str] | None = None,
    *,
    models_dir: str | os.PathLike[str] = "var/models",
    label_map: Mapping[str, str] | None = None,
    precision: str = "auto",
) -> SentimentClassifier:
    """The process-wide classifier for these settings (loaded on first call, then reused)."""
    key = tuple(sorted((label_map or {}).items()))
    return _cached(None if model is None else str(model), str(models_dir), key, precision)


def classify_texts(
    texts: Sequence[str],
    classifier: SentimentClassifier | None = None,
    *,
    ratings: Sequence[float | None] | None = None,
    batch_size: int = 32,
) -> list[dict[str, Any]]:
    """JSON-ready results for the CLI and API: `{"label", "score", "probs", "uncertain"}`.

    With `ratings` (aligned with `texts`, None where a text has none) each result also gets
    `"fused": {"label", "score", "probs", "disagreement"}` from `fuse_rating`.
    """
    clf = classifier or get_classifier()
    if ratings is not None and len(ratings) != len(texts):
        raise ValueError("ratings must align with texts")
    out = []
    for i, s in enumerate(clf.predict(list(texts), batch_size=batch_size)):
        item: dict[str, Any] = {
            "label": s.label,
            "score": round(s.score, 4),
            "probs": {k: round(v, 4) for k, v in s.probs.items()},
            "uncertain": s.uncertain,
        }
        if ratings is not None and ratings[i] is not None:
            f = fuse_rating(s.probs, ratings[i])
            item["fused"] = {
                "label": f.label,
                "score": round(f.score, 4),
                "probs": {k: round(v, 4) for k, v in f.probs.items()},
                "disagreement": f.disagreement,
            }
        out.append(item)
    return out
