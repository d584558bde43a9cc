"""Per-brand adaptation: a linear head over the model's frozen features, fitted to one brand's
corrected mentions, starting from (and pulled towards) the model's own head.

Why this and not a kNN vote or a calibration: the head starts where the model is, so a few
corrections move it a little and many move it more (the pull, `l2`, is chosen by
cross-validation on the brand's own corrections); it costs one 384 x 3 product per text.
The cross-validated macro-F1 with and without it is what `GET /brands/{id}/adaptation`
reports, and an adapter that does not beat the model on held-out corrections is stored
inactive: adaptation may help and must never make a brand's labels worse on what its team
said (`MCNEMAR_Z`). Measured on streams of real dev splits in `bench/adaptation.py` (README).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from core.labels import LABELS
from core.metrics import metrics

FOLDS = 5
# the pull towards the model's head, per correction (scaled by 1/n inside the loss)
L2_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)
# An adapter is used only when, on held-out corrections, it beats the model in macro-F1 and
# the texts it gets right that the model got wrong outnumber the reverse clearly: a one-sided
# McNemar test at about 99 % (b - c >= 2.33 * sqrt(b + c)). At 95 % (z = 1.645) one adapter in
# the replayed dev streams passed on 50 corrections and then lost 0.03 macro-F1 on the rest;
# at 99 % none lost anything and 90 % of the gain stayed (bench/adaptation.py, README).
MCNEMAR_Z = 2.33
# The pull on the three biases is this fraction of the pull on the weights. A brand's stream
# often has other class priors than the model's training mix (a team that never says
# "neutral", one whose "neutral" means "no emotion"); three numbers cost little variance,
# and pulling them as hard as the 384 x 3 weights kept the head from learning those priors:
# with the full pull, the Mozetic two-class stream gained +0.06 macro-F1 from 200 corrections
# and +0.35 from 100 (the cross-validation then chose the strongest pull); with 0.01, +0.34
# from 50, 100 and 200 alike, and the mean over 11 dev streams at 200 went +0.022 -> +0.053,
# none below +0.000 (bench/adaptation.py, README).
BIAS_PULL = 0.01


@dataclass
class Adaptation:
    weight: Any  # [labels x features]
    bias: Any
    l2: float
    active: bool
    metrics: dict[str, Any] = field(default_factory=dict)


def fit_head(
    features: torch.Tensor,
    targets: torch.Tensor,
    weight0: torch.Tensor,
    bias0: torch.Tensor,
    l2: float,
    steps: int = 60,
    bias_pull: float = BIAS_PULL,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy plus `l2 / n` times the squared distance to the model's head (the biases'
    distance weighted by `bias_pull`); full-batch L-BFGS. Classes are not reweighted: the
    biases learn the stream's own priors, and reweighting a handful of rare corrections made
    the head over-predict them."""
    n = max(len(targets), 1)
    weight = weight0.clone().requires_grad_(True)
    bias = bias0.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS([weight, bias], max_iter=steps, line_search_fn="strong_wolfe")

    def loss_fn() -> torch.Tensor:
        optimizer.zero_grad()
        logits = features @ weight.T + bias
        loss = torch.nn.functional.cross_entropy(logits, targets)
        pull = ((weight - weight0) ** 2).sum() + bias_pull * ((bias - bias0) ** 2).sum()
        total = loss + (l2 / n) * pull
        total.backward()  # type: ignore[no-untyped-call]
        return total

    with torch.enable_grad():
        optimizer.step(loss_fn)  # type: ignore[no-untyped-call]
    return weight.detach(), bias.detach()


def _labels(weight: torch.Tensor, bias: torch.Tensor, features: torch.Tensor) -> list[str]:
    return [LABELS[i] for i in (features @ weight.T + bias).argmax(dim=1).tolist()]


def _folds(n: int, k: int) -> list[list[int]]:
    """Interleaved folds: every fold spans the whole stream, early and late corrections."""
    return [list(range(start, n, k)) for start in range(k)]


def adapt(
    features: torch.Tensor,
    labels: Sequence[str],
    weight0: torch.Tensor,
    bias0: torch.Tensor,
    folds: int = FOLDS,
    grid: Sequence[float] = L2_GRID,
) -> Adaptation:
    """Choose the pull by cross-validation, measure the effect, fit on everything.

    The fit runs on standardised features (the model's head rewritten to match), so the pull
    weighs every feature alike whatever its spread; the result is mapped back."""
    mean = features.mean(dim=0)
    spread = features.std(dim=0).clamp_min(1e-6) if len(features) > 1 else mean * 0 + 1
    features = (features - mean) / spread
    weight0, bias0 = weight0 * spread, bias0 + weight0 @ mean
    n = len(labels)
    targets = torch.tensor([LABELS.index(label) for label in labels])
    k = max(2, min(folds, n // 5))
    base_pred = _labels(weight0, bias0, features)
    best: tuple[float, float, list[str]] | None = None
    for l2 in grid:
        predicted = [""] * n
        for held in _folds(n, k):
            keep = sorted(set(range(n)) - set(held))
            weight, bias = fit_head(features[keep], targets[keep], weight0, bias0, l2)
            for i, label in zip(held, _labels(weight, bias, features[held]), strict=True):
                predicted[i] = label
        score = metrics(list(labels), predicted)["macro_f1"]
        if best is None or score > best[0]:
            best = (score, l2, predicted)
    assert best is not None
    score, l2, predicted = best
    model_scores = metrics(list(labels), base_pred)
    adapted_scores = metrics(list(labels), predicted)
    gain = adapted_scores["macro_f1"] - model_scores["macro_f1"]
    fixed = sum(p == g != m for p, g, m in zip(predicted, labels, base_pred, strict=True))
    broken = sum(m == g != p for p, g, m in zip(predicted, labels, base_pred, strict=True))
    clear = fixed - broken >= MCNEMAR_Z * math.sqrt(fixed + broken) and fixed > broken
    weight, bias = fit_head(features, targets, weight0, bias0, l2)
    weight = weight / spread  # back to the model's own features
    bias = bias - weight @ mean
    return Adaptation(
        weight=weight,
        bias=bias,
        l2=l2,
        active=gain > 0 and clear,
        metrics={
            "folds": k,
            "corrections": n,
            "l2": l2,
            "macro_f1_model": round(model_scores["macro_f1"], 4),
            "macro_f1_adapter": round(adapted_scores["macro_f1"], 4),
            "gain": round(gain, 4),
            "fixed": fixed,  # held-out corrections the adapter gets right, the model wrong
            "broken": broken,  # the reverse
            "negative_f1_model": round(model_scores["negative_f1"], 4),
            "negative_f1_adapter": round(adapted_scores["negative_f1"], 4),
        },
    )
