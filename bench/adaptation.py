"""Per-brand adaptation, simulated on real dev splits: a brand's team corrects the first K
mentions of its stream, the adapter is fitted on them (`classifier.adaptation`, as the
service does), and the rest of the stream is labelled with it.

    .venv/bin/python bench/adaptation.py [--data ../shared/datasets/sentiment] [--rest 2000]

For each unseen dev split (Russian and English: brand tweets, reviews, news, social posts,
tweets), in file order (the splits' own order, which mixes labels), K = 50, 100, 200, 500:
macro-F1 and negative F1 on the rest of the stream (at most `--rest` texts) with the bundled
model alone and with the adapter — "used" says whether the adapter's own cross-validation on
its K corrections found it better than the model; when not, the service keeps the model's
labels and the figure is the model's. Also the cost: texts/s of tweets with and without an
adapter head, same run (median of 7 alternating rounds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier import SentimentClassifier  # noqa: E402
from classifier.adaptation import adapt  # noqa: E402
from classifier.adapter import AdapterHead, model_head, stack  # noqa: E402
from core.labels import LABELS  # noqa: E402
from core.metrics import metrics  # noqa: E402
from training.data import read_labelled_csv  # noqa: E402

# name -> (corpus file, split kept or None for all); none of these rows trained the model
SPLITS: dict[str, tuple[str, str | None]] = {
    "ru_brand_tweets_test": ("ru_sentirueval2015_brand_tweets.csv", "test"),
    "ru_reviews": ("ru_sentirueval2015_reviews_train.csv", None),
    "ru_rusentiment_test": ("ru_rusentiment.csv", "test"),
    "ru_rusentitweet_test": ("ru_rusentitweet.csv", "test"),
    "ru_romip_news_test": ("ru_romip2012_news_quotes.csv", "test"),
    "ru_rusentne_dev": ("ru_rusentne2023_news_entities.csv", "dev"),
    "ru_cedr_test": ("ru_cedr_emotions.csv", "test"),
    "ru_mozetic_tweets": ("ru_mozetic2016_tweets.csv", None),
    "en_sst2_dev": ("en_sst2.csv", "dev"),
    "en_tweeteval_val": ("en_tweeteval2017_val.csv", "val"),
    "en_xlmt_tweets": ("en_xlmt_tweets.csv", None),
}
STEPS = (50, 100, 200, 500)


def simulate(
    clf: SentimentClassifier, texts: list[str], gold: list[str], rest_cap: int
) -> dict[str, Any]:
    weight0, bias0 = model_head(clf.model, clf.index_to_label)
    features = stack(clf.features(texts))
    model_pred = [LABELS[i] for i in (features @ weight0.T + bias0).argmax(dim=1).tolist()]
    out: dict[str, Any] = {"n": len(texts)}
    for k in STEPS:
        if len(texts) < k + 50:
            continue
        rest = slice(k, min(len(texts), k + rest_cap))
        result = adapt(features[:k], gold[:k], weight0, bias0)
        adapted = (features[rest] @ result.weight.T + result.bias).argmax(dim=1).tolist()
        adapted_pred = [LABELS[i] for i in adapted] if result.active else model_pred[rest]
        before = metrics(gold[rest], model_pred[rest])
        after = metrics(gold[rest], adapted_pred)
        out[str(k)] = {
            "rest": len(gold[rest]),
            "used": result.active,
            "cv_gain": result.metrics["gain"],
            "macro_f1_model": round(before["macro_f1"], 4),
            "macro_f1_adapted": round(after["macro_f1"], 4),
            "gain": round(after["macro_f1"] - before["macro_f1"], 4),
            "negative_f1_model": round(before["negative_f1"], 4),
            "negative_f1_adapted": round(after["negative_f1"], 4),
        }
    return out


def head_cost(clf: SentimentClassifier, texts: list[str], rounds: int = 7) -> dict[str, float]:
    """Seconds per pass with and without an adapter head, alternating, median of `rounds`:
    best-of rounds swung by ±10 % on this shared machine, medians by under 1 %."""
    weight, bias = model_head(clf.model, clf.index_to_label)
    head = AdapterHead(1, LABELS, weight, bias)
    seconds: dict[str, list[float]] = {"model": [], "adapter": []}
    for _ in range(rounds):
        for name, heads in (("model", None), ("adapter", [head] * len(texts))):
            started = time.perf_counter()
            clf.predict(texts, heads=heads)
            seconds[name].append(time.perf_counter() - started)
    model, adapter = statistics.median(seconds["model"]), statistics.median(seconds["adapter"])
    return {
        "texts_per_s_model": round(len(texts) / model, 1),
        "texts_per_s_adapter": round(len(texts) / adapter, 1),
        "adapter_cost": round(adapter / model - 1, 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "sentiment"))
    parser.add_argument("--model", default="bundled")
    parser.add_argument("--rest", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    clf = SentimentClassifier.load(
        args.model, models_dir=REPO / "var" / "models", threads=args.threads
    )
    report: dict[str, Any] = {"model": clf.version, "splits": {}}
    for name, (filename, split) in SPLITS.items():
        path = Path(args.data) / filename
        if not path.is_file():
            continue
        rows = [r for r in read_labelled_csv(path) if split is None or r.split == split]
        texts, gold = [r.text for r in rows], [r.label for r in rows]
        cap = max(STEPS) + args.rest
        report["splits"][name] = simulate(clf, texts[:cap], gold[:cap], args.rest)
        print(name, json.dumps(report["splits"][name]), file=sys.stderr)
    tweets = [
        r.text for r in read_labelled_csv(Path(args.data) / "ru_sentirueval2015_brand_tweets.csv")
    ][:600]
    report["cost"] = head_cost(clf, tweets)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
