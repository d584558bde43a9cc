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

import warnings
from collections.abc import Mapping
from typing import Any

import torch  # this module is imported only where a model loads

SMOOTHING_ALPHA = 0.9


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

    def __init__(self, linear: torch.nn.Module, inverse_scale: torch.Tensor) -> None:
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


def quantize_int8(model: Any, ranges: Mapping[str, Any] | None = None) -> Any:
    """The model with its encoder Linear layers as dynamic int8 (per-output-row weight scales).

    With `ranges` (see `training.calibration.calibrate`) the layers are smoothed first.
    Modifies `model` in place and returns the quantized module (do not reuse the fp32 one).
    """
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    targets = smooth(model, ranges) if ranges else list(encoder_linears(model))
    with warnings.catch_warnings():
        # torch.ao's eager quantization is deprecated in favour of torchao (another package);
        # it is still shipped, tested and what the fbgemm int8 kernels are reached through
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return quantize_dynamic(  # type: ignore[no-untyped-call]
            model, dict.fromkeys(targets, per_channel_dynamic_qconfig), dtype=torch.qint8
        )
