"""Classification metrics: pure functions over gold and predicted labels (`svetofor eval`,
the training lab and the brand adapters' cross-validation all count the same way)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.labels import LABELS


def confusion_matrix(gold: Sequence[str], pred: Sequence[str]) -> list[list[int]]:
    """Counts with rows = gold label and columns = predicted label, in LABELS order."""
    index = {name: i for i, name in enumerate(LABELS)}
    matrix = [[0] * len(LABELS) for _ in LABELS]
    for g, p in zip(gold, pred, strict=True):
        matrix[index[g]][index[p]] += 1
    return matrix


def per_class(gold: Sequence[str], pred: Sequence[str]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per label (0.0 where undefined)."""
    out = {}
    for name in LABELS:
        tp = sum(g == name and p == name for g, p in zip(gold, pred, strict=True))
        n_pred = sum(p == name for p in pred)
        n_gold = sum(g == name for g in gold)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[name] = {"precision": precision, "recall": recall, "f1": f1, "support": n_gold}
    return out


def metrics(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Headline metrics.

    `macro_f1` averages F1 over the labels that occur in the gold labels or the predictions
    (as scikit-learn does), so a two-class file such as SST-2 still counts a neutral
    prediction against the model.
    """
    classes = per_class(gold, pred)
    present = [n for n in LABELS if n in set(gold) | set(pred)]
    macro = sum(classes[n]["f1"] for n in present) / len(present) if present else 0.0
    n = len(gold)
    return {
        "n": n,
        "accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / n if n else 0.0,
        "macro_f1": macro,
        "negative_f1": classes["negative"]["f1"],
        "negative_precision": classes["negative"]["precision"],
        "negative_recall": classes["negative"]["recall"],
        "per_class": classes,
        "confusion_matrix": {
            "labels": list(LABELS),
            "rows_gold_cols_pred": confusion_matrix(gold, pred),
        },
    }
