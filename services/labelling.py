"""The labelling worker: label new and edited mentions in batches, off the event loop.

It knows the classifier only by its protocol (`predict` returning results with a `verdict`),
so it loads no model code itself; the caller injects the loader."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.db import session_scope
from core.timeutil import utcnow
from models import Mention

logger = logging.getLogger(__name__)
LOAD_RETRY_SECONDS = 300


class Verdict(Protocol):
    """What a mention is labelled (`classifier.Verdict`)."""

    @property
    def label(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def disagreement(self) -> bool | None: ...
    @property
    def text(self) -> Any: ...


class Prediction(Protocol):
    """One text's result (`classifier.Sentiment`): its verdict once the rating counts."""

    def verdict(self, rating: float | None = None) -> Verdict: ...


class Classifier(Protocol):
    version: str

    def predict(self, texts: Sequence[str], batch_size: int = ...) -> Sequence[Prediction]: ...


OnClassified = Callable[[Session, Mention], None]


def mention_text(mention: Mention) -> str:
    """What the model reads: the title (reviews often carry the verdict there) and the text."""
    return "\n".join(part for part in (mention.title, mention.text) if part)


class ClassificationWorker:
    """Each pass takes up to `limit` mentions that have no label, or a label from another
    model version, classifies them in batches and stores label, score and model version.

    The model is loaded once (by `load_classifier`, on the first pass) and reused.
    """

    def __init__(
        self,
        engine: Engine,
        load_classifier: Callable[[], Classifier],
        *,
        on_classified: OnClassified | None = None,
        batch_size: int = 32,
        limit: int = 256,
    ) -> None:
        self.engine = engine
        self.load_classifier = load_classifier
        self.on_classified = on_classified
        self.batch_size = batch_size
        self.limit = limit
        self._classifier: Classifier | None = None
        self._load_failed_at: float | None = None

    @property
    def classifier(self) -> Classifier:
        if self._classifier is None:
            self._classifier = self.load_classifier()
        return self._classifier

    def available(self) -> bool:
        """Load the model once; when it cannot load, say so once and retry only rarely."""
        if self._classifier is not None:
            return True
        now = time.monotonic()
        if self._load_failed_at is not None and now - self._load_failed_at < LOAD_RETRY_SECONDS:
            return False
        try:
            self._classifier = self.load_classifier()
        except Exception as exc:
            if self._load_failed_at is None:
                logger.error("sentiment model unavailable, mentions stay unlabelled: %s", exc)
            self._load_failed_at = now
            return False
        return True

    def pending(self, session: Session, version: str) -> list[Mention]:
        unlabeled = session.exec(
            select(Mention)
            .where(col(Mention.sentiment_label).is_(None))
            .order_by(col(Mention.id))
            .limit(self.limit)
        ).all()
        if unlabeled:
            return list(unlabeled)
        # Only when nothing new waits: mentions labelled by an earlier model version.
        return list(
            session.exec(
                select(Mention)
                .where(col(Mention.sentiment_model) != version)
                .order_by(col(Mention.id))
                .limit(self.limit)
            ).all()
        )

    def run_once(self) -> int:
        """Classify one batch of pending mentions; return how many were labelled."""
        classifier = self.classifier
        with Session(self.engine) as session:
            pending = self.pending(session, classifier.version)
            ids = [m.id for m in pending]
            texts = [mention_text(m) for m in pending]
            ratings = [m.rating for m in pending]
        if not ids:
            return 0
        # The model runs with no database transaction open: crawls keep writing meanwhile.
        results = classifier.predict(texts, batch_size=self.batch_size)
        now = utcnow()
        with session_scope(self.engine) as session:
            for mention_id, rating, result in zip(ids, ratings, results, strict=True):
                mention = session.get(Mention, mention_id)
                if mention is None or mention_text(mention) != texts[ids.index(mention_id)]:
                    continue  # edited while we classified: the next pass takes the new text
                verdict = result.verdict(rating)
                mention.sentiment_label, mention.sentiment_score = verdict.label, verdict.score
                mention.sentiment_probs = verdict.text.probs
                mention.sentiment_uncertain = verdict.text.uncertain
                mention.sentiment_disagreement = verdict.disagreement
                mention.sentiment_model = classifier.version
                mention.classified_at = now
                session.add(mention)
                if self.on_classified is not None:
                    self.on_classified(session, mention)
        return len(ids)

    def tick(self) -> None:
        """Work through the backlog; errors are logged and the next tick tries again."""
        if not self.available():
            return
        try:
            while self.run_once() >= self.limit:
                pass
        except Exception:
            logger.exception("classification pass failed")
