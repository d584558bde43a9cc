"""Tiny, locally built models and data for the classifier and training tests: no downloads,
a few KB each, built in well under a second."""

from __future__ import annotations

import csv
import json
from pathlib import Path

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
    import torch
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


def write_fake_base(models_dir: Path) -> Path:
    """Cache a tiny BERT as the converted 'e5 base' in `models_dir`, so nothing is converted."""
    from classifier.e5_convert import BASE_DIRNAME, CONVERTER_VERSION

    base = models_dir / BASE_DIRNAME
    make_model({0: "a", 1: "b", 2: "c"}).bert.save_pretrained(base)
    make_tokenizer().save_pretrained(base)
    (base / "svetofor-base.json").write_text(json.dumps({"converter_version": CONVERTER_VERSION}))
    return models_dir


TEXTS = [
    "good",
    "very bad service",
    "the service is ok",
    "bad",
    "the service is very very good good good",
    "ok",
    "",
]

ROWS = [
    ("very bad service", "negative"),
    ("bad", "negative"),
    ("the service is ok", "neutral"),
    ("ok", "neutral"),
    ("very good", "positive"),
    ("good service", "positive"),
] * 4


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(rows)
    return path
