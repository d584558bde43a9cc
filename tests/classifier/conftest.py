"""Tiny, locally built models: no downloads, a few KB each, built in well under a second."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "good", "bad", "ok", "service", "very", "the", "is"]


def make_tokenizer():
    """A whitespace word-level tokenizer over VOCAB, wrapped as a fast transformers tokenizer."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(VOCAB)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        model_max_length=64,
    )


def make_model(id2label: dict[int, str], seed: int = 0):
    """A 2-layer, 16-wide BertForSequenceClassification with the given labels."""
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        pad_token_id=0,
        num_labels=len(id2label),
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )
    torch.manual_seed(seed)
    return BertForSequenceClassification(config).eval()


@pytest.fixture
def tiny_model_dir(tmp_path: Path) -> Callable[..., Path]:
    """Factory: save a tiny model with the given id2label and return its directory."""

    def build(id2label: dict[int, str] | None = None, seed: int = 0) -> Path:
        labels = id2label or {0: "negative", 1: "neutral", 2: "positive"}
        out = tmp_path / f"tiny-{seed}-{len(labels)}-{abs(hash(json.dumps(labels))) % 10**6}"
        make_model(labels, seed).save_pretrained(out)
        make_tokenizer().save_pretrained(out)
        return out

    return build


def write_fake_base(models_dir: Path) -> Path:
    """Cache a tiny BERT as the converted 'e5 base' in `models_dir`, so nothing is converted."""
    from classifier.e5_convert import BASE_DIRNAME, CONVERTER_VERSION

    base = models_dir / BASE_DIRNAME
    make_model({0: "a", 1: "b", 2: "c"}).bert.save_pretrained(base)
    make_tokenizer().save_pretrained(base)
    (base / "svetofor-base.json").write_text(json.dumps({"converter_version": CONVERTER_VERSION}))
    return models_dir


@pytest.fixture
def fake_models_dir(tmp_path: Path) -> Path:
    """A models dir whose cached 'e5 base' is a tiny BERT."""
    return write_fake_base(tmp_path / "models")
