"""Does training on your own labelled texts help? k-fold cross-validation of a training stage.

`python -m training.crossval CORPUS.csv... --labelled MINE.csv --out DIR [train options]`

The labelled file (say, a brand's own reviews) is cut into `folds` stratified folds. For each
fold a stage is trained on a general mixture (rows the recipe selects from the corpora) plus
the other folds, and predicts the held-out fold; every labelled text is then predicted exactly
once by a model that never saw it, and the pooled metrics compare with the starting model's
on the same texts. The bundled model's History records one such run (the SentiRuEval-2015
reviews, `docs/model-card.md`).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from classifier import SentimentClassifier
from classifier.checkpoint import DEFAULT_MODELS_DIR
from core.metrics import metrics
from training.checkpoints import resolve_checkpoint
from training.data import Example, read_labelled_csv, read_many
from training.options import TrainOptions, add_option_flags
from training.recipe import select_rows
from training.trainer import train

# The labelled rows take this source name, so the recipe keeps them all (it knows no such
# source) and `--oversample` can name them.
LABELLED_SOURCE = "crossval_labelled"


def stratified_folds(rows: Sequence[Example], folds: int, seed: int) -> list[list[Example]]:
    """Rows dealt into `folds` folds label by label, so each fold has about the same label mix.

    Rows with the same text go to the same fold: a repeated review in two folds would be
    tested on by a model that trained on it.
    """
    if folds < 2:
        raise ValueError("--folds must be at least 2")
    by_text: dict[str, list[Example]] = defaultdict(list)
    for ex in sorted(rows, key=lambda e: (e.text, e.label)):  # file order must not matter
        by_text[ex.text].append(ex)
    if len(by_text) < folds:
        raise ValueError(f"{len(by_text)} distinct labelled texts cannot make {folds} folds")
    by_label: dict[str, list[list[Example]]] = defaultdict(list)
    for group in by_text.values():
        by_label[group[0].label].append(group)
    rng = random.Random(seed)
    out: list[list[Example]] = [[] for _ in range(folds)]
    dealt = 0  # continue round the folds across labels, so small classes do not pile up in fold 0
    for label in sorted(by_label):
        groups = by_label[label]
        rng.shuffle(groups)
        for group in groups:
            out[dealt % folds].extend(group)
            dealt += 1
    return out


def general_mixture(
    corpora: Sequence[Example],
    labelled: Sequence[Example],
    size: int,
    seed: int,
    use_recipe: bool = True,
) -> list[Example]:
    """`size` rows of the recipe's selection from `corpora`, none with a labelled text."""
    held_out = {ex.text for ex in labelled}
    selected = select_rows(corpora, seed=seed, use_recipe=use_recipe)
    rows = [ex for ex in selected if ex.text not in held_out]
    rows.sort(key=lambda e: (e.source, e.label, e.text))
    random.Random(seed).shuffle(rows)
    return rows[:size]


