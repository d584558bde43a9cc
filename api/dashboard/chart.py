"""Sentiment over time as an inline SVG: no chart library, nothing to load, readable offline.

The geometry is computed here (bars, the count axis with round ticks, a date every few bars);
the template draws it and Jinja escapes every text.
"""

from __future__ import annotations

import math
from typing import Any

from core.labels import LABELS

COLORS = {"negative": "#d64545", "neutral": "#e5b000", "positive": "#2e9e5b"}
LEFT, BOTTOM, TOP = 36, 22, 8  # room for the count axis, the dates, and the top tick


def nice_step(peak: int, ticks: int = 4) -> int:
    """A round step (1, 2, 5 × 10ⁿ) giving about `ticks` gridlines up to `peak`."""
    raw = max(peak / ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def stacked_bars(
    buckets: list[dict[str, Any]], width: int = 720, height: int = 220
) -> dict[str, Any]:
    """Bars stacked negative (bottom) / neutral / positive per bucket, with axes."""
    peak_count = max((b["total"] for b in buckets), default=0)
    step = nice_step(peak_count)
    top = max(step * math.ceil(peak_count / step), step)  # the axis ends on a tick
    plot_w, plot_h = width - LEFT, height - BOTTOM - TOP
    slot = plot_w / max(len(buckets), 1)
    bars = []
    dates = []
    every = max(1, math.ceil(len(buckets) / 8))  # at most ~8 dates under the axis
    for i, bucket in enumerate(buckets):
        y = TOP + plot_h
        for label in LABELS:
            h = bucket[label] / top * plot_h
            y -= h
            bars.append(
                {
                    "x": round(LEFT + i * slot + 1, 1),
                    "y": round(y, 1),
                    "w": round(max(slot - 2, 1), 1),
                    "h": round(h, 1),
                    "color": COLORS[label],
                    "label": label,
                    "count": bucket[label],
                    "date": bucket["local_date"],
                }
            )
        if i % every == 0:
            dates.append({"x": round(LEFT + (i + 0.5) * slot, 1), "date": bucket["local_date"]})
    ticks = [
        {"y": round(TOP + plot_h - value / top * plot_h, 1), "value": value}
        for value in range(0, top + 1, step)
    ]
    return {
        "width": width,
        "height": height,
        "left": LEFT,
        "bottom": TOP + plot_h,
        "bars": bars,
        "ticks": ticks,
        "dates": dates,
        "colors": COLORS,
        "empty": peak_count == 0,
    }
