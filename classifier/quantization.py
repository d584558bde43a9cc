"""int8 inference (the default for calibrated models, `classifier.precision`): SmoothQuant-style
smoothing + per-channel dynamic int8 Linear layers.

Plain dynamic int8 flips many labels because a few input channels of each layer carry
activations tens of times larger than the rest, and one int8 scale per activation row cannot
serve both. Smoothing (Xiao et al. 2023, SmoothQuant) divides each input channel by
s = amax_x ** alpha / amax_w ** (1 - alpha) and multiplies the weight's matching column by s:
the float result is unchanged, the outliers move into the weights, where per-row scales
absorb them. `amax_x` comes from calibration (`training.calibration`), stored beside the
weights (`checkpoint.ACT_RANGES`); without it (any other model) layers are quantized
unsmoothed. What each choice measured is in docs/model-card.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch  # this module is imported only where a model loads

from classifier.precision import cpu_supports

SMOOTHING_ALPHA = 0.9
CHUNK_ROWS = 256  # activation rows per integer product (`RowInt8Linear`)
# Weights in 7 bits (±63), activations in 8: on CPUs without VNNI, oneDNN's int8 product
# (behind `torch._int_mm`) pairs unsigned 8-bit activations with the weights in 16-bit sums,
# which overflow for weights beyond ±64 — wrong results, measured with ONEDNN_MAX_CPU_ISA=AVX2
# (a test checks exactness); the smoothing already moved the outliers into the weights' rows.
WEIGHT_LEVELS = 63
# Products of int8 values summed in fp32 are exact while every sum stays below 2**24: with
# activations within ±127 and weights within ±63 that holds for inputs up to 2,076 wide
# (e5-small's widest layer takes 1,536), so a float product gives `_int_mm`'s int32 exactly.
FLOAT_EXACT_WIDTH = 2**24 // (127 * WEIGHT_LEVELS)


def fast_integer_products() -> bool:
    """Whether this CPU multiplies int8 fast (VNNI or AMX dot products).

    Without them (plain AVX2) `torch._int_mm` ran 40x slower than an fp32 product of the same
    size (2,048 x 384 by 384 x 1,536: 0.97 s against 0.024 s on 2 AVX2 cores of an AMD EPYC),
    which took the bundled model from 134 tweets/s in fp32 to 4 in int8. There the same
    integers are multiplied in fp32 instead: exact, so the labels are the same bits as on a
    CPU with VNNI."""
    return cpu_supports("_is_vnni_supported", "_is_amx_tile_supported")


def encoder_linears(model: Any) -> dict[str, Any]:
    """The encoder's Linear layers by name (the pooler and head stay fp32: tiny and last)."""
    return {
        name: module
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and ".encoder." in f".{name}"
    }


class SmoothedLinear(torch.nn.Module):
    """`linear(x / s)` where the linear's weight columns were multiplied by `s`."""

    inverse_scale: torch.Tensor  # a buffer: saved and moved with the module, never trained

    def __init__(self, linear: torch.nn.Linear, inverse_scale: torch.Tensor) -> None:
        super().__init__()
        self.linear = linear
        self.register_buffer("inverse_scale", inverse_scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x * self.inverse_scale)  # type: ignore[no-any-return]


def smooth(model: Any, ranges: Mapping[str, Any], alpha: float = SMOOTHING_ALPHA) -> list[str]:
    """Move activation outliers into the weights, in place; returns the wrapped layer names.

    The float function is unchanged (up to rounding): W' = W * s column-wise, x' = x / s.
    """
    modules = dict(model.named_modules())
    wrapped = []
    for name, linear in encoder_linears(model).items():
        if name not in ranges:
            continue
        weight_peak = linear.weight.detach().abs().amax(dim=0).clamp_min(1e-5)
        act_peak = ranges[name].to(weight_peak.dtype).clamp_min(1e-5)
        scale = (act_peak**alpha / weight_peak ** (1 - alpha)).clamp_min(1e-5)
        with torch.no_grad():
            linear.weight.mul_(scale)
        parent_name, _, child = name.rpartition(".")
        setattr(modules[parent_name], child, SmoothedLinear(linear, 1.0 / scale))
        wrapped.append(f"{name}.linear")
    return wrapped


