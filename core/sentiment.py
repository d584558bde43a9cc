"""The configured sentiment model, loaded once per process on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.config import Settings

if TYPE_CHECKING:
    from classifier import SentimentClassifier


def load_configured_classifier(settings: Settings) -> SentimentClassifier:
    """SVETOFOR_MODEL (bundled, a path or a HF id) with SVETOFOR_MODEL_LABELS and _PRECISION."""
    from classifier import get_classifier, parse_label_map

    model = None if settings.model.strip().lower() in ("", "bundled") else settings.model
    return get_classifier(
        model,
        models_dir=settings.models_dir,
        label_map=parse_label_map(settings.model_labels),
        precision=settings.model_precision,
    )
