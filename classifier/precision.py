"""Inference precision: smoothed int8 for a calibrated model, else bf16 autocast where the CPU
computes bf16 natively, else fp32.

int8 needs a model calibrated for it (its activation ranges stored beside the weights);
uncalibrated int8 changes far more labels. bf16 autocast keeps LayerNorm, softmax and the
accumulations in fp32, so labels stay essentially the same; emulated bf16 is slower than
fp32, hence only where the CPU has it. The measurements behind each choice are in
docs/model-card.md ("Speed", "Inference precision and memory").
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

PRECISIONS = ("auto", "bf16", "fp32", "int8")


def cpu_supports(*checks: str) -> bool:
    """Whether any of torch's CPU feature checks (`torch.cpu._is_…_supported`) says yes; a
    check this torch does not have says no."""
    import torch

    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def native_bf16() -> bool:
    """Whether this CPU has bf16 dot-product instructions (AVX-512 BF16 or AMX)."""
    return cpu_supports("_is_avx512_bf16_supported", "_is_amx_tile_supported")


def resolve_precision(precision: str, *, calibrated: bool = False) -> str:
    """ "bf16", "fp32" or "int8" for a requested precision; ValueError naming the choices.

    `calibrated`: the model has int8 activation ranges, so "auto" may choose int8.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        if calibrated:
            return "int8"
        return "bf16" if native_bf16() else "fp32"
    return precision


@contextlib.contextmanager
def inference_context(precision: str, device_type: str = "cpu") -> Iterator[None]:
    """No autograd, and bf16 autocast when `precision` is "bf16" (int8 lives in the weights).

    `device_type`: where the model is ("cuda" only for a training teacher, `training.devices`).
    """
    import torch

    with (
        torch.inference_mode(),
        torch.autocast(device_type, dtype=torch.bfloat16, enabled=precision == "bf16"),
    ):
        yield
