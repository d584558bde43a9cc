"""Reproducible fine-tuning recipe: top encoder layers + head of e5-small, 3 classes.

`python -m classifier.training CSV... --out DIR` (what `svetofor train` wraps) selects rows
deterministically, trains and writes a delta checkpoint (`classifier.modeling.save_delta`).
It runs on the CPU (the bundled model was trained on 2 cores), or on a CUDA GPU where there
is one (`--device`, `classifier.devices`).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from classifier.data import LABELS, Example, read_many
from classifier.devices import device_name, resolve_device
from classifier.text import normalize_text

# Rows per (source, label) taken from the training splits of the shared corpora.
# Everything else of these sources (their test/dev splits, the SentiRuEval-2015 reviews) is
# held out for evaluation. Quotas keep any one corpus from dominating a class; English is
# about 44 % of the negative and positive rows but 22 % of the neutral ones, because SST-2
# (the largest English source) has no neutral class (see SOURCES.md).
RECIPE_TRAIN_SPLITS = {
    "sentirueval2015_banks_tweets": {"train"},
    "sentirueval2015_telecoms_tweets": {"train"},
    "rusentiment": {"train"},
    "rusentitweet": {"train"},
    "romip2012_news_quotes": {"train"},
    "ru_goemotions_machine_translated": {"validation", "test"},
    # English neutral text is scarce (SST-2 has none): both GoEmotions splits are used
    "goemotions": {"validation", "test"},
    "sst2": {"train"},
}
RECIPE_QUOTAS: dict[str, dict[str, int]] = {
    # brand tweets: every labelled row; mention streams are mostly neutral, and v1 (neutral
    # capped) over-called negative and positive on neutral mentions
    "sentirueval2015_banks_tweets": {"negative": 10**6, "neutral": 10**6, "positive": 10**6},
    "sentirueval2015_telecoms_tweets": {"negative": 10**6, "neutral": 10**6, "positive": 10**6},
    "rusentiment": {"negative": 3000, "neutral": 2400, "positive": 3000},
    "rusentitweet": {"negative": 2200, "neutral": 1800, "positive": 1900},
    "romip2012_news_quotes": {"negative": 1500, "neutral": 700, "positive": 1115},
    "ru_goemotions_machine_translated": {"negative": 1200, "neutral": 1000, "positive": 1400},
    "goemotions": {"negative": 2302, "neutral": 3198, "positive": 2400},
    "sst2": {"negative": 6000, "neutral": 0, "positive": 6000},
}
HELD_OUT_SOURCES = {"sentirueval2015_car_reviews", "sentirueval2015_rest_reviews"}
SST2_MIN_CHARS = 30  # SST-2 train is mostly sub-sentence phrases; keep sentence-like rows


@dataclass
class TrainOptions:
    """Hyper-parameters of the recipe (defaults = the bundled model)."""

    seed: int = 13
    trainable_layers: int = 12
    max_length: int = 128
    # how a text longer than `max_length` is cut: False keeps its head (the earlier stages),
    # True its first quarter and its end, as inference does (`inference.head_and_tail`), so a
    # review's closing verdict is trained on
    head_and_tail: bool = False
    batch_size: int = 32
    epochs: float = 1.2
    lr: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    threads: int = 2
    use_recipe: bool = True
    # a delta checkpoint to continue from (a second, lower-rate stage) instead of the bare base
    init: str = ""
    # a smaller, faster student: keep only the first `layers` encoder layers (0 keeps all 12)
    layers: int = 0
    # distillation: a checkpoint whose temperature-softened probabilities the model learns too;
    # the loss is (1 - distill_weight) * cross-entropy + distill_weight * T^2 * KL
    teacher: str = ""
    distill_weight: float = 0.5
    temperature: float = 2.0
    # forward and backward under bf16 autocast: about 1.7x faster where the CPU has native bf16
    # (AVX-512 BF16, AMX), slower where it is emulated
    bf16: bool = False
    # "SOURCE=K[,SOURCE=K]": each selected row of SOURCE is seen K times per epoch, e.g. to give
    # a smaller student more of the text it loses most on
    oversample: str = ""
    # "auto" (a CUDA GPU if there is one, else the CPU), "cpu", "cuda" or "cuda:N"; the run's
    # summary records the device it used
    device: str = "auto"


def select_rows(
    examples: Sequence[Example], *, seed: int, use_recipe: bool = True
) -> list[Example]:
    """Deterministic training selection; rows from sources the recipe does not know are all kept."""
    rng = random.Random(seed)
    groups: dict[tuple[str, str], list[Example]] = defaultdict(list)
    chosen: list[Example] = []
    for ex in examples:
        if not use_recipe or (ex.source not in RECIPE_QUOTAS and ex.source not in HELD_OUT_SOURCES):
            chosen.append(ex)
        elif ex.source in RECIPE_QUOTAS and ex.split in RECIPE_TRAIN_SPLITS[ex.source]:
            if ex.source == "sst2" and len(ex.text) < SST2_MIN_CHARS:
                continue
            groups[(ex.source, ex.label)].append(ex)
    for (source, label), rows in sorted(groups.items()):
        rows = sorted(rows, key=lambda e: e.text)  # file order must not matter
        rng.shuffle(rows)
        chosen.extend(rows[: RECIPE_QUOTAS[source][label]])
    # goemotions ships every text twice (English + machine translation): one copy per label
    seen: set[tuple[str, str]] = set()
    unique = []
    for ex in chosen:
        if (ex.text, ex.label) not in seen:
            seen.add((ex.text, ex.label))
            unique.append(ex)
    return unique


def parse_oversample(spec: str) -> dict[str, int]:
    """`"a=2,b=3"` -> {"a": 2, "b": 3}; ValueError naming the bad part."""
    factors: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        source, _, factor = part.partition("=")
        if not source.strip() or not factor.strip().isdigit() or int(factor) < 1:
            raise ValueError(f"--oversample {part!r}: expected SOURCE=K with K a whole number >= 1")
        factors[source.strip()] = int(factor)
    return factors


def oversample_rows(rows: list[Example], factors: dict[str, int]) -> list[Example]:
    """`rows` with every row of each named source repeated to K copies in all."""
    missing = sorted(set(factors) - {ex.source for ex in rows})
    if missing:
        raise ValueError(f"--oversample: no training rows from {', '.join(missing)}")
    return rows + [ex for ex in rows for _ in range(factors.get(ex.source, 1) - 1)]


def tokenize_rows(
    tokenizer, rows: Sequence[Example], max_length: int, head_and_tail: bool
) -> list[list[int]]:
    """Token ids of the normalised texts, cut to `max_length` at the end or in the middle."""
    from classifier.inference import head_and_tail as keep_head_and_tail

    texts = [normalize_text(ex.text) for ex in rows]
    if not head_and_tail:
        return tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    encoded = tokenizer(texts, verbose=False)["input_ids"]
    return [keep_head_and_tail(ids, max_length) for ids in encoded]


def _batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length (sort within chunks of 50 batches)."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def train(
    csv_paths: Sequence[str | Path],
    out_dir: str | Path,
    *,
    models_dir: str | Path = "var/models",
    log=print,
    **opts,
) -> dict:
    """Fine-tune the e5 base on labelled CSVs and write a delta checkpoint to `out_dir`.

    Args:
        csv_paths: CSV files with `text,label` (and optionally `lang,source,split`).
        out_dir: where the checkpoint goes; it then works as `SVETOFOR_MODEL`.
        models_dir: cache for the converted base model.
        **opts: fields of `TrainOptions`.

    Returns:
        A summary dict (rows per label/language, options, seconds).
    """
    import torch
    import torch.nn.functional as F

    from classifier.modeling import (
        base_tensors,
        build_e5_classifier,
        delta_names,
        freeze_below,
        keep_first_layers,
        load_delta,
        save_delta,
    )

    options = TrainOptions(**opts)
    device = resolve_device(options.device)
    init = resolve_checkpoint("--init", options.init, models_dir)[0] if options.init else None
    teacher, teacher_commit = (
        resolve_checkpoint("--teacher", options.teacher, models_dir)
        if options.teacher
        else (None, None)
    )
    started = time.monotonic()
    rng = random.Random(options.seed)
    torch.manual_seed(options.seed)
    torch.set_num_threads(options.threads)

    factors = parse_oversample(options.oversample)
    rows = select_rows(read_many(csv_paths), seed=options.seed, use_recipe=options.use_recipe)
    if not rows:
        raise ValueError("no labelled rows to train on")
    rows = oversample_rows(rows, factors)
    counts = Counter((ex.lang or "?", ex.label) for ex in rows)
    log(f"training rows: {len(rows)} {dict(sorted(counts.items()))}")

    previous = None
    if init is not None:
        model, tokenizer, manifest = load_delta(init, models_dir)
        previous = manifest.get("training")
        log(f"continuing from {init}")
    else:
        model, tokenizer = build_e5_classifier(models_dir, seed=options.seed)
    if options.layers:
        keep_first_layers(model, options.layers)
    model.to(device)
    trained = freeze_below(model, options.trainable_layers)
    saved = list(trained)
    if init is not None:  # what the earlier stage changed stays in the checkpoint, frozen or not
        kept = {name for name, _ in model.named_parameters()}  # a student has fewer layers
        saved += sorted(set(delta_names(init)) & kept - set(trained))
    label_ids = {name: i for i, name in enumerate(LABELS)}
    enc = tokenize_rows(tokenizer, rows, options.max_length, options.head_and_tail)
    targets = [label_ids[ex.label] for ex in rows]
    lengths = [len(ids) for ids in enc]
    soft = None
    if teacher is not None:
        precision = "bf16" if options.bf16 else "fp32"
        soft = teacher_logits(
            teacher, models_dir, enc, precision=precision, device=device, log=log
        ).to(device)

    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.ndim > 1]
    no_decay = [p for p in params if p.ndim <= 1]
    optim = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": options.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=options.lr,
    )
    steps_per_epoch = math.ceil(len(rows) / options.batch_size)
    total = max(1, int(steps_per_epoch * options.epochs))
    warmup = int(total * options.warmup_ratio)
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim,
        lambda s: (
            (s + 1) / max(1, warmup)
            if s < warmup
            else max(0.0, (total - s) / max(1, total - warmup))
        ),
    )
    pad = tokenizer.pad_token_id
    model.train()
    step, running = 0, 0.0
    while step < total:
        for batch in _batches(lengths, options.batch_size, rng):
            if step >= total:
                break
            width = max(lengths[i] for i in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, i in enumerate(batch):
                ids[row, : lengths[i]] = torch.tensor(enc[i])
                mask[row, : lengths[i]] = 1
            ids, mask = ids.to(device), mask.to(device)
            labels = torch.tensor([targets[i] for i in batch], device=device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=options.bf16):
                logits = model(input_ids=ids, attention_mask=mask).logits.float()
            loss = F.cross_entropy(logits, labels)
            if soft is not None:
                t = options.temperature
                distill = F.kl_div(
                    F.log_softmax(logits / t, dim=-1),
                    F.softmax(soft[batch] / t, dim=-1),
                    reduction="batchmean",
                )
                weight = options.distill_weight
                loss = (1 - weight) * loss + weight * t * t * distill
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optim.step()
            sched.step()
            optim.zero_grad(set_to_none=True)
            step += 1
            running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
            if step % 50 == 0 or step == total:
                elapsed = time.monotonic() - started
                log(f"step {step}/{total} loss {running:.4f} elapsed {elapsed:.0f}s")
    model.eval().to("cpu")  # saving and int8 calibration run on the CPU, as inference does
    seconds = round(time.monotonic() - started, 1)
    summary = {
        "rows": len(rows),
        "rows_by_lang_label": {f"{k[0]}/{k[1]}": v for k, v in sorted(counts.items())},
        "options": asdict(options),
        "device": device_name(device),
        "train_seconds": seconds,
        "final_loss": round(running, 4),
        "inputs": [Path(p).name for p in csv_paths],
    }
    if previous is not None:
        summary["previous_stage"] = previous
    meta: dict = {"training": summary}
    if teacher is not None:
        meta["distilled_from"] = teacher_provenance(teacher, teacher_commit)
    save_delta(model, out_dir, saved, meta, base=base_tensors(models_dir))
    _store_int8_ranges(model, tokenizer, [ex.text for ex in rows], out_dir)
    log(f"saved {out_dir} after {seconds}s")
    return summary


def resolve_checkpoint(option: str, spec: str, models_dir) -> tuple[Path, str | None]:
    """A checkpoint to start from or learn from, and the commit it came from if it is known.

    `spec`: a `train` output directory, "bundled", or `git:REV` — the bundled model of an
    earlier commit (`classifier.history`), e.g. the teacher a bundled student replaced.
    """
    from classifier.history import GIT_PREFIX, bundled_at, resolve_commit
    from classifier.inference import BUNDLED_DIR, BUNDLED_NAMES
    from classifier.modeling import is_delta_dir

    commit = None
    if spec.startswith(GIT_PREFIX):
        try:
            commit = resolve_commit(spec.removeprefix(GIT_PREFIX))
            path = bundled_at(commit, models_dir)
        except ValueError as exc:
            raise ValueError(f"{option} {exc}") from exc
    else:
        path = BUNDLED_DIR if spec.strip().lower() in BUNDLED_NAMES else Path(spec)
    if not is_delta_dir(path):
        raise ValueError(f"{option} {spec}: not a checkpoint written by `svetofor train`")
    return path, commit


def teacher_provenance(checkpoint: Path, commit: str | None = None) -> dict:
    """Which weights a student learned from, so that a benchmark can compare it with them.

    `weights_sha256` is the prefix of the teacher's `delta.safetensors` digest (the one its
    model version carries). A teacher taken from git (`commit`) records that commit; so does
    the bundled model as committed, because the bundled directory is where its student will
    go and git history is where the teacher then stays.
    """
    from classifier.history import GIT_PREFIX, commit_holding_bundled
    from classifier.inference import BUNDLED_DIR, weights_digest

    info = {"checkpoint": str(checkpoint), "weights_sha256": weights_digest(checkpoint)}
    if commit is not None:
        return {**info, "checkpoint": f"{GIT_PREFIX}{commit[:12]}", "git": commit}
    if checkpoint.resolve() == BUNDLED_DIR.resolve():
        info["checkpoint"] = "bundled"
        committed = commit_holding_bundled()
        if committed:  # without it (modified weights, no git) the digest alone identifies it
            info["git"] = committed
    return info


def teacher_logits(
    checkpoint: Path,
    models_dir,
    enc: list[list[int]],
    *,
    precision: str = "fp32",
    device=None,
    log=print,
):
    """The teacher's logits for every tokenized training row, as one CPU tensor.

    Computed once before training (the teacher is then freed), on the very token ids the
    student sees; a delta checkpoint shares the student's tokenizer and label order.
    `precision`: "fp32", or "bf16" when training runs in bf16 anyway (autocast leaves
    almost every label as it is, `classifier.precision`). `device`: where the teacher runs
    (the CPU when None).
    """
    import torch

    from classifier.inference import SentimentClassifier, length_batches

    clf = SentimentClassifier.load(checkpoint, models_dir=models_dir, precision=precision)
    if device is not None:
        clf.model.to(device)
    started = time.monotonic()
    out = torch.zeros((len(enc), len(LABELS)))
    for batch in length_batches([len(ids) for ids in enc], 64, 4096):
        out[batch] = torch.tensor(clf.forward([enc[i] for i in batch]))
    log(f"teacher logits for {len(enc)} rows in {time.monotonic() - started:.0f}s")
    return out


def _store_int8_ranges(model, tokenizer, texts: list[str], out_dir: str | Path) -> None:
    """Store the activation ranges int8 inference smooths with."""
    from classifier.inference import SentimentClassifier
    from classifier.quantization import store_ranges

    clf = SentimentClassifier(model, tokenizer, name="calibration", version="", precision="fp32")
    store_ranges(clf, texts, out_dir)


def add_option_flags(parser: argparse.ArgumentParser) -> None:
    """One `--flag` per `TrainOptions` field, defaulting to the recipe's value."""
    for field, value in asdict(TrainOptions()).items():
        flag = "--" + field.replace("_", "-")
        if isinstance(value, bool):
            parser.add_argument(
                flag, type=lambda s: s.lower() in {"1", "true", "yes"}, default=value
            )
        else:
            parser.add_argument(flag, type=type(value), default=value)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: `python -m classifier.training CSV... --out DIR [--epochs ...]`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--models-dir", default="var/models")
    add_option_flags(parser)
    args = vars(parser.parse_args(argv))
    csvs, out, models_dir = args.pop("csv"), args.pop("out"), args.pop("models_dir")
    summary = train(csvs, out, models_dir=models_dir, log=lambda m: print(m, flush=True), **args)
    json.dump(summary, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
