"""Classifier speed: the project's inference path against a naive batch-size-1 pipeline.

    .venv/bin/python bench/classifier.py [--model bundled] [--data ../shared/datasets/sentiment]

Same texts, same model, same process. Prints texts/second for tweet-length and review-length
texts, the speed-up, macro-F1 of both paths (bucketing must not change answers), peak memory
and cold-start time (load + first prediction; the converted base is cached under var/models).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier import SentimentClassifier, metrics  # noqa: E402
from classifier.data import read_labelled_csv  # noqa: E402
from classifier.text import normalize_text  # noqa: E402


def sample(path: Path, n: int, seed: int = 0, split: str | None = None):
    rows = [r for r in read_labelled_csv(path) if split is None or r.split == split]
    random.Random(seed).shuffle(rows)
    return rows[:n]


def run_project(clf: SentimentClassifier, texts: list[str], batch_size: int):
    started = time.perf_counter()
    preds = clf.predict(texts, batch_size=batch_size)
    return [p.label for p in preds], len(texts) / (time.perf_counter() - started)


def run_naive(clf: SentimentClassifier, texts: list[str]):
    from transformers import pipeline

    pipe = pipeline("text-classification", model=clf.model, tokenizer=clf.tokenizer, device="cpu")
    inputs = [normalize_text(t) or " " for t in texts]  # same inputs the project path sees
    started = time.perf_counter()
    out = pipe(inputs, batch_size=1, truncation=True, max_length=clf.max_length)
    rate = len(texts) / (time.perf_counter() - started)
    name_to_canon = {clf.model.config.id2label[i]: c for i, c in clf.index_to_label.items()}
    return [name_to_canon[o["label"]] for o in out], rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="bundled")
    parser.add_argument("--models-dir", default=str(REPO / "var" / "models"))
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "sentiment"))
    parser.add_argument("--tweets", type=int, default=600)
    parser.add_argument("--reviews", type=int, default=120)
    parser.add_argument(
        "--naive-limit", type=int, default=200, help="texts per set for the slow path"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    data = Path(args.data)
    sets = {
        "tweets": sample(data / "ru_sentirueval2015_brand_tweets.csv", args.tweets, split="test"),
        "reviews": (
            sample(data / "ru_sentirueval2015_reviews_train.csv", args.reviews // 2)
            + sample(data / "en_sst2.csv", args.reviews - args.reviews // 2, split="dev")
        ),
    }
    # the SST-2 sentences are short; use the Russian reviews for the review-length timing
    sets["reviews"] = sorted(sets["reviews"], key=lambda r: -len(r.text))[: args.reviews]

    started = time.perf_counter()
    clf = SentimentClassifier.load(args.model, models_dir=args.models_dir, threads=args.threads)
    clf.predict("прогрев")
    cold_start = time.perf_counter() - started

    report: dict = {
        "model": clf.version,
        "threads": args.threads,
        "cold_start_s": round(cold_start, 2),
    }
    for name, rows in sets.items():
        texts = [r.text for r in rows]
        gold = [r.label for r in rows]
        tokens = sum(len(ids) for ids in clf.preprocess(texts)) / len(texts)
        fast_pred, fast_rate = run_project(clf, texts, args.batch_size)
        k = min(args.naive_limit, len(texts))
        slow_pred, slow_rate = run_naive(clf, texts[:k])
        report[name] = {
            "n": len(texts),
            "mean_tokens": round(tokens, 1),
            "project_texts_per_s": round(fast_rate, 1),
            "naive_bs1_texts_per_s": round(slow_rate, 1),
            "speedup": round(fast_rate / slow_rate, 2),
            "macro_f1_project": round(metrics(gold[:k], fast_pred[:k])["macro_f1"], 4),
            "macro_f1_naive": round(metrics(gold[:k], slow_pred)["macro_f1"], 4),
            "same_labels_share": round(
                sum(a == b for a, b in zip(fast_pred[:k], slow_pred, strict=True)) / k, 4
            ),
        }
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
