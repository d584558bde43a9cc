"""Sentiment over time as an inline SVG: no chart library, nothing to load, readable offline."""

from __future__ import annotations

from typing import Any

from core.labels import LABELS

COLORS = {"negative": "#d64545", "neutral": "#e5b000", "positive": "#2e9e5b"}


def stacked_bars(
    buckets: list[dict[str, Any]], width: int = 720, height: int = 200
) -> dict[str, Any]:
    """Geometry for a stacked bar per bucket (the template draws it; Jinja escapes text)."""
    peak = max((b["total"] for b in buckets), default=0) or 1
    slot = width / max(len(buckets), 1)
    bars = []
    for i, bucket in enumerate(buckets):
        y = height
        for label in LABELS:
            h = bucket[label] / peak * (height - 20)
            y -= h
            bars.append(
                {
                    "x": round(i * slot + 1, 1),
                    "y": round(y, 1),
                    "w": round(max(slot - 2, 1), 1),
                    "h": round(h, 1),
                    "color": COLORS[label],
                    "label": label,
                    "count": bucket[label],
                    "date": str(bucket["local_date"]),
                }
            )
    return {"width": width, "height": height, "bars": bars}
