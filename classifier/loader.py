"""The process-wide classifier: loaded on first use for a set of settings, then reused."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from classifier.checkpoint import DEFAULT_MODELS_DIR, is_bundled
from classifier.inference import SentimentClassifier
from classifier.labels import parse_label_map


class ModelSettings(Protocol):
    """The settings that choose a model (`core.config.Settings` has them)."""

    @property
    def model(self) -> str: ...
    @property
    def models_dir(self) -> Any: ...
    @property
    def model_labels(self) -> str | None: ...
    @property
    def model_precision(self) -> str: ...


# One load at a time: two threads' first calls (the service's warm-up and its labelling
# worker) must not import transformers concurrently or load the same model twice.
_loading = threading.Lock()


@functools.lru_cache(maxsize=4)
def _cached(
    model: str | None, models_dir: str, label_map: tuple[tuple[str, str], ...], precision: str
) -> SentimentClassifier:
    return SentimentClassifier.load(
        model, models_dir=models_dir, label_map=dict(label_map), precision=precision
    )


def get_classifier(
    model: str | os.PathLike[str] | None = None,
    *,
    models_dir: str | os.PathLike[str] = DEFAULT_MODELS_DIR,
    label_map: Mapping[str, str] | None = None,
    precision: str = "auto",
) -> SentimentClassifier:
    """The process-wide classifier for these settings (loaded on first call, then reused)."""
    key = tuple(sorted((label_map or {}).items()))
    with _loading:
        return _cached(None if model is None else str(model), str(models_dir), key, precision)


def load_configured_classifier(settings: ModelSettings) -> SentimentClassifier:
    """SVETOFOR_MODEL (bundled, a path or a HF id) with SVETOFOR_MODEL_LABELS and _PRECISION."""
    return get_classifier(
        None if is_bundled(settings.model) else settings.model,
        models_dir=settings.models_dir,
        label_map=parse_label_map(settings.model_labels),
        precision=settings.model_precision,
    )


class Predicts(Protocol):
    def predict(self, texts: Sequence[str], batch_size: int = ...) -> list[Any]: ...


def classify_texts(
    texts: Sequence[str],
    classifier: Predicts,
    *,
    ratings: Sequence[float | None] | None = None,
    batch_size: int = 32,
) -> list[dict[str, Any]]:
    """JSON-ready results for the CLI and API (`Verdict.as_json`), one per text.

    With `ratings` (aligned with `texts`, None where a text has none) a rated text's result
    also carries `"fused"`.
    """
    if ratings is not None and len(ratings) != len(texts):
        raise ValueError("ratings must align with texts")
    results = classifier.predict(list(texts), batch_size=batch_size)
    return [
        s.verdict(None if ratings is None else ratings[i]).as_json() for i, s in enumerate(results)
    ]
