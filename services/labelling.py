"""The labelling worker: label new and edited mentions in batches, off the event loop.

It knows the classifier only by its protocol (`predict` returning results with a `verdict`),
so it loads no model code itself; the caller injects the loader."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from core.db import session_scope
from core.process import this_process
from core.timeutil import utcnow
from models import Mention
from services.catalog import brand_by_name
from services.label_claims import claim_pending, release, release_ids
from services.label_store import OnClassified, set_back, store_verdict, triage_once, untriaged

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


class HeadBook(Protocol):
    """Per-brand adapters (`services.adaptation.Adapters`)."""

    def for_mentions(self, classifier: Any, brand_ids: Sequence[int]) -> list[Any] | None: ...


class AdapterTrainer(Protocol):
    """Trains brands' adapters when due (`services.adaptation.AdapterTraining`)."""

    def run_due(self, classifier: Any) -> int: ...


def mention_text(mention: Mention) -> str:
    """What the model reads: the title (reviews often carry the verdict there) and the text."""
    return "\n".join(part for part in (mention.title, mention.text) if part)


# What this process's labelling worker knows about its model, for `/healthz`.
MODEL_STATUS: dict[str, Any] = {"loaded": False, "error": None}


class ClassificationWorker:
    """Each pass takes up to `limit` mentions that have no label, a label from another model
    version, or a label no triage has seen yet; classifies them in batches and stores label,
    score and model version.

    Triage (`on_classified`) runs once per content version of a mention: a re-label by a new
    model or precision updates the label and analytics but never reopens, recreates or alerts
    again; only a new mention, or an edit that changes its text, is triaged again. A mention
    whose labelling or triage keeps failing is retried `MAX_LABEL_ATTEMPTS` times, then set
    aside with its error while the rest go on. The model is loaded once (by
    `load_classifier`, on the first pass) and reused.
    """

    def __init__(
        self,
        engine: Engine,
        load_classifier: Callable[[], Classifier],
        *,
        on_classified: OnClassified | None = None,
        on_batch_done: Callable[[], None] | None = None,
        batch_size: int = 32,
        limit: int = 256,
        adapters: HeadBook | None = None,
        trainer: AdapterTrainer | None = None,
        lease: timedelta = timedelta(seconds=120),
    ) -> None:
        self.engine = engine
        self.lease = lease  # how long a claimed batch is ours (label_claims)
        self.load_classifier = load_classifier
        self.on_classified = on_classified
        # after each committed batch, e.g. to send a new case's alert within seconds
        self.on_batch_done = on_batch_done
        self.batch_size = batch_size
        self.limit = limit
        self.adapters = adapters  # brands' own heads, applied to their new mentions
        self.trainer = trainer  # trains them in the background from the team's corrections
        self._classifier: Classifier | None = None
        self._load_failed_at: float | None = None
        self.load_error: str | None = None

    @property
    def classifier(self) -> Classifier:
        if self._classifier is None:
            self._classifier = self.load_classifier()
        return self._classifier

    def available(self) -> bool:
        """Load the model once; when it cannot load, say so and retry every few minutes."""
        if self._classifier is not None:
            return True
        now = time.monotonic()
        if self._load_failed_at is not None and now - self._load_failed_at < LOAD_RETRY_SECONDS:
            return False
        try:
            self._classifier = self.load_classifier()
        except Exception as exc:
            self.load_error = str(exc)
            MODEL_STATUS.update(loaded=False, error=self.load_error)
            logger.error(
                "sentiment model unavailable (retrying in %d s); rated mentions still open "
                "cases: %s",
                LOAD_RETRY_SECONDS,
                exc,
            )
            self._load_failed_at = now
            return False
        if self._load_failed_at is not None:
            logger.info("sentiment model loaded after earlier failures")
        self.load_error = None
        MODEL_STATUS.update(loaded=True, error=None)
        return True

    def _predict(self, texts: list[str], heads: list[Any] | None) -> list[Prediction | Exception]:
        """One result per text; a batch that fails is retried text by text, so only the
        text that fails gets the error. `heads`: a brand adapter per text, or None."""

        def predict(batch: list[str], batch_heads: list[Any] | None, size: int) -> Any:
            if batch_heads is None:
                return self.classifier.predict(batch, batch_size=size)
            return self.classifier.predict(batch, batch_size=size, heads=batch_heads)  # type: ignore[call-arg]

        try:
            return list(predict(texts, heads, self.batch_size))
        except Exception:
            logger.warning(
                "a labelling batch failed; labelling its %d texts one by one", len(texts)
            )
        results: list[Prediction | Exception] = []
        for i, text in enumerate(texts):
            try:
                results.extend(predict([text], None if heads is None else [heads[i]], 1))
            except Exception as exc:
                results.append(exc)
        return results

    def run_once(self) -> int:
        """Classify one batch of pending mentions; return how many were taken.

        The batch is claimed first (`label_claims`), so any number of workers share the
        backlog without taking a mention twice; the labels are stored under row locks, and a
        mention is triaged once per content version whichever worker stores it."""
        classifier = self.classifier
        # named at claim time: a worker pool forks its processes after building us
        claim = claim_pending(
            self.engine, classifier.version, self.limit, self.lease, this_process()
        )
        ids = claim.ids
        if not ids:
            return 0
        try:
            with Session(self.engine) as session:
                pending = session.exec(
                    select(Mention).where(col(Mention.id).in_(ids)).order_by(col(Mention.id))
                ).all()
                texts = {m.id: mention_text(m) for m in pending}
                ratings = {m.id: m.rating for m in pending}
                brands = [m.brand_id for m in pending]
            order = list(texts)
            heads = self.adapters.for_mentions(classifier, brands) if self.adapters else None
            # The model runs with no database transaction open: crawls keep writing meanwhile.
            results = self._predict([texts[i] for i in order], heads)
        except BaseException:
            release_ids(self.engine, ids)  # let another pass take them at once
            raise
        now = utcnow()
        stored = 0
        with session_scope(self.engine) as session:
            for i, (mention_id, result) in enumerate(zip(order, results, strict=True)):
                # Locked in id order (no deadlock between workers) until this batch commits.
                mention = session.get(Mention, mention_id, with_for_update=True)
                if mention is None:
                    continue
                if not claim.holds(mention):
                    continue  # our lease ran out and another worker took it: theirs to store
                release(mention)
                session.add(mention)
                if mention_text(mention) != texts[mention_id]:
                    continue  # edited while we classified: the next pass takes the new text
                if isinstance(result, Exception):
                    set_back(mention, f"labelling failed: {result!r}")
                    continue
                head = heads[i] if heads is not None else None
                adapter = head.version if head is not None else None
                store_verdict(
                    mention, result.verdict(ratings[mention_id]), classifier.version, now, adapter
                )
                stored += 1
                self._triage(session, mention)
        if stored < len(ids):
            logger.warning(
                "%d of %d mentions were not stored by this pass (edited meanwhile, or the "
                "lease of %s ran out and another worker took them)",
                len(ids) - stored,
                len(ids),
                self.lease,
            )
        # the operator's (and the topology test's) count of labels stored, per process
        logger.info("labelled %d mentions (ids %s..%s)", stored, ids[0], ids[-1])
        if self.on_batch_done is not None:
            self.on_batch_done()
        return len(ids)

    def _triage(self, session: Session, mention: Mention) -> None:
        if self.on_classified is not None:
            triage_once(session, mention, self.on_classified)
        else:  # nothing triages here: the text counts as seen
            mention.triaged_version = mention.version

    def triage_rated_without_model(self) -> int:
        """With the model unavailable: triage unlabelled mentions with a star rating, so a
        1-star review opens its case anyway; return how many were triaged."""
        if self.on_classified is None:
            return 0
        with session_scope(self.engine) as session:
            rated = session.exec(
                select(Mention)
                .where(
                    col(Mention.sentiment_label).is_(None),
                    col(Mention.rating).is_not(None),
                    col(Mention.label_error).is_(None),
                    untriaged(),
                )
                .order_by(col(Mention.id))
                .limit(self.limit)
            ).all()
            for mention in rated:
                before = mention.case_id
                self._triage(session, mention)
                if mention.case_id is None or mention.case_id == before:
                    # no case opened: triage again once the model has labelled the text
                    mention.triaged_version = None
                    session.add(mention)
            return len(rated)

    def tick(self) -> None:
        """Work through the backlog; errors are logged and the next tick tries again."""
        if not self.available():
            try:
                self.triage_rated_without_model()
            except Exception:
                logger.exception("triage without the model failed")
            return
        try:
            while self.run_once() >= self.limit:
                pass
        except Exception:
            logger.exception("classification pass failed")
        if self.trainer is not None:
            try:
                self.trainer.run_due(self.classifier)
            except Exception:
                logger.exception("training a brand adapter failed")


