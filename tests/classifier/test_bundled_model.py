"""Accuracy of the bundled model on a committed sample of texts it never saw (slow)."""

from pathlib import Path

import pytest

from classifier import SentimentClassifier, evaluate

REPO = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).parent / "data" / "unseen_sample.csv"
# Drawn from the dev splits (SentiRuEval-2015 brand tweets' test part, SentiRuEval-2015
# reviews, SST-2 dev); floors sit a little under the figures measured on the full splits.
FLOORS = {
    "ru_brand_tweets_test": {"macro_f1": 0.60, "negative_f1": 0.70},
    "ru_reviews": {"negative_f1": 0.55},
    "en_sst2_dev": {"negative_f1": 0.80},
}


@pytest.fixture(scope="module")
def bundled() -> SentimentClassifier:
    return SentimentClassifier.load(None, models_dir=REPO / "var" / "models")


@pytest.mark.slow
def test_issue_example_is_negative(bundled):
    assert bundled.predict("Ужасный сервис, ждал доставку две недели")[0].label == "negative"


@pytest.mark.slow
@pytest.mark.parametrize("subset", sorted(FLOORS))
def test_accuracy_on_unseen_sample(bundled, subset, tmp_path):
    import csv

    with SAMPLE.open(encoding="utf-8", newline="") as sample:
        rows = [r for r in csv.DictReader(sample) if r["set"] == subset]
    path = tmp_path / f"{subset}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["text", "label", "lang"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    result = evaluate(path, bundled)
    for metric, floor in FLOORS[subset].items():
        assert result[metric] >= floor, (metric, result[metric])