class RowInt8Linear(torch.nn.Module):
    """A Linear layer in int8 whose activation scale is computed for each row (token) alone.

    torch's dynamic int8 Linear takes one activation scale for the whole input tensor, so a
    text's numbers depended on what it was batched with (and on the padding beside it): the
    same review could get another label depending on what else was crawled. Here every row is
    quantized with its own scale and multiplied in integers (`torch._int_mm`, exact int32
    accumulation), so a token's output depends on that token's input only; weights keep one
    scale per output row, as before. A smoothed layer's input scaling (`SmoothedLinear`) is
    folded in: one pass over the activations fewer. On a CPU without fast int8 products the
    same integers are multiplied in fp32, exactly (`fast_integer_products`).
    """

    weight_q: torch.Tensor  # [in, out] int8, laid out for `_int_mm`
    weight_scale: torch.Tensor  # [out] fp32
    bias: torch.Tensor | None
    inverse_scale: torch.Tensor | None  # smoothing's 1/s per input channel, or None
    weight_float: torch.Tensor | None  # weight_q as fp32 where products run in float

    def __init__(
        self,
        linear: torch.nn.Linear,
        inverse_scale: torch.Tensor | None = None,
        float_products: bool | None = None,
    ) -> None:
        """`float_products`: multiply the integers in fp32 (exact, `FLOAT_EXACT_WIDTH`);
        by default where this CPU has no fast int8 product (`fast_integer_products`)."""
        super().__init__()
        weight = linear.weight.detach().float()
        scale = (weight.abs().amax(dim=1) / WEIGHT_LEVELS).clamp_min(1e-12)
        quantized = torch.round(weight / scale[:, None]).clamp(-WEIGHT_LEVELS, WEIGHT_LEVELS)
        quantized = quantized.to(torch.int8)
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.register_buffer("weight_q", quantized.t().contiguous())
        self.register_buffer("weight_scale", scale)
        bias = None if linear.bias is None else linear.bias.detach().float().clone()
        self.register_buffer("bias", bias)
        self.register_buffer("inverse_scale", inverse_scale)
        if float_products is None:
            float_products = not fast_integer_products()
        exact = self.in_features <= FLOAT_EXACT_WIDTH
        weight_float = self.weight_q.float() if float_products and exact else None
        self.register_buffer("weight_float", weight_float, persistent=False)

    def integer_product(self, quantized: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """`quantized` (integer values, as int8 or as fp32) times the weight, into `out`
        (fp32): exact sums either way."""
        if self.weight_float is not None:
            return torch.mm(quantized, self.weight_float, out=out)
        return out.copy_(torch._int_mm(quantized, self.weight_q))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, self.in_features).float()
        rows = rows * self.inverse_scale if self.inverse_scale is not None else rows.clone()
        # the largest |value| per row in one pass (the same number as abs().amax())
        peak = torch.linalg.vector_norm(rows, ord=math.inf, dim=1, keepdim=True)
        scale = peak.clamp_min(1e-12) / 127.0
        quantized = rows.div_(scale).round_()  # integers, |value| <= 127 by construction
        if self.weight_float is None:
            quantized = quantized.to(torch.int8)
        out = torch.empty(rows.shape[0], self.out_features)
        # Rows in chunks: each chunk's int32 products are scaled back while still in the CPU
        # cache (one pass over all of them at once cost half again as much on long reviews).
        for start in range(0, rows.shape[0], CHUNK_ROWS):
            part = slice(start, start + CHUNK_ROWS)
            chunk = out[part]
            self.integer_product(quantized[part], chunk)
            chunk.mul_(scale[part]).mul_(self.weight_scale)
            if self.bias is not None:
                chunk.add_(self.bias)
        return out.reshape(*x.shape[:-1], self.out_features)


def quantize_int8(model: Any, ranges: Mapping[str, Any] | None = None) -> Any:
    """The model with its encoder Linear layers in int8 (`RowInt8Linear`: a scale per weight
    row and per activation row, so a text's result does not depend on its batch).

    With `ranges` (see `training.calibration.calibrate`) the layers are smoothed first.
    Modifies `model` in place and returns it (do not reuse it as the fp32 model).
    """
    if ranges:
        smooth(model, ranges)
    modules = dict(model.named_modules())
    for name, module in list(modules.items()):
        if ".encoder." not in f".{name}":
            continue
        parent_name, _, child = name.rpartition(".")
        if isinstance(module, SmoothedLinear):
            quantized = RowInt8Linear(module.linear, module.inverse_scale)
        elif isinstance(module, torch.nn.Linear) and not isinstance(
            modules[parent_name],
            SmoothedLinear,  # folded in with its wrapper above
        ):
            quantized = RowInt8Linear(module)
        else:
            continue
        setattr(modules[parent_name], child, quantized)
    return model