@dataclass
class RelabelSummary:
    brand: str
    total: int = 0  # the brand's stored mentions when it started
    mentions: int = 0  # labelled again
    changed: int = 0  # whose label in force changed
    kept_human: int = 0  # a person's label, left as it is (the model's answer is updated)
    adapter: int | None = None  # the brand adapter version used, if any
    model: str = ""


def relabel_brand(
    engine: Engine,
    classifier: Any,
    brand: str,
    adapters: HeadBook | None = None,
    batch_size: int = 32,
    chunk: int = 256,
    progress: Callable[[RelabelSummary], None] | None = None,
) -> RelabelSummary:
    """Label every stored mention of a brand again with this model and the brand's adapter
    (`svetofor relabel --brand B`). People's labels stay in force; no case is opened, moved
    or alerted: re-labelling the same text never triages (`label_store.triage_once`)."""
    with Session(engine) as session:
        brand_id = brand_by_name(session, brand).id
        total = session.exec(
            select(func.count()).select_from(Mention).where(Mention.brand_id == brand_id)
        ).one()
    assert brand_id is not None
    summary = RelabelSummary(brand=brand, total=total, model=classifier.version)
    last = 0
    while True:
        with Session(engine) as session:
            rows = session.exec(
                select(Mention.id, Mention.title, Mention.text, Mention.rating)
                .where(Mention.brand_id == brand_id, col(Mention.id) > last)
                .order_by(col(Mention.id))
                .limit(chunk)
            ).all()
        if not rows:
            return summary
        last = rows[-1][0] or last
        texts = ["\n".join(p for p in (title, text) if p) for _, title, text, _ in rows]
        heads = adapters.for_mentions(classifier, [brand_id] * len(rows)) if adapters else None
        kwargs = {"heads": heads} if heads is not None else {}
        results = classifier.predict(texts, batch_size=batch_size, **kwargs)
        summary.adapter = heads[0].version if heads else None
        now = utcnow()
        with session_scope(engine) as session:
            for (mention_id, _, _, rating), text, result in zip(rows, texts, results, strict=True):
                mention = session.get(Mention, mention_id)
                if mention is None or mention_text(mention) != text:
                    continue  # edited meanwhile: the worker labels the new text
                before = mention.sentiment_label
                store_verdict(
                    mention, result.verdict(rating), classifier.version, now, summary.adapter
                )
                summary.mentions += 1
                summary.kept_human += mention.human_label is not None
                summary.changed += before != mention.sentiment_label
                session.add(mention)
        if progress is not None:
            progress(summary)
