"""Accuracy of the bundled model on a committed sample of texts it never saw (slow)."""

from pathlib import Path

import pytest

from classifier import SentimentClassifier
from training import evaluate, metrics

REPO = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).parent / "data" / "unseen_sample.csv"
# Drawn from the dev splits (SentiRuEval-2015 brand tweets' test part, SentiRuEval-2015
# reviews, SST-2 dev). The bundled model (v10) scores 0.700 / 0.759, 0.833 and 0.891 on this
# sample in fp32 and 0.682 / 0.746, 0.833 and 0.879 in int8 (2026-12-07; v9 in int8: 0.699 /
# 0.786, 0.833 and 0.891, yet 0.004 below v10 on all 8,338 brand tweets). The sample has
# 27 negative brand tweets, so one of them moves negative F1 by about 0.02: the floors catch a
# broken model and leave room for bf16, int8 and other CPUs; the dev splits in
# docs/model-card.md are what compare models.
FLOORS = {
    "ru_brand_tweets_test": {"macro_f1": 0.65, "negative_f1": 0.71},
    "ru_reviews": {"negative_f1": 0.75},
    "en_sst2_dev": {"negative_f1": 0.84},
}


@pytest.fixture(scope="module")
def bundled() -> SentimentClassifier:
    return SentimentClassifier.load(None, models_dir=REPO / "var" / "models")


def sample_rows(subset: str | None = None) -> list[dict[str, str]]:
    import csv

    with SAMPLE.open(encoding="utf-8", newline="") as sample:
        return [r for r in csv.DictReader(sample) if subset in (None, r["set"])]


@pytest.mark.slow
def test_issue_example_is_negative(bundled):
    assert bundled.predict("Ужасный сервис, ждал доставку две недели")[0].label == "negative"


@pytest.mark.slow
@pytest.mark.parametrize("subset", sorted(FLOORS))
def test_accuracy_on_unseen_sample(bundled, subset, tmp_path):
    import csv

    rows = sample_rows(subset)
    path = tmp_path / f"{subset}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["text", "label", "lang"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    result = evaluate(path, bundled)
    for metric, floor in FLOORS[subset].items():
        assert result[metric] >= floor, (metric, result[metric])


@pytest.mark.slow
def test_bf16_gives_the_labels_of_fp32():
    """bf16 autocast is a speed-up of the same weights, not another model."""
    texts = [r["text"] for r in sample_rows()]
    models = REPO / "var" / "models"
    exact = SentimentClassifier.load(None, models_dir=models, precision="fp32").predict(texts)
    rounded = SentimentClassifier.load(None, models_dir=models, precision="bf16").predict(texts)
    # bf16 rounds activations: a text on the fence may flip, hardly any other
    same = sum(a.label == b.label for a, b in zip(exact, rounded, strict=True))
    assert same >= 0.97 * len(texts)


@pytest.mark.slow
def test_int8_changes_few_labels_and_keeps_the_floors():
    """int8 (the bundled model's default) changes a few labels, and keeps the floors."""
    rows = sample_rows()
    texts = [r["text"] for r in rows]
    models = REPO / "var" / "models"
    exact = SentimentClassifier.load(None, models_dir=models, precision="fp32").predict(texts)
    small = SentimentClassifier.load(None, models_dir=models, precision="int8").predict(texts)
    same = sum(a.label == b.label for a, b in zip(exact, small, strict=True))
    assert same >= 0.95 * len(texts)
    for subset, floors in FLOORS.items():
        chosen = [i for i, r in enumerate(rows) if r["set"] == subset]
        scores = metrics([rows[i]["label"] for i in chosen], [small[i].label for i in chosen])
        for name, floor in floors.items():
            assert scores[name] >= floor, (subset, name, scores[name])
