"""The training recipe's hyper-parameters, and their command-line flags."""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass


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
    # rows of the team's corrections (`--corrections`, `svetofor corrections export`) are
    # seen this many times per epoch: few, and the team's own judgement of its own stream
    corrections_weight: int = 3


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
