"""Per-brand adapters in the service: which brands are due one, training it from the brand's
corrections in the background, the heads the labelling worker applies, and the status the
API reports.

An adapter reads the features of the model it was trained on; after a model upgrade the old
adapters are ignored and retrained for the new model on the next background pass.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from core.db import session_scope
from core.timeutil import utcnow
from models import AdaptationPublic, Brand, BrandAdapter, LabelCorrection, Mention
from services.labelling import mention_text

logger = logging.getLogger(__name__)


def corrections_in_force(session: Session, brand_id: int) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(LabelCorrection)
            .where(
                LabelCorrection.brand_id == brand_id, col(LabelCorrection.withdrawn_at).is_(None)
            )
        ).one()
    )


def latest_adapter(session: Session, brand_id: int) -> BrandAdapter | None:
    return session.exec(
        select(BrandAdapter)
        .where(BrandAdapter.brand_id == brand_id)
        .order_by(col(BrandAdapter.version).desc())
    ).first()


def is_due(session: Session, brand: Brand, model: str, min_corrections: int, step: int) -> bool:
    """Enough corrections, and none yet for this model or `step` more since the last one."""
    if not brand.adaptation or brand.id is None:
        return False
    count = corrections_in_force(session, brand.id)
    if count < min_corrections:
        return False
    last = latest_adapter(session, brand.id)
    return last is None or last.model != model or abs(count - last.corrections) >= step


def due_brands(session: Session, model: str, min_corrections: int, step: int) -> list[int]:
    brands = session.exec(select(Brand).where(col(Brand.adaptation).is_(True))).all()
    return [
        b.id
        for b in brands
        if b.id is not None and is_due(session, b, model, min_corrections, step)
    ]


def brand_corrections(session: Session, brand_id: int) -> tuple[list[str], list[str]]:
    """The texts (as the model reads them) and labels of a brand's corrections in force,
    oldest first."""
    rows = session.exec(
        select(Mention, LabelCorrection.label)
        .join(LabelCorrection, col(LabelCorrection.mention_id) == col(Mention.id))
        .where(LabelCorrection.brand_id == brand_id, col(LabelCorrection.withdrawn_at).is_(None))
        .order_by(col(LabelCorrection.id))
    ).all()
    return [mention_text(m) for m, _ in rows], [str(label) for _, label in rows]


def train_adapter(
    engine: Engine, classifier: Any, brand_id: int, now: datetime | None = None
) -> BrandAdapter:
    """Fit, measure and store the brand's next adapter version (active only if it beat the
    model on the brand's held-out corrections). `classifier`: `SentimentClassifier`."""
    with Session(engine) as session:
        texts, labels = brand_corrections(session, brand_id)
        last = latest_adapter(session, brand_id)
        version = 1 if last is None else last.version + 1
    head, metrics, active = classifier.fit_adapter(version, texts, labels)
    with session_scope(engine) as session:
        row = BrandAdapter(
            brand_id=brand_id,
            version=version,
            model=classifier.version,
            corrections=len(labels),
            trained_at=now or utcnow(),
            weights=head.to_json(),
            metrics=metrics,
            active=active,
        )
        session.add(row)
        session.flush()
        session.expunge(row)
    logger.info(
        "brand %s adapter v%d on %d corrections: macro-F1 %.3f -> %.3f (cross-validated), %s",
        brand_id,
        version,
        len(labels),
        metrics["macro_f1_model"],
        metrics["macro_f1_adapter"],
        "in use" if active else "not used: no better than the model",
    )
    return row


class Adapters:
    """The heads the labelling worker applies, per brand: the newest active adapter of each
    brand with adaptation on, trained on this model; reloaded when a new one lands."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._key: tuple[Any, ...] | None = None
        self._heads: dict[int, Any] = {}

    def heads(self, classifier: Any) -> dict[int, Any]:
        model = classifier.version
        with Session(self.engine) as session:
            key = (
                model,
                session.exec(select(func.max(BrandAdapter.id))).one(),
                tuple(
                    session.exec(
                        select(Brand.id)
                        .where(col(Brand.adaptation).is_(False))
                        .order_by(col(Brand.id))
                    ).all()
                ),
            )
            if key == self._key:
                return self._heads
            heads: dict[int, Any] = {}
            rows = session.exec(
                select(BrandAdapter)
                .join(Brand, col(Brand.id) == col(BrandAdapter.brand_id))
                .where(
                    col(BrandAdapter.active).is_(True),
                    BrandAdapter.model == model,
                    col(Brand.adaptation).is_(True),
                )
                .order_by(col(BrandAdapter.version))
            ).all()
            for row in rows:  # the newest version of each brand wins
                heads[row.brand_id] = classifier.load_adapter(row.version, row.weights)
        self._key, self._heads = key, heads
        return heads

    def for_mentions(self, classifier: Any, brand_ids: Sequence[int]) -> list[Any] | None:
        """One head (or None) per mention; None when no mention's brand has one."""
        heads = self.heads(classifier)
        chosen = [heads.get(b) for b in brand_ids]
        return chosen if any(h is not None for h in chosen) else None


def adaptation_status(
    session: Session, brand: Brand, min_corrections: int, model: str | None = None
) -> AdaptationPublic:
    """What `GET /brands/{id}/adaptation` reports."""
    assert brand.id is not None
    count = corrections_in_force(session, brand.id)
    last = latest_adapter(session, brand.id)
    in_use = bool(
        brand.adaptation and last is not None and last.active and (model in (None, last.model))
    )
    if not brand.adaptation:
        status = "switched off for this brand: the model alone labels its mentions"
    elif last is None and count < min_corrections:
        status = f"learning starts at {min_corrections} corrections ({count} so far)"
    elif last is None:
        status = "an adapter will be trained on the next background pass"
    elif not last.active:
        status = (
            "the last adapter was no better than the model on held-out corrections, so the "
            "model alone labels this brand; it is retrained as corrections grow"
        )
    else:
        status = f"adapter v{last.version} labels this brand's new mentions"
    return AdaptationPublic(
        brand=brand.name,
        enabled=brand.adaptation,
        min_corrections=min_corrections,
        corrections=count,
        version=last.version if last else None,
        trained_at=last.trained_at if last else None,
        corrections_used=last.corrections if last else None,
        active=in_use,
        model=last.model if last else None,
        effect=last.metrics if last else None,
        status=status,
    )


class AdapterTraining:
    """The background pass: train each due brand's adapter, at most every `every` seconds
    (the labelling worker calls it after each tick, with its loaded model)."""

    def __init__(
        self, engine: Engine, min_corrections: int, step: int, every: float = 60.0
    ) -> None:
        self.engine = engine
        self.min_corrections = min_corrections
        self.step = step
        self.every = every
        self._last: float | None = None

    def run_due(self, classifier: Any) -> int:
        now = time.monotonic()
        if self._last is not None and now - self._last < self.every:
            return 0
        self._last = now
        with Session(self.engine) as session:
            due = due_brands(session, classifier.version, self.min_corrections, self.step)
        for brand_id in due:
            train_adapter(self.engine, classifier, brand_id)
        return len(due)
