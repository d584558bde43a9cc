import csv

import pytest

from classifier import Sentiment
from training import evaluate, metrics
from training.evaluation import triage

GOLD = [
    "negative",
    "negative",
    "negative",
    "neutral",
    "neutral",
    "positive",
    "positive",
    "positive",
]
PRED = ["negative", "negative", "neutral", "neutral", "negative", "positive", "positive", "neutral"]


def test_metrics_by_hand():
    m = metrics(GOLD, PRED)
    # negative: tp=2, predicted 3, gold 3 -> P=R=F1=2/3
    assert m["negative_precision"] == pytest.approx(2 / 3)
    assert m["negative_recall"] == pytest.approx(2 / 3)
    assert m["negative_f1"] == pytest.approx(2 / 3)
    # neutral: tp=1, predicted 3, gold 2 -> P=1/3, R=1/2, F1=0.4
    assert m["per_class"]["neutral"]["f1"] == pytest.approx(0.4)
    # positive: tp=2, predicted 2, gold 3 -> P=1, R=2/3, F1=0.8
    assert m["per_class"]["positive"]["f1"] == pytest.approx(0.8)
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.4 + 0.8) / 3)
    assert m["accuracy"] == pytest.approx(5 / 8)
    assert m["n"] == 8
    assert m["confusion_matrix"]["rows_gold_cols_pred"] == [[2, 1, 0], [1, 1, 0], [0, 1, 2]]


def test_macro_skips_labels_absent_from_gold_and_predictions():
    m = metrics(["negative", "positive"], ["negative", "positive"])
    assert m["macro_f1"] == 1.0
    m = metrics(["negative", "positive"], ["neutral", "positive"])
    assert m["macro_f1"] == pytest.approx((0 + 0 + 1) / 3)


# flagged: t1 (right), t2 (a missed negative), t4 (wrong); certain: t0, t3, t5, t6 right, t7 wrong
UNCERTAIN = [False, True, True, False, True, False, False, False]


def test_triage_by_hand():
    t = triage(GOLD, PRED, UNCERTAIN)
    assert t["uncertain_share"] == pytest.approx(3 / 8)
    assert t["accuracy_uncertain"] == pytest.approx(1 / 3)
    assert t["accuracy_certain"] == pytest.approx(4 / 5)
    # the one negative labelled neutral (t2) is flagged, so every negative reaches a person
    assert (t["negatives_missed"], t["negatives_missed_flagged"]) == (1, 1)
    assert t["negative_recall_with_flag"] == 1.0


def test_triage_without_flags_is_plain_recall():
    t = triage(GOLD, PRED, [False] * len(GOLD))
    assert t["uncertain_share"] == 0.0
    assert t["accuracy_uncertain"] == 0.0  # no flagged texts
    assert t["accuracy_certain"] == pytest.approx(5 / 8)
    assert (t["negatives_missed"], t["negatives_missed_flagged"]) == (1, 0)
    assert t["negative_recall_with_flag"] == pytest.approx(2 / 3)


class FixedClassifier:
    """Answers from a lookup table, so evaluate() can be checked without a model."""

    version = "fixed"

    def __init__(self, answers, scores=None):
        self.answers = answers
        self.scores = scores or {}

    def predict(self, texts, batch_size=32):
        out = []
        for t in texts:
            score = self.scores.get(t, 0.9)
            out.append(Sentiment(self.answers[t], score, {}, score < 0.6))
        return out


def test_evaluate_csv_with_languages(tmp_path):
    path = tmp_path / "dev.csv"
    rows = [
        (f"t{i}", g, "ru" if i < 5 else "en", "tweets" if i % 2 else "reviews")
        for i, g in enumerate(GOLD)
    ]
    rows.append(("skipped", "", "ru", "tweets"))  # unlabelled rows are ignored
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label", "lang", "source"])
        w.writerows(rows)
    answers = {f"t{i}": p for i, p in enumerate(PRED)}
    result = evaluate(path, FixedClassifier(answers))
    assert result["n"] == 8
    assert result["macro_f1"] == pytest.approx(metrics(GOLD, PRED)["macro_f1"])
    assert result["texts_per_second"] > 0
    assert set(result["per_language"]) == {"ru", "en"}
    assert result["per_language"]["ru"]["n"] == 5
    assert result["per_language"]["en"]["negative_f1"] == 0.0  # no negatives in the en rows
    # what reaches a person, per language and per corpus
    ru = [i for i in range(8) if i < 5]
    ru_negatives = [i for i in ru if GOLD[i] == "negative"]
    assert result["per_language"]["ru"]["triage"]["negatives"] == len(ru_negatives)
    assert set(result["per_source"]) == {"tweets", "reviews"}
    assert result["per_source"]["tweets"]["n"] == 4
    assert "negative_recall_with_flag" in result["per_source"]["reviews"]["triage"]


def test_evaluate_reports_triage_at_each_threshold(tmp_path):
    path = tmp_path / "dev.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows((f"t{i}", g) for i, g in enumerate(GOLD))
    answers = {f"t{i}": p for i, p in enumerate(PRED)}
    # top probabilities: t1 and t4 at 0.55, t2 (the missed negative) at 0.65, the rest 0.9
    scores = {"t1": 0.55, "t4": 0.55, "t2": 0.65}
    result = evaluate(path, FixedClassifier(answers, scores))
    assert result["uncertain_share"] == pytest.approx(2 / 8)
    assert result["triage"] == result["triage_by_threshold"]["0.6"]
    assert result["triage"]["negatives_missed_flagged"] == 0
    by = result["triage_by_threshold"]
    assert [by[t]["uncertain_share"] for t in ("0.5", "0.6", "0.7", "0.8")] == [
        0,
        0.25,
        0.375,
        0.375,
    ]
    assert by["0.7"] == triage(GOLD, PRED, UNCERTAIN)


def test_evaluate_needs_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("body,label\nx,negative\n", encoding="utf-8")
    with pytest.raises(ValueError, match="text"):
        evaluate(path, FixedClassifier({}))
