"""A brand's adapter at serving time: a linear head over the model's frozen features.

The model's own head reads the pooled first token (`features`); an adapter is the same kind
of head, trained on one brand's corrected mentions starting from the model's head
(`classifier.adaptation`), so with no corrections it says what the model says. It is applied
row by row, like the head it replaces (`batch_invariance`), so a text's label does not depend
on its batch here either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from classifier.labels import LABELS


@dataclass(frozen=True)
class AdapterHead:
    """`weight` [labels x features] and `bias` [labels], rows in `labels` order."""

    version: int
    labels: tuple[str, ...]
    weight: Any  # torch.Tensor
    bias: Any  # torch.Tensor

    @classmethod
    def from_json(cls, version: int, data: Mapping[str, Any]) -> AdapterHead:
        import torch

        return cls(
            version=version,
            labels=tuple(data["labels"]),
            weight=torch.tensor(data["weight"], dtype=torch.float32),
            bias=torch.tensor(data["bias"], dtype=torch.float32),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "weight": [[round(float(v), 6) for v in row] for row in self.weight.tolist()],
            "bias": [round(float(v), 6) for v in self.bias.tolist()],
        }

    def logits(self, features: Any) -> list[list[float]]:
        """One row of logits per feature row, each computed alone."""
        return [(self.weight @ row + self.bias).tolist() for row in features]


def model_head(model: Any, index_to_label: Mapping[int, str]) -> tuple[Any, Any]:
    """The model's own head in `LABELS` order, where it has one output per label; else a
    zero head (an adapter then learns from the corrections alone)."""
    import torch

    linear = getattr(model, "classifier", None)
    linear = getattr(linear, "linear", linear)  # unwrap `batch_invariance.RowwiseLinear`
    weight = getattr(linear, "weight", None)
    width = features_width(model)
    if (
        isinstance(linear, torch.nn.Linear)
        and weight is not None
        and sorted(index_to_label.values()) == sorted(LABELS)
        and len(index_to_label) == len(LABELS)
    ):
        order = [next(i for i, name in index_to_label.items() if name == label) for label in LABELS]
        bias = linear.bias if linear.bias is not None else torch.zeros(len(LABELS))
        return weight.detach().float()[order].clone(), bias.detach().float()[order].clone()
    return torch.zeros(len(LABELS), width), torch.zeros(len(LABELS))


def features_width(model: Any) -> int:
    return int(model.config.hidden_size)


def stack(rows: Sequence[Any]) -> Any:
    import torch

    return torch.stack(list(rows))
