"""Combine a star rating (1–5) with the text's sentiment probabilities.

The fusion is a linear opinion pool: ``p = w * p_text + (1 - w) * prior(rating)``, where
``prior`` is a fixed distribution per star (below; fractional ratings interpolate between the
neighbouring stars). Text dominates by default (w = 0.6) because a rating summarises the whole
experience while the text says what went wrong. ``disagreement`` is raised when the rating and
the text point in opposite directions (e.g. 5 stars with an angry text, 1 star with praise):
such mentions deserve a person, whatever the fused label.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from classifier.labels import LABELS

RATING_PRIORS: dict[int, tuple[float, float, float]] = {
    #   negative, neutral, positive
    1: (0.85, 0.10, 0.05),
    2: (0.65, 0.25, 0.10),
    3: (0.20, 0.60, 0.20),
    4: (0.07, 0.23, 0.70),
    5: (0.04, 0.11, 0.85),
}
TEXT_WEIGHT = 0.6
DISAGREEMENT_PROB = 0.5


@dataclass(frozen=True, slots=True)
class FusedSentiment:
    """Fused label and probabilities; `disagreement` flags rating and text pointing apart."""

    label: str
    score: float
    probs: dict[str, float]
    disagreement: bool


def rating_prior(rating: float) -> dict[str, float]:
    """Sentiment distribution implied by a star rating in [1, 5]."""
    if isinstance(rating, bool) or not (1 <= rating <= 5) or math.isnan(rating):
        raise ValueError(f"rating must be between 1 and 5, got {rating!r}")
    lo = math.floor(rating)
    hi = min(lo + 1, 5)
    frac = rating - lo
    return {
        name: (1 - frac) * RATING_PRIORS[lo][i] + frac * RATING_PRIORS[hi][i]
        for i, name in enumerate(LABELS)
    }


def fuse_rating(
    text_probs: Mapping[str, float], rating: float | None, *, text_weight: float = TEXT_WEIGHT
) -> FusedSentiment:
    """Fuse text probabilities with an optional star rating.

    Args:
        text_probs: negative/neutral/positive probabilities from the classifier.
        rating: stars between 1 and 5, or None when the source has no rating (text only).
        text_weight: weight of the text in the linear pool, in [0, 1].

    Returns:
        The fused label, its probability, all three probabilities and the disagreement flag:
        rating >= 4 while the text is negative with probability >= 0.5, or rating <= 2 while
        the text is positive with probability >= 0.5.
    """
    if not 0.0 <= text_weight <= 1.0:
        raise ValueError("text_weight must be in [0, 1]")
    text = {name: float(text_probs.get(name, 0.0)) for name in LABELS}
    if rating is None:
        probs, disagreement = text, False
    else:
        prior = rating_prior(rating)
        probs = {n: text_weight * text[n] + (1 - text_weight) * prior[n] for n in LABELS}
        disagreement = (rating >= 4 and text["negative"] >= DISAGREEMENT_PROB) or (
            rating <= 2 and text["positive"] >= DISAGREEMENT_PROB
        )
    label = max(LABELS, key=lambda n: probs[n])
    return FusedSentiment(label=label, score=probs[label], probs=probs, disagreement=disagreement)
