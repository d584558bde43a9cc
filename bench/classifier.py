"""Classifier speed: the project's inference path against a naive batch-size-1 pipeline.

    .venv/bin/python bench/classifier.py [--model bundled] [--data ../shared/datasets/sentiment]

Same texts, same weights, same process. Prints texts/second for tweet-length and review-length
texts, the speed-up, the macro-F1 of the project's path in each precision ("auto": smoothed
int8 for a calibrated model such as the bundled one, else bf16 autocast where the CPU has
native bf16, else fp32; "bf16"; "fp32")
against the same weights in fp32 (what the speed-up costs), peak memory and cold-start time
(load + first prediction; the converted base is cached under var/models). The naive pipeline
truncates long texts at the end, the project keeps head and tail, so on reviews over 256
tokens their labels may differ (`fp32_batched_equals_naive`).
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
    parser.add_argument(
        "--precisions", default="auto,fp32", help="the project path's precisions, comma-separated"
    )
    args = parser.parse_args()

    data = Path(args.data)
    sets = {
        "tweets": sample(data / "ru_sentirueval2015_brand_tweets.csv", args.tweets, split="test"),
        # real Russian car and restaurant reviews, longest first
        "reviews": sorted(
            sample(data / "ru_sentirueval2015_reviews_train.csv", 10**6),
            key=lambda r: -len(r.text),
        )[: args.reviews],
    }

    # 1. the project's path in each precision, the default first so that its cold start and
    #    peak memory are its own (later ones report the process peak so far)
    project: dict[str, dict] = {}
    report: dict = {"threads": args.threads, "precisions": {}}
    for requested in args.precisions.split(","):
        started = time.perf_counter()
        clf = SentimentClassifier.load(
            args.model, models_dir=args.models_dir, threads=args.threads, precision=requested
        )
        clf.predict("прогрев")
        cold_start = time.perf_counter() - started
        project[requested] = {
            name: run_project(clf, [r.text for r in rows], args.batch_size)
            for name, rows in sets.items()
        }
        report["precisions"][requested] = {
            "model": clf.version,
            "precision": clf.precision,
            "cold_start_s": round(cold_start, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        del clf

    # 2. the baseline: the same weights in fp32 through a batch-size-1 transformers pipeline;
    #    its batched fp32 labels on every text measure what each speed-up costs in accuracy
    exact = SentimentClassifier.load(
        args.model, models_dir=args.models_dir, threads=args.threads, precision="fp32"
    )
    for name, rows in sets.items():
        texts = [r.text for r in rows]
        gold = [r.label for r in rows]
        exact_pred, _ = run_project(exact, texts, args.batch_size)
        k = min(args.naive_limit, len(texts))
        slow_pred, slow_rate = run_naive(exact, texts[:k])
        report[name] = {
            "n": len(texts),
            "mean_tokens": round(sum(len(ids) for ids in exact.preprocess(texts)) / len(texts), 1),
            "naive_bs1_texts_per_s": round(slow_rate, 1),
            "macro_f1_fp32": round(metrics(gold, exact_pred)["macro_f1"], 4),
            "fp32_batched_equals_naive": sum(
                a == b for a, b in zip(exact_pred[:k], slow_pred, strict=True)
            )
            / k,
        }
        for requested, results in project.items():
            fast_pred, fast_rate = results[name]
            report[name][requested] = {
                "texts_per_s": round(fast_rate, 1),
                "speedup": round(fast_rate / slow_rate, 2),
                "macro_f1": round(metrics(gold, fast_pred)["macro_f1"], 4),
                "same_labels_as_fp32": round(
                    sum(a == b for a, b in zip(fast_pred, exact_pred, strict=True)) / len(texts), 4
                ),
            }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
