"""The training lab: fine-tuning, distillation, int8 calibration, evaluation, cross-validation.

It imports `classifier` (the serving side) and is never imported by it: the service labels
mentions without loading any of this.
"""

from training.evaluation import evaluate, metrics
from training.options import TrainOptions
from training.trainer import train

__all__ = ["TrainOptions", "evaluate", "metrics", "train"]
