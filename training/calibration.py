"""Calibration for int8 inference: the largest activation per input channel of each layer.

`python -m training.calibration CHECKPOINT CSV...` (re)calibrates a checkpoint; `svetofor
train` calls `store_ranges` on every model it writes. The calibration texts are the recipe's
training rows, so evaluation splits stay unseen.
"""

from __future__ import annotations

import argparse
import os
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from classifier import SentimentClassifier
from classifier.checkpoint import ACT_RANGES, DEFAULT_MODELS_DIR
from classifier.quantization import encoder_linears

CALIBRATION_TEXTS = 512


def calibrate(
    model: Any, run: Callable[[Sequence[str]], Any], texts: Sequence[str]
) -> dict[str, Any]:
    """Largest |input| per channel of every encoder Linear while `run(texts)` drives `model`."""
    ranges: dict[str, Any] = {}

    def record(name: str) -> Callable[..., None]:
        def hook(_module: Any, inputs: Any, _output: Any) -> None:
            x = inputs[0].detach().float()
            peak = x.abs().reshape(-1, x.shape[-1]).amax(dim=0)
            ranges[name] = peak if name not in ranges else ranges[name].maximum(peak)

        return hook

    handles = [m.register_forward_hook(record(n)) for n, m in encoder_linears(model).items()]
    try:
        run(texts)
    finally:
        for handle in handles:
            handle.remove()
    return ranges


def calibration_sample(
    texts: Sequence[str], n: int = CALIBRATION_TEXTS, seed: int = 0
) -> list[str]:
    """A deterministic sample of `n` texts (order of `texts` does not matter)."""
    pool = sorted(set(texts))
    random.Random(seed).shuffle(pool)
    return pool[:n]


def save_ranges(ranges: Mapping[str, Any], directory: str | os.PathLike[str]) -> Path:
    from safetensors.torch import save_file

    path = Path(directory) / ACT_RANGES
    save_file({k: v.float().contiguous() for k, v in ranges.items()}, str(path))
    return path


def store_ranges(
    clf: SentimentClassifier, texts: Sequence[str], directory: str | os.PathLike[str]
) -> Path:
    """Calibrate `clf` (fp32) on a sample of `texts` and store the ranges in `directory`."""
    return save_ranges(calibrate(clf.model, clf.predict, calibration_sample(texts)), directory)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m training.calibration CHECKPOINT CSV...`: (re)calibrate int8 inference."""
    from training.data import read_many
    from training.options import TrainOptions
    from training.recipe import select_rows

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("checkpoint")
    parser.add_argument("csv", nargs="+")
    parser.add_argument("--models-dir", default=str(DEFAULT_MODELS_DIR))
    args = parser.parse_args(argv)
    rows = select_rows(read_many(args.csv), seed=TrainOptions().seed)
    clf = SentimentClassifier.load(args.checkpoint, models_dir=args.models_dir, precision="fp32")
    path = store_ranges(clf, [ex.text for ex in rows], args.checkpoint)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
