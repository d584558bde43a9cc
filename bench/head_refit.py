"""What the new corpora give without a fine-tune: the bundled model's head refitted over its
frozen features on the training splits of every corpus (the five added this round too),
measured on every unseen dev split.

    .venv/bin/python bench/head_refit.py [--data ../shared/datasets/sentiment] [--per-corpus 2000]

The training pool takes at most `--per-corpus` rows from each corpus's training splits (none
of them in a dev split, `training.devsets`), features from the default (int8) path. The head
is fitted as the brand adapters are (`classifier.adaptation.fit_head`: cross-entropy plus a
pull towards the model's head on standardised features), at each pull in the grid; the pull is
chosen on a fifth of the pool held back (mean macro-F1 over its corpora), never on the dev
splits. Reported: every dev split's macro-F1 and negative F1 with the model's head and with
the refitted one at the chosen pull (and at every pull, for the record).

This is the CPU-sized lever for "train on the new corpora": if a head alone moved the dev
mean, the bundled head could be swapped without a GPU; if not, the lever is a fine-tune of
the encoder (`svetofor train --device cuda`).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from classifier import SentimentClassifier  # noqa: E402
from classifier.adaptation import fit_head  # noqa: E402
from classifier.adapter import model_head, stack  # noqa: E402
from core.labels import LABELS  # noqa: E402
from core.metrics import metrics  # noqa: E402
from training.data import Example, read_labelled_csv  # noqa: E402
from training.devsets import DEV_SETS  # noqa: E402

# corpus file -> its training splits (the rest of each file is a dev split or unused)
TRAIN_SPLITS: dict[str, set[str]] = {
    "ru_sentirueval2015_brand_tweets.csv": {"train"},
    "ru_rusentiment.csv": {"train"},
    "ru_rusentitweet.csv": {"train"},
    "ru_romip2012_news_quotes.csv": {"train"},
    "ru_rusentne2023_news_entities.csv": {"train"},
    "ru_cedr_emotions.csv": {"train"},
    "ru_en_goemotions.csv": {"validation", "test"},
    "en_sst2.csv": {"train"},
}
PULLS = (3.0, 30.0, 300.0, 3000.0)
THREE_CLASS = ("en_sst2_dev", "ru_mozetic_tweets")  # two-class splits: no 3-class mean


def pool(data: Path, per_corpus: int, seed: int) -> dict[str, list[Example]]:
    rng = random.Random(seed)
    out = {}
    for filename, splits in TRAIN_SPLITS.items():
        path = data / filename
        if not path.is_file():
            continue
        rows = [r for r in read_labelled_csv(path) if r.split in splits]
        rng.shuffle(rows)
        out[filename.removesuffix(".csv")] = rows[:per_corpus]
    return out


def dev_sets(data: Path) -> dict[str, list[Example]]:
    out = {}
    for name, (filename, splits) in DEV_SETS.items():
        path = data / filename
        if path.is_file():
            out[name] = [r for r in read_labelled_csv(path) if splits is None or r.split in splits]
    return out


def predict(weight: torch.Tensor, bias: torch.Tensor, features: torch.Tensor) -> list[str]:
    return [LABELS[i] for i in (features @ weight.T + bias).argmax(dim=1).tolist()]


def scores(gold: list[str], predicted: list[str]) -> dict[str, float]:
    m = metrics(gold, predicted)
    return {"macro_f1": round(m["macro_f1"], 4), "negative_f1": round(m["negative_f1"], 4)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "sentiment"))
    parser.add_argument("--model", default="bundled")
    parser.add_argument("--per-corpus", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    data = Path(args.data)
    clf = SentimentClassifier.load(
        args.model, models_dir=REPO / "var" / "models", threads=args.threads
    )
    started = time.monotonic()
    train = pool(data, args.per_corpus, args.seed)
    devs = dev_sets(data)
    feats = {
        name: stack(clf.features([r.text for r in rows]))
        for name, rows in {**train, **devs}.items()
    }
    print(f"features in {time.monotonic() - started:.0f}s", file=sys.stderr)
    weight0, bias0 = model_head(clf.model, clf.index_to_label)

    # a fifth of each corpus held back to choose the pull
    fit_x, fit_y, held = [], [], {}
    for name, rows in train.items():
        cut = len(rows) // 5
        held[name] = (feats[name][:cut], [r.label for r in rows[:cut]])
        fit_x.append(feats[name][cut:])
        fit_y += [LABELS.index(r.label) for r in rows[cut:]]
    x = torch.cat(fit_x)
    mean, spread = x.mean(dim=0), x.std(dim=0).clamp_min(1e-6)
    w0s, b0s = weight0 * spread, bias0 + weight0 @ mean  # the model's head, standardised

    def refit(pull: float) -> tuple[torch.Tensor, torch.Tensor]:
        weight, bias = fit_head((x - mean) / spread, torch.tensor(fit_y), w0s, b0s, pull, 200)
        weight = weight / spread
        return weight, bias - weight @ mean

    def held_mean(weight: torch.Tensor, bias: torch.Tensor) -> float:
        return float(
            statistics.mean(
                metrics(gold, predict(weight, bias, f))["macro_f1"] for f, gold in held.values()
            )
        )

    heads = {pull: refit(pull) for pull in PULLS}
    chosen_by = {str(pull): round(held_mean(*head), 4) for pull, head in heads.items()}
    chosen_by["model"] = round(held_mean(weight0, bias0), 4)
    pull = max(PULLS, key=lambda p: chosen_by[str(p)])
    report: dict[str, Any] = {
        "model": clf.version,
        "per_corpus": args.per_corpus,
        "pool": {name: len(rows) for name, rows in train.items()},
        "held_back_mean_macro_f1": chosen_by,
        "chosen_pull": pull,
        "dev": {},
    }
    for name, rows in devs.items():
        gold = [r.label for r in rows]
        report["dev"][name] = {
            "n": len(rows),
            "model": scores(gold, predict(weight0, bias0, feats[name])),
            "refit": scores(gold, predict(*heads[pull], feats[name])),
            "by_pull": {
                str(p): scores(gold, predict(*h, feats[name]))["macro_f1"] for p, h in heads.items()
            },
        }
    three = [n for n in report["dev"] if n not in THREE_CLASS]
    for which in ("model", "refit"):
        report[f"mean_macro_f1_{which}"] = round(
            statistics.mean(report["dev"][n][which]["macro_f1"] for n in three), 4
        )
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
