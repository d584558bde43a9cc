"""Labels on stored mentions: storing a verdict, triage once per content version, failures
counted per mention, and the backlog `/healthz` reports."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from core.db import session_scope
from models import Mention

logger = logging.getLogger(__name__)
# A mention whose labelling or triage failed this many times is set aside (`label_error`),
# so one bad row never stops labelling for everyone else.
MAX_LABEL_ATTEMPTS = 3
OnClassified = Callable[[Session, Mention], Any]


def untriaged() -> Any:
    """Mentions whose current text no triage has decided on yet."""
    return col(Mention.triaged_version).is_(None) | (
        col(Mention.triaged_version) != col(Mention.version)
    )


def store_verdict(
    mention: Mention, verdict: Any, model: str, now: datetime, adapter: int | None = None
) -> None:
    """Store a `classifier.Verdict` on the mention as the model's answer; it is the label in
    force too unless a person corrected it (a correction is never overridden by a model)."""
    mention.model_label, mention.model_score = verdict.label, verdict.score
    if mention.human_label is None:
        mention.sentiment_label, mention.sentiment_score = verdict.label, verdict.score
    mention.sentiment_adapter = adapter
    mention.sentiment_probs = verdict.text.probs
    mention.sentiment_uncertain = verdict.text.uncertain
    mention.sentiment_disagreement = verdict.disagreement
    mention.sentiment_model = model
    mention.classified_at = now


def set_back(mention: Mention, error: str) -> None:
    """Count a failure against one mention; past the limit it is set aside with its error."""
    mention.label_attempts += 1
    if mention.label_attempts >= MAX_LABEL_ATTEMPTS:
        mention.label_error = error[:2000]
        logger.error(
            "mention %s set aside after %d failed attempts: %s",
            mention.id,
            mention.label_attempts,
            error,
        )


def triage_once(session: Session, mention: Mention, on_classified: OnClassified) -> None:
    """Triage a mention once per content version, in a savepoint: a failure rolls back this
    mention's triage alone and counts against it."""
    if mention.triaged_version == mention.version:
        return  # a re-label of a text already triaged: the team's decision stands
    try:
        with session.begin_nested():
            on_classified(session, mention)
            mention.triaged_version = mention.version
            mention.label_attempts = 0  # counts failures in a row
            session.add(mention)
    except Exception as exc:
        logger.exception("triage of mention %s failed", mention.id)
        set_back(mention, f"triage failed: {exc!r}")
        session.add(mention)


def triage_labelled(engine: Engine, on_classified: OnClassified, limit: int = 500) -> int:
    """Triage mentions that are labelled but whose text no triage has seen (for
    `svetofor cases check` from cron); return how many were triaged."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(Mention)
            .where(
                col(Mention.sentiment_label).is_not(None),
                col(Mention.label_error).is_(None),
                untriaged(),
            )
            .order_by(col(Mention.id))
            .limit(limit)
        ).all()
        for mention in rows:
            triage_once(session, mention, on_classified)
        return len(rows)


def labelling_backlog(session: Session) -> dict[str, Any]:
    """What `/healthz` reports: mentions waiting for a label, and those set aside."""
    waiting = session.exec(
        select(func.count())
        .select_from(Mention)
        .where(col(Mention.sentiment_label).is_(None), col(Mention.label_error).is_(None))
    ).one()
    aside = session.exec(
        select(Mention.id, Mention.label_error)
        .where(col(Mention.label_error).is_not(None))
        .order_by(col(Mention.id).desc())
    ).all()
    return {
        "unlabelled": int(waiting),
        "set_aside": len(aside),
        "set_aside_examples": [{"mention_id": i, "error": e} for i, e in aside[:5]],
    }
