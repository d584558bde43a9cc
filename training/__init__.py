"""The training lab: fine-tuning, distillation, int8 calibration, evaluation, cross-validation.

It imports `classifier` (the serving side) and is never imported by it: the service labels
mentions without loading any of this. `train` loads torch, so it is imported on first use:
`svetofor --help` and the options the CLI reads stay light.
"""

from __future__ import annotations

from typing import Any

from core.metrics import metrics
from training.evaluation import evaluate
from training.options import TrainOptions

__all__ = ["TrainOptions", "evaluate", "metrics", "train"]


def __getattr__(name: str) -> Any:
    if name == "train":
        from training.trainer import train

        return train
    raise AttributeError(f"module 'training' has no attribute {name!r}")
