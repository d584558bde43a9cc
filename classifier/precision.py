"""Inference precision: bf16 autocast where the CPU computes bf16 natively, else smoothed int8.

Measured on the bundled model (docs/model-card.md): bf16 autocast runs the encoder about 1.5x
faster than fp32 on an AVX-512 BF16 CPU and changes almost no label, because autocast keeps
LayerNorm, softmax and the accumulations in fp32. Without native bf16 instructions the CPU
would emulate it, slower than fp32. There "auto" picks "int8" (smoothed dynamic quantization,
`classifier.quantization`): 1.4-1.5x faster than fp32 on an AVX2 CPU, changing 2-3 % of labels
for at most 0.007 macro-F1 on the dev splits, but only for a model calibrated for it (its
activation ranges stored beside the weights); uncalibrated int8 changes far more labels, so
any other model runs in fp32.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

PRECISIONS = ("auto", "bf16", "fp32", "int8")


def native_bf16() -> bool:
    """Whether this CPU has bf16 dot-product instructions (AVX-512 BF16 or AMX)."""
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def resolve_precision(precision: str, *, calibrated: bool = False) -> str:
    """ "bf16", "fp32" or "int8" for a requested precision; ValueError naming the choices.

    `calibrated`: the model has int8 activation ranges, so "auto" may choose int8.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        if native_bf16():
            return "bf16"
        return "int8" if calibrated else "fp32"
    return precision


@contextlib.contextmanager
def inference_context(precision: str) -> Iterator[None]:
    """No autograd, and bf16 autocast when `precision` is "bf16" (int8 lives in the weights)."""
    import torch

    with (
        torch.inference_mode(),
        torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"),
    ):
        yield
