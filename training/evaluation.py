"""Metrics for `svetofor eval`: pure functions over gold/predicted labels, plus a CSV runner."""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from core.metrics import metrics
from training.data import SkippedRows, read_labelled_csv

TRIAGE_THRESHOLDS = (0.5, 0.6, 0.7, 0.8)
# texts labelled between two progress reports (a text's label does not depend on its batch)
PROGRESS_CHUNK = 1024


def triage(
    gold: Sequence[str], pred: Sequence[str], uncertain: Sequence[bool]
) -> dict[str, float | int]:
    """What the `uncertain` flag adds for the person triaging: how many texts it sends to them,
    how right the model is with and without it, and how many missed negatives it still shows.

    A negative reaches a person when it is labelled negative or flagged uncertain, so
    `negative_recall_with_flag` is the share of gold negatives that do; `accuracy_*` are 0.0
    where no text is in that group.
    """
    n = len(gold)
    rows = list(zip(gold, pred, uncertain, strict=True))
    flagged = [g == p for g, p, u in rows if u]
    certain = [g == p for g, p, u in rows if not u]
    negatives = [(p, u) for g, p, u in rows if g == "negative"]
    missed = [u for p, u in negatives if p != "negative"]
    shown = sum(p == "negative" or u for p, u in negatives)
    return {
        "uncertain_share": len(flagged) / n if n else 0.0,
        "accuracy_certain": sum(certain) / len(certain) if certain else 0.0,
        "accuracy_uncertain": sum(flagged) / len(flagged) if flagged else 0.0,
        "negatives": len(negatives),
        "negatives_missed": len(missed),
        "negatives_missed_flagged": sum(missed),
        "negative_recall_with_flag": shown / len(negatives) if negatives else 0.0,
    }


def evaluate(
    csv_path: str | os.PathLike[str],
    classifier: Any,
    *,
    text_column: str = "text",
    label_column: str = "label",
    batch_size: int = 32,
    progress: Callable[[int, int], None] | None = None,
    skipped: SkippedRows | None = None,
) -> dict[str, Any]:
    """Classify a labelled CSV and return `metrics` plus speed and per-language figures.

    Args:
        csv_path: CSV with `text,label` (labels negative/neutral/positive; other rows are
            skipped and counted in `skipped`, by reason) and optionally `lang`.
        classifier: a loaded `SentimentClassifier`.
        progress: called with (texts done, texts in all) after each chunk of texts.
        skipped: filled with the rows left out and their lines, for the caller to show.

    Returns:
        The `metrics` dict with `texts_per_second`, `seconds`, `model`, `precision`,
        `uncertain_share`, `triage` (what the `uncertain` flag catches, see `triage`) and
        `triage_by_threshold` (the same were the flag set below 0.5 … 0.8), and, when the
        file has a non-empty `lang` or `source` column, `per_language` / `per_source` (the
        same metrics and triage for each language, and each corpus or split).
    """
    skipped = skipped if skipped is not None else SkippedRows()
    rows = read_labelled_csv(
        csv_path, text_column=text_column, label_column=label_column, skipped=skipped
    )
    started = time.perf_counter()
    predictions: list[Any] = []
    for start in range(0, len(rows), PROGRESS_CHUNK):
        chunk = [r.text for r in rows[start : start + PROGRESS_CHUNK]]
        predictions.extend(classifier.predict(chunk, batch_size=batch_size))
        if progress is not None:
            progress(len(predictions), len(rows))
    seconds = time.perf_counter() - started
    gold = [r.label for r in rows]
    pred = [p.label for p in predictions]
    result = metrics(gold, pred)
    result["texts_per_second"] = len(rows) / seconds if seconds > 0 else 0.0
    result["seconds"] = seconds
    result["triage"] = triage(gold, pred, [p.uncertain for p in predictions])
    result["uncertain_share"] = result["triage"]["uncertain_share"]
    # the same at other thresholds on the top probability, to choose `uncertain_below` by
    result["triage_by_threshold"] = {
        str(t): triage(gold, pred, [p.score < t for p in predictions]) for t in TRIAGE_THRESHOLDS
    }
    result["skipped"] = skipped.counts  # rows left out, by reason (empty when none)
    result["model"] = getattr(classifier, "version", None)
    result["precision"] = getattr(classifier, "precision", None)
    uncertain = [p.uncertain for p in predictions]

    def group(idx: list[int]) -> dict[str, Any]:
        """A part's metrics and what reaches a person there."""
        part = {
            k: v
            for k, v in metrics([gold[i] for i in idx], [pred[i] for i in idx]).items()
            if k != "per_class"
        }
        part["triage"] = triage(
            [gold[i] for i in idx], [pred[i] for i in idx], [uncertain[i] for i in idx]
        )
        return part

    for key, column in (("per_language", "lang"), ("per_source", "source")):
        parts: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(rows):
            if getattr(r, column):
                parts[getattr(r, column)].append(i)
        if parts:
            result[key] = {name: group(idx) for name, idx in sorted(parts.items())}
    return result