def write_rows(path: Path, rows: Sequence[Example], source: str | None = None) -> Path:
    """A CSV `train` reads; `source` replaces every row's source when given."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label", "lang", "source", "split"])
        writer.writerows((e.text, e.label, e.lang, source or e.source, e.split) for e in rows)
    return path


def cross_validate(
    corpus_paths: Sequence[str | Path],
    labelled_path: str | Path,
    out_dir: str | Path,
    *,
    folds: int = 4,
    mixture: int = 6000,
    repeat: int = 4,
    precision: str = "auto",
    models_dir: str | Path = DEFAULT_MODELS_DIR,
    log: Callable[[str], None] = print,
    **opts: Any,
) -> dict[str, Any]:
    """Train one stage per fold and return pooled out-of-fold metrics (and the start's).

    Args:
        corpus_paths: the general corpora the mixture is drawn from (as for `train`).
        labelled_path: the labelled texts under test (`text,label[,lang]`).
        out_dir: the mixture CSV, `crossval.json`, and one sub-directory per fold: its
            CSVs, its checkpoint and `predictions.jsonl` (text, gold label, prediction).
        folds: how many folds.
        mixture: rows of general text trained beside the labelled ones, so that the stage
            does not forget everything else.
        repeat: each labelled training row is seen this many times an epoch.
        precision: the precision the fold models and the starting model predict in.
        **opts: fields of `TrainOptions` (`init`, `teacher`, `epochs`, `lr`, ...).
    """

    options = TrainOptions(**opts)
    labelled = read_labelled_csv(labelled_path)
    parts = stratified_folds(labelled, folds, options.seed)
    mix = general_mixture(
        read_many(corpus_paths), labelled, mixture, options.seed, options.use_recipe
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    mix_csv = write_rows(out / "mixture.csv", mix)
    predicted: list[str] = []  # fold by fold, in the order of `parts`
    per_fold = []
    stage = asdict(options) | {"oversample": _with_repeat(options.oversample, repeat)}
    for k, test_rows in enumerate(parts):
        fold_dir = out / f"fold-{k}"
        fold_dir.mkdir(exist_ok=True)
        train_rows = [ex for j, part in enumerate(parts) if j != k for ex in part]
        fold_csv = write_rows(fold_dir / "labelled-train.csv", train_rows, LABELLED_SOURCE)
        write_rows(fold_dir / "labelled-test.csv", test_rows)
        train([mix_csv, fold_csv], fold_dir / "model", models_dir=models_dir, log=log, **stage)
        clf = SentimentClassifier.load(
            fold_dir / "model", models_dir=models_dir, precision=precision
        )
        results = clf.predict([ex.text for ex in test_rows])
        _write_predictions(fold_dir / "predictions.jsonl", test_rows, results)
        labels = [s.label for s in results]
        per_fold.append({"fold": k, **_headline(metrics([ex.label for ex in test_rows], labels))})
        predicted += labels
        log(f"fold {k}: {per_fold[-1]}")
    tested = [ex for part in parts for ex in part]
    gold = [ex.label for ex in tested]
    report: dict[str, Any] = {
        "labelled": str(labelled_path),
        "rows": len(labelled),
        "folds": folds,
        "mixture_rows": len(mix),
        "options": stage,
        "out_of_fold": metrics(gold, predicted),
        "per_fold": per_fold,
    }
    if options.init:  # the same texts through the model the stages started from
        start_dir, _ = resolve_checkpoint("--init", options.init, models_dir)
        start = SentimentClassifier.load(start_dir, models_dir=models_dir, precision=precision)
        report["start"] = metrics(gold, [s.label for s in start.predict([e.text for e in tested])])
    (out / "crossval.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return report


def _write_predictions(path: Path, rows: Sequence[Example], results: Sequence[Any]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for ex, s in zip(rows, results, strict=True):
            line = {"text": ex.text, "gold": ex.label, "label": s.label, "probs": s.probs}
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def _with_repeat(oversample: str, repeat: int) -> str:
    extra = f"{LABELLED_SOURCE}={repeat}" if repeat > 1 else ""
    return ",".join(filter(None, (oversample, extra)))


def _headline(m: dict[str, Any]) -> dict[str, float]:
    return {k: round(m[k], 4) for k in ("n", "macro_f1", "negative_f1", "accuracy")}


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry; the training options are those of `training.options`."""

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv", nargs="+", help="general corpora the mixture is drawn from")
    parser.add_argument("--labelled", required=True, help="the labelled texts under test")
    parser.add_argument("--out", required=True)
    parser.add_argument("--models-dir", default=str(DEFAULT_MODELS_DIR))
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--mixture", type=int, default=6000)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--precision", default="auto")
    add_option_flags(parser)
    args = vars(parser.parse_args(argv))
    fixed = {k: args.pop(k) for k in ("csv", "labelled", "out")}
    try:
        report = cross_validate(
            fixed["csv"],
            fixed["labelled"],
            fixed["out"],
            log=lambda m: print(m, flush=True),
            **args,
        )
    except (ValueError, OSError) as exc:  # a bad file or option: one line, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1
    summary = {k: v for k, v in report.items() if k not in {"out_of_fold", "start"}}
    summary["out_of_fold"] = _headline(report["out_of_fold"])
    if "start" in report:
        summary["start"] = _headline(report["start"])
    json.dump(summary, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
