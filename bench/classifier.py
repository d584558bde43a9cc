"""Classifier speed: the project's inference path against a naive batch-size-1 pipeline.

    .venv/bin/python bench/classifier.py [--model bundled] [--baseline auto|same|DIR|git:REV]
                                         [--data ../shared/datasets/sentiment]

Same texts, same process. Prints texts/second for tweet-length and review-length texts, the
speed-up, the macro-F1 of the project's path in each precision ("auto": smoothed int8 for a
calibrated model such as the bundled one, else bf16 autocast where the CPU has native bf16,
else fp32; "bf16"; "fp32"), peak memory and cold-start time (load + first prediction; the
converted base is cached under var/models). `freed_memory_kept` says whether glibc's
allocator keeps freed activations in the process (`classifier.memory`), as it does wherever
a classifier loads on glibc.

The baseline is a transformers `pipeline` with batch size 1 in fp32 on the model before any
speed-up. For a distilled student (its manifest's `distilled_from`, as the bundled model's)
that is its teacher: distillation is one of the speed-ups, so the ratio and the macro-F1 it
costs are measured against the model it was distilled from (`--baseline auto`, the default;
`git:REV` takes the bundled checkpoint of commit REV). The same weights in a naive pipeline
are measured too (`naive_same_weights_*`). The naive pipeline truncates long texts at the
end, the project keeps head and tail, so on reviews over 256 tokens their labels may differ
(`fp32_batched_equals_naive`).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier import SentimentClassifier, memory  # noqa: E402
from classifier.checkpoint import (  # noqa: E402
    BUNDLED_DIR,
    DELTA_MANIFEST,
    DELTA_WEIGHTS,
    is_bundled,
    weights_digest,
)
from classifier.text import normalize_text  # noqa: E402
from training import history, metrics  # noqa: E402
from training.data import Example, read_labelled_csv  # noqa: E402


def sample(path: Path, n: int, seed: int = 0, split: str | None = None) -> list[Example]:
    rows = [r for r in read_labelled_csv(path) if split is None or r.split == split]
    random.Random(seed).shuffle(rows)
    return rows[:n]


def bundled_at(rev: str, models_dir: Path) -> Path:
    """The bundled checkpoint of commit `rev`, extracted from git history (once)."""
    try:
        return history.bundled_at(rev, models_dir)
    except ValueError as exc:
        raise SystemExit(f"baseline {exc}") from exc


def resolve_baseline(spec: str, model: str, models_dir: Path) -> str:
    """The model the naive pipeline runs: `same`, a path or id, `git:REV`, or `auto`.

    `auto` is the teacher a distilled checkpoint names in its manifest (`distilled_from`,
    written by `svetofor train --teacher`), checked against the digest recorded there;
    a model that was not distilled is its own baseline.
    """
    if spec == "auto":
        path = BUNDLED_DIR if is_bundled(model) else Path(model)
        manifest = path / DELTA_MANIFEST
        teacher = (json.loads(manifest.read_text()) if manifest.is_file() else {}).get(
            "distilled_from"
        )
        if not teacher:
            return model
        if "git" in teacher:
            found = bundled_at(teacher["git"], models_dir)
        elif teacher["checkpoint"] == "bundled":
            found = BUNDLED_DIR
        else:
            found = Path(teacher["checkpoint"])
        if (
            not (found / DELTA_WEIGHTS).is_file()
            or weights_digest(found) != teacher["weights_sha256"]
        ):
            raise SystemExit(
                f"the teacher of {model} ({teacher}) is not at hand: pass --baseline PATH"
            )
        return str(found)
    if spec == "same":
        return model
    if spec.startswith(history.GIT_PREFIX):
        return str(bundled_at(spec.removeprefix(history.GIT_PREFIX), models_dir))
    return spec


def run_project(
    clf: SentimentClassifier, texts: list[str], batch_size: int
) -> tuple[list[str], float]:
    started = time.perf_counter()
    preds = clf.predict(texts, batch_size=batch_size)
    return [p.label for p in preds], len(texts) / (time.perf_counter() - started)


def naive_pipeline(clf: SentimentClassifier) -> Any:
    from transformers import pipeline

    return pipeline("text-classification", model=clf.model, tokenizer=clf.tokenizer, device="cpu")


def run_naive(clf: SentimentClassifier, pipe: Any, texts: list[str]) -> tuple[list[str], float]:
    inputs = [normalize_text(t) or " " for t in texts]  # same inputs the project path sees
    started = time.perf_counter()
    out = pipe(inputs, batch_size=1, truncation=True, max_length=clf.max_length)
    rate = len(texts) / (time.perf_counter() - started)
    name_to_canon = {clf.model.config.id2label[i]: c for i, c in clf.index_to_label.items()}
    return [name_to_canon[o["label"]] for o in out], rate


def agreement(a: list[str], b: list[str]) -> float:
    return round(sum(x == y for x, y in zip(a, b, strict=True)) / len(a), 4)


def load_fp32(model: str, args: argparse.Namespace) -> SentimentClassifier:
    return SentimentClassifier.load(
        model, models_dir=args.models_dir, threads=args.threads, precision="fp32"
    )


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
    parser.add_argument(
        "--baseline",
        default="auto",
        help="the naive pipeline's model: auto (a student's teacher, else the same model), "
        "same, a path or id, or git:REV (the bundled model of commit REV)",
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--rounds", type=int, default=3, help="timed rounds; each path's best one counts"
    )
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

    # 1. every model loaded once: the project's path in each precision (the default first, so
    #    that its cold start and peak memory are its own: later ones report the process peak
    #    so far), then the baseline and the same weights in fp32 for the naive pipeline
    texts = {name: [r.text for r in rows] for name, rows in sets.items()}
    project: dict[str, SentimentClassifier] = {}
    report: dict[str, Any] = {"threads": args.threads, "rounds": args.rounds, "precisions": {}}
    # whether glibc keeps freed activations in this process, for every path alike (each load
    # sets it too): without it, models side by side cost the batched path page faults
    # (classifier/memory.py)
    report["freed_memory_kept"] = memory.keep_freed_memory()
    for requested in args.precisions.split(","):
        started = time.perf_counter()
        clf = SentimentClassifier.load(
            args.model, models_dir=args.models_dir, threads=args.threads, precision=requested
        )
        clf.predict("прогрев")
        cold_start = time.perf_counter() - started
        for batch in texts.values():  # a first pass, untimed: the peak memory of real work
            clf.predict(batch, batch_size=args.batch_size)
        project[requested] = clf
        report["precisions"][requested] = {
            "model": clf.version,
            "precision": clf.precision,
            "cold_start_s": round(cold_start, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    baseline = resolve_baseline(args.baseline, args.model, Path(args.models_dir))
    exact = {"same": load_fp32(args.model, args)}
    if baseline != args.model:
        exact["baseline"] = load_fp32(baseline, args)
    exact_labels = {
        key: {name: run_project(clf, batch, args.batch_size)[0] for name, batch in texts.items()}
        for key, clf in exact.items()
    }
    pipes = {key: naive_pipeline(clf) for key, clf in exact.items()}

    # 2. timed rounds, every path in turn, so that a slow minute on a shared machine slows
    #    all of them; each path's rate is its best round
    round_rates: dict[tuple[str, str], list[float]] = {}
    naive_labels: dict[tuple[str, str], list[str]] = {}
    project_labels: dict[tuple[str, str], list[str]] = {}
    for _ in range(args.rounds):
        for name, batch in texts.items():
            for requested, clf in project.items():
                project_labels[requested, name], rate = run_project(clf, batch, args.batch_size)
                round_rates.setdefault((requested, name), []).append(rate)
            for key, clf in exact.items():
                k = min(args.naive_limit, len(batch))
                labels, rate = run_naive(clf, pipes[key], batch[:k])
                naive_labels[key, name] = labels
                round_rates.setdefault((f"naive-{key}", name), []).append(rate)
    rates = {path: max(per_round) for path, per_round in round_rates.items()}

    # 3. speed-ups against the baseline's naive pipeline, and what they cost in accuracy
    #    against the baseline's batched fp32 labels on every text
    base = "baseline" if "baseline" in exact else "same"
    report["baseline"] = exact[base].version
    for name, rows in sets.items():
        gold = [r.label for r in rows]
        k = min(args.naive_limit, len(rows))
        base_labels = exact_labels[base][name]
        base_f1 = metrics(gold, base_labels)["macro_f1"]
        report[name] = {
            "n": len(rows),
            "mean_tokens": round(
                sum(len(ids) for ids in exact["same"].preprocess(texts[name])) / len(rows), 1
            ),
            "naive_bs1_texts_per_s": round(rates[f"naive-{base}", name], 1),
            "macro_f1_baseline_fp32": round(base_f1, 4),
            "fp32_batched_equals_naive": agreement(base_labels[:k], naive_labels[base, name]),
        }
        if base == "baseline":
            report[name]["naive_same_weights_texts_per_s"] = round(rates["naive-same", name], 1)
            report[name]["macro_f1_same_weights_fp32"] = round(
                metrics(gold, exact_labels["same"][name])["macro_f1"], 4
            )
        for requested in project:
            fast_pred = project_labels[requested, name]
            scores = metrics(gold, fast_pred)["macro_f1"]
            entry = {
                "texts_per_s": round(rates[requested, name], 1),
                "speedup": round(rates[requested, name] / rates[f"naive-{base}", name], 2),
                # each round's own ratio: its paths ran seconds apart, so the spread is
                # what the machine's drift leaves in a single ratio
                "speedup_by_round": [
                    round(fast / slow, 2)
                    for fast, slow in zip(
                        round_rates[requested, name],
                        round_rates[f"naive-{base}", name],
                        strict=True,
                    )
                ],
                "macro_f1": round(scores, 4),
                "macro_f1_vs_baseline": round(scores - base_f1, 4),
                "same_labels_as_fp32": agreement(fast_pred, exact_labels["same"][name]),
            }
            if base == "baseline":
                entry["speedup_same_weights"] = round(
                    rates[requested, name] / rates["naive-same", name], 2
                )
                entry["same_labels_as_baseline"] = agreement(fast_pred, base_labels)
            report[name][requested] = entry
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
