"""Which labelling worker labels which mention: claims, so N workers never take one twice.

A worker claims up to `limit` mentions in one statement (`UPDATE … WHERE id IN (SELECT … FOR
UPDATE SKIP LOCKED) RETURNING id` on PostgreSQL; SQLite runs the one statement atomically),
labels them with no transaction open, then stores the labels under row locks and lets the
claims go. A worker killed in between holds its claims only until the lease runs out; then
any worker takes them. A worker that outlived its lease (a very slow batch) finds the claim
gone or someone else's when it stores, and drops those results (`Claim.holds`): a label is
stored once, by the worker holding the claim; triage runs once per content version under the
row lock whoever stores (`label_store.triage_once`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from core.timeutil import utcnow
from models import Mention
from services.label_store import untriaged


def new_work() -> Any:
    """Mentions with no label, or whose current text no triage has seen."""
    return col(Mention.sentiment_label).is_(None) | untriaged()


def other_model(version: str) -> Any:
    """Mentions labelled by another model version (taken only when no new work waits)."""
    return col(Mention.sentiment_model) != version


@dataclass(frozen=True)
class Claim:
    ids: list[int]
    by: str
    until: datetime

    def holds(self, mention: Mention) -> bool:
        """Whether the mention is still ours (read under its row lock)."""
        return mention.label_claimed_by == self.by and mention.label_claimed_until == self.until


def claim_pending(engine: Engine, version: str, limit: int, lease: timedelta, by: str) -> Claim:
    """Take up to `limit` mentions that wait for a label, new work first."""
    now = utcnow()
    until = now + lease
    free = col(Mention.label_claimed_until).is_(None) | (col(Mention.label_claimed_until) < now)
    for wanted in (new_work(), other_model(version)):
        pick = (
            select(Mention.id)
            .where(col(Mention.label_error).is_(None), free, wanted)
            .order_by(col(Mention.id))
            .limit(limit)
        )
        if engine.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        with engine.begin() as connection:
            taken = connection.execute(
                update(Mention)
                .where(col(Mention.id).in_(pick))
                .values(label_claimed_until=until, label_claimed_by=by)
                .returning(col(Mention.id))
            )
            ids = sorted(int(i) for i in taken.scalars() if i is not None)
        if ids:
            return Claim(ids, by, until)
    return Claim([], by, until)


def release(mention: Mention) -> None:
    """The worker is done with this mention (labelled, set back or skipped)."""
    mention.label_claimed_until = None
    mention.label_claimed_by = None


def release_ids(engine: Engine, ids: Sequence[int]) -> None:
    """Let claims go without touching the mentions otherwise (a pass that failed)."""
    if not ids:
        return
    with engine.begin() as connection:
        connection.execute(
            update(Mention)
            .where(col(Mention.id).in_(list(ids)))
            .values(label_claimed_until=None, label_claimed_by=None)
        )
