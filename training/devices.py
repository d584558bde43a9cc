"""Which torch device training runs on: `--device auto` picks a CUDA GPU when there is one.

Inference stays on the CPU (the service's int8 path is a CPU kernel); training and the
teacher's logits are the compute a GPU shortens (epoch times are in docs/model-card.md).
"""

from __future__ import annotations

from typing import Any

DEVICE_CHOICES = "auto, cpu, cuda or cuda:N"


def resolve_device(spec: str) -> Any:
    """The `torch.device` for `spec`; ValueError when it is unknown or not on this machine."""
    import torch

    name = spec.strip().lower() or "auto"
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    kind, colon, index = name.partition(":")
    if kind != "cuda" or (colon and not index.isdigit()):
        raise ValueError(f"--device {spec!r}: unknown device, choose {DEVICE_CHOICES}")
    if not torch.cuda.is_available():
        build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a build without CUDA"
        raise ValueError(
            f"--device {spec}: no CUDA device is available (torch {torch.__version__}, {build})"
        )
    count = torch.cuda.device_count()
    if index and int(index) >= count:
        raise ValueError(f"--device {spec}: this machine has {count} CUDA device(s)")
    return torch.device(name)


def device_name(device: Any) -> str:
    """ "cpu", or the GPU with its model name ("cuda:0 NVIDIA H200"), for a run's summary."""
    import torch

    if device.type != "cuda":
        return str(device.type)
    index = device.index if device.index is not None else torch.cuda.current_device()
    return f"cuda:{index} {torch.cuda.get_device_name(index)}"
