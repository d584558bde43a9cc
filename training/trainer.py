"""Reproducible fine-tuning: top encoder layers + head of e5-small, 3 classes.

`python -m training CSV... --out DIR` (what `svetofor train` wraps) selects rows
deterministically (`training.recipe`), trains and writes a delta checkpoint
(`training.checkpoints`) with its int8 calibration. It runs on the CPU, or on a CUDA GPU
where there is one (`--device`, `training.devices`).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from classifier import SentimentClassifier
from classifier.checkpoint import (
    DEFAULT_MODELS_DIR,
    build_e5_classifier,
    delta_names,
    keep_first_layers,
    load_delta,
)
from classifier.inference import head_and_tail as keep_head_and_tail
from classifier.inference import length_batches
from classifier.labels import LABELS
from classifier.text import normalize_text
from training.calibration import store_ranges
from training.checkpoints import (
    base_tensors,
    freeze_below,
    resolve_checkpoint,
    save_delta,
    teacher_provenance,
)
from training.data import Example, read_many
from training.devices import device_name, resolve_device
from training.options import TrainOptions, add_option_flags
from training.recipe import oversample_rows, parse_oversample, select_rows

Log = Callable[[str], None]


def tokenize_rows(
    tokenizer: Any, rows: Sequence[Example], max_length: int, head_and_tail: bool
) -> list[list[int]]:
    """Token ids of the normalised texts, cut to `max_length` at the end or in the middle."""
    texts = [normalize_text(ex.text) for ex in rows]
    if not head_and_tail:
        ids: list[list[int]] = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
        return ids
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


CORRECTIONS_SOURCE = "team-corrections"  # rows from `--corrections` files


def train(
    csv_paths: Sequence[str | Path],
    out_dir: str | Path,
    *,
    models_dir: str | Path = DEFAULT_MODELS_DIR,
    log: Log = print,
    on_step: Callable[[int, int, float], None] | None = None,
    corrections: Sequence[str | Path] = (),
    **opts: Any,
) -> dict[str, Any]:
    """Fine-tune the e5 base on labelled CSVs and write a delta checkpoint to `out_dir`.

    Args:
        csv_paths: CSV files with `text,label` (and optionally `lang,source,split`).
        out_dir: where the checkpoint goes; it then works as `SVETOFOR_MODEL`.
        models_dir: cache for the converted base model.
        on_step: called after every optimiser step with (step, total steps, smoothed loss),
            for a progress bar; `log` gets a line every 50 steps either way.
        corrections: exported label corrections (`svetofor corrections export`): trained on
            whatever the recipe selects, `corrections_weight` times each.
        **opts: fields of `TrainOptions`.

    Returns:
        A summary dict (rows per label/language, options, seconds).
    """
    import torch
    import torch.nn.functional as F

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
    rows = select_rows(read_many(csv_paths, log), seed=options.seed, use_recipe=options.use_recipe)
    rows += [
        replace(ex, source=CORRECTIONS_SOURCE)
        for ex in read_many(corrections, log)
        for _ in range(options.corrections_weight)
    ]
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
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optim.step()
            sched.step()
            optim.zero_grad(set_to_none=True)
            step += 1
            running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
            if on_step is not None:
                on_step(step, total, running)
            if step % 50 == 0 or step == total:
                elapsed = time.monotonic() - started
                log(f"step {step}/{total} loss {running:.4f} elapsed {elapsed:.0f}s")
    model.eval().to("cpu")  # saving and int8 calibration run on the CPU, as inference does
    seconds = round(time.monotonic() - started, 1)
    summary = {
        "rows": len(rows),
        "correction_rows": sum(ex.source == CORRECTIONS_SOURCE for ex in rows),
        "rows_by_lang_label": {f"{k[0]}/{k[1]}": v for k, v in sorted(counts.items())},
        "options": asdict(options),
        "device": device_name(device),
        "train_seconds": seconds,
        "final_loss": round(running, 4),
        "inputs": [Path(p).name for p in csv_paths],
    }
    if previous is not None:
        summary["previous_stage"] = previous
    meta: dict[str, Any] = {"training": summary}
    if teacher is not None:
        meta["distilled_from"] = teacher_provenance(teacher, teacher_commit)
    save_delta(model, out_dir, saved, meta, base=base_tensors(models_dir))
    _store_int8_ranges(model, tokenizer, [ex.text for ex in rows], out_dir)
    log(f"saved {out_dir} after {seconds}s")
    return summary


def teacher_logits(
    checkpoint: Path,
    models_dir: str | Path,
    enc: list[list[int]],
    *,
    precision: str = "fp32",
    device: Any = None,
    log: Log = print,
) -> Any:
    """The teacher's logits for every tokenized training row, as one CPU tensor.

    Computed once before training (the teacher is then freed), on the very token ids the
    student sees; a delta checkpoint shares the student's tokenizer and label order.
    `precision`: "fp32", or "bf16" when training runs in bf16 anyway (autocast leaves
    almost every label as it is, `classifier.precision`). `device`: where the teacher runs
    (the CPU when None).
    """
    import torch

    clf = SentimentClassifier.load(checkpoint, models_dir=models_dir, precision=precision)
    if device is not None:
        clf.model.to(device)
    started = time.monotonic()
    out = torch.zeros((len(enc), len(LABELS)))
    for batch in length_batches([len(ids) for ids in enc], 64, 4096):
        out[batch] = torch.tensor(clf.forward([enc[i] for i in batch]))
    log(f"teacher logits for {len(enc)} rows in {time.monotonic() - started:.0f}s")
    return out


def _store_int8_ranges(model: Any, tokenizer: Any, texts: list[str], out_dir: str | Path) -> None:
    """Store the activation ranges int8 inference smooths with."""
    clf = SentimentClassifier(model, tokenizer, name="calibration", version="", precision="fp32")
    store_ranges(clf, texts, out_dir)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: `python -m training CSV... --out DIR [--epochs ...]`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("csv", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--models-dir", default=str(DEFAULT_MODELS_DIR))
    add_option_flags(parser)
    args = vars(parser.parse_args(argv))
    csvs, out, models_dir = args.pop("csv"), args.pop("out"), args.pop("models_dir")
    summary = train(csvs, out, models_dir=models_dir, log=lambda m: print(m, flush=True), **args)
    json.dump(summary, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
