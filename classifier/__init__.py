"""Sentiment triage: negative / neutral / positive for mentions, offline by default.

The serving side only: loading a checkpoint, tokenising, the forward pass, runtime int8,
precision, labels and rating fusion. Training, calibration and evaluation live in the
`training` package, which imports this one and never the other way round. torch and
transformers are imported only when a model is loaded, so importing `classifier` is cheap.
"""

from __future__ import annotations

from classifier.fusion import FusedSentiment, fuse_rating, rating_prior
from classifier.inference import SentimentClassifier
from classifier.labels import LABELS, LabelMappingError, parse_label_map
from classifier.loader import classify_texts, get_classifier, load_configured_classifier
from classifier.sentiment import Sentiment, Verdict

__all__ = [
    "LABELS",
    "FusedSentiment",
    "LabelMappingError",
    "Sentiment",
    "SentimentClassifier",
    "Verdict",
    "classify_texts",
    "fuse_rating",
    "get_classifier",
    "load_configured_classifier",
    "parse_label_map",
    "rating_prior",
]
