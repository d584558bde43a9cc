"""The write path for mentions: store idempotently by (source, external_id), keep edits as
revisions, refine publication times; the read path is `services.mention_queries`."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.language import detect_language
from core.lemmas import search_terms
from core.timeutil import publication_problem, utcnow
from models import LabelCorrection, Mention, MentionRevision, Precision, Source
from models.mention import is_web_url

logger = logging.getLogger(__name__)

# A more precise publication time may replace a coarser one, never the other way round:
# re-crawling "2 hours ago" later must not drift a time we already know better.
_PRECISION_RANK = {
    None: 0,
    Precision.approximate: 1,
    Precision.day: 2,
    Precision.minute: 3,
    Precision.exact: 4,
}
_METADATA_FIELDS = ("url", "author", "author_url", "business_reply")


class Outcome(StrEnum):
    created = "created"
    updated = "updated"  # text, title or rating changed: the old version became a revision
    unchanged = "unchanged"


@dataclass
class MentionData:
    """What a spider or an integration knows about one mention."""

    external_id: str
    text: str
    title: str | None = None
    url: str | None = None
    author: str | None = None
    author_url: str | None = None
    rating: int | None = None
    lang: str | None = None
    published_at: datetime | None = None
    published_precision: Precision | None = None
    published_raw: str | None = None
    business_reply: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def content_hash(title: str | None, text: str, rating: int | None) -> str:
    """Identity of a mention's content: what, if changed, makes it an edit."""
    payload = json.dumps([title or "", " ".join(text.split()), rating], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def upsert_mention(
    session: Session, source: Source, data: MentionData, *, now: datetime | None = None
) -> tuple[Mention, Outcome]:
    """Insert a mention or update the stored one with the same (source, external_id)."""
    now = now or utcnow()
    existing = _find(session, source, data.external_id)
    if existing is None:
        mention = _new_mention(source, data, now)
        try:
            with session.begin_nested():
                session.add(mention)
        except IntegrityError:
            # Another writer stored it between our lookup and insert: update that row instead.
            existing = _find(session, source, data.external_id)
            if existing is None:
                raise
        else:
            return mention, Outcome.created
    outcome = _update(session, existing, data, now)
    session.flush()
    return existing, outcome


def upsert_mentions(
    session: Session, source: Source, batch: list[MentionData], *, now: datetime | None = None
) -> list[Outcome]:
    """Upsert many mentions of one source with one lookup and one flush.

    What a crawl uses: per-item round trips would cost more than the crawl itself.
    """
    now = now or utcnow()
    ids = list({data.external_id for data in batch})
    stored = {
        m.external_id: m
        for m in session.exec(
            select(Mention).where(Mention.source_id == source.id, col(Mention.external_id).in_(ids))
        )
    }
    outcomes = []
    try:
        with session.begin_nested():
            for data in batch:
                existing = stored.get(data.external_id)
                if existing is None:
                    stored[data.external_id] = _new_mention(source, data, now)
                    session.add(stored[data.external_id])
                    outcomes.append(Outcome.created)
                else:
                    session.flush()  # a mention created earlier in this batch needs its id
                    outcomes.append(_update(session, existing, data, now))
            session.flush()
    except IntegrityError:
        # A concurrent writer stored some of these first: fall back to one at a time.
        return [upsert_mention(session, source, data, now=now)[1] for data in batch]
    return outcomes


def _find(session: Session, source: Source, external_id: str) -> Mention | None:
    query = select(Mention).where(
        Mention.source_id == source.id, Mention.external_id == external_id
    )
    return session.exec(query).first()


def _bound_publication(data: MentionData, now: datetime) -> MentionData:
    """A publication time that cannot be true is stored as unknown (the raw text is kept,
    and the reason with it), so one broken date never reaches the deadlines."""
    if data.published_at is None:
        return data
    problem = publication_problem(data.published_at, now)
    if problem is None:
        return data
    logger.warning(
        "mention %s: publication time %s is %s", data.external_id, data.published_at, problem
    )
    raw = data.published_raw or data.published_at.isoformat()
    return replace(
        data,
        published_at=None,
        published_precision=None,
        published_raw=raw[:200],
        raw={**data.raw, "publication_refused": problem},
    )


def searchable(data: MentionData) -> str:
    return search_terms(" ".join(filter(None, (data.title, data.text, data.author))))


def _language(data: MentionData) -> str | None:
    """The text's own language; the source's (`data.lang`) when the text does not say."""
    return detect_language("\n".join(filter(None, (data.title, data.text))), data.lang)


def _web_links_only(data: MentionData) -> MentionData:
    """`javascript:` and other schemes are dropped: only http(s) links reach our pages."""
    url = data.url if data.url and is_web_url(data.url) else None
    author_url = data.author_url if data.author_url and is_web_url(data.author_url) else None
    if (url, author_url) == (data.url, data.author_url):
        return data
    logger.warning("mention %s: a non-http(s) link was dropped", data.external_id)
    return replace(data, url=url, author_url=author_url)


def _new_mention(source: Source, data: MentionData, now: datetime) -> Mention:
    assert source.id is not None
    data = _web_links_only(_bound_publication(data, now))
    precision = data.published_precision
    if data.published_at is not None and precision is None:
        precision = Precision.exact
    return Mention(
        brand_id=source.brand_id,
        source_id=source.id,
        external_id=data.external_id,
        url=data.url,
        author=data.author,
        author_url=data.author_url,
        title=data.title,
        text=data.text,
        rating=data.rating,
        lang=_language(data),
        published_at=data.published_at,
        published_precision=precision if data.published_at else None,
        published_raw=data.published_raw,
        business_reply=data.business_reply,
        discovered_at=now,
        occurred_at=data.published_at or now,
        updated_at=now,
        content_hash=content_hash(data.title, data.text, data.rating),
        search_text=searchable(data),
        raw=data.raw,
    )


def withdraw_corrections(session: Session, mention_id: int, by: str, now: datetime) -> int:
    """Withdraw the correction in force on a mention (history keeps it); how many."""
    rows = session.exec(
        select(LabelCorrection).where(
            LabelCorrection.mention_id == mention_id, col(LabelCorrection.withdrawn_at).is_(None)
        )
    ).all()
    for row in rows:
        row.withdrawn_at, row.withdrawn_by = now, by
        session.add(row)
    return len(rows)


def _update(session: Session, mention: Mention, data: MentionData, now: datetime) -> Outcome:
    assert mention.id is not None
    data = _web_links_only(data)
    outcome = Outcome.unchanged
    new_hash = content_hash(data.title, data.text, data.rating)
    if new_hash != mention.content_hash:
        session.add(
            MentionRevision(
                mention_id=mention.id,
                version=mention.version,
                title=mention.title,
                text=mention.text,
                rating=mention.rating,
                content_hash=mention.content_hash,
                raw=mention.raw,
                replaced_at=now,
            )
        )
        mention.title, mention.text, mention.rating = data.title, data.text, data.rating
        mention.search_text = searchable(data)
        mention.content_hash = new_hash
        mention.raw = data.raw
        mention.version += 1
        # The old label described the old text: the classification worker picks it up again.
        mention.sentiment_label = mention.sentiment_score = mention.sentiment_model = None
        mention.sentiment_probs = mention.sentiment_uncertain = None
        mention.sentiment_disagreement = mention.classified_at = None
        mention.model_label = mention.model_score = mention.sentiment_adapter = None
        if mention.human_label is not None:
            # a person's label was for the text they read: the new text is labelled afresh
            withdraw_corrections(session, mention.id, "edited by its author", now)
            mention.human_label = None
        mention.updated_at = now
        outcome = Outcome.updated
    if outcome is Outcome.updated or mention.lang is None:
        # detect again only for new text: every re-crawl upserts its unchanged items too
        lang = _language(data)
        if lang is not None and mention.lang != lang:
            mention.lang = lang
    if data.business_reply is not None and mention.business_reply != data.business_reply:
        # a new owner reply brings its platform time with it (desk.owner_replies reads it)
        reply_at = data.raw.get("reply_at")
        mention.raw = {**(mention.raw or {}), "reply_at": reply_at} if reply_at else mention.raw
    for name in _METADATA_FIELDS:
        value = getattr(data, name)
        if value is not None and getattr(mention, name) != value:
            setattr(mention, name, value)
    _maybe_refine_published(mention, data)
    session.add(mention)
    return outcome


def _maybe_refine_published(mention: Mention, data: MentionData) -> None:
    data = _bound_publication(data, utcnow())
    if data.published_at is None:
        return
    precision = data.published_precision or Precision.exact
    if _PRECISION_RANK[precision] > _PRECISION_RANK[mention.published_precision]:
        mention.published_at = data.published_at
        mention.published_precision = precision
        mention.published_raw = data.published_raw
        mention.occurred_at = data.published_at


def mark_deleted(engine: Engine, source_id: int, external_ids: list[str], now: datetime) -> int:
    """Stored mentions the platform now reports deleted by their author: kept (the team saw
    them, a case may be open), marked with when the crawl saw them gone; how many."""
    with engine.begin() as connection:
        result = connection.execute(
            update(Mention)
            .where(
                col(Mention.source_id) == source_id,
                col(Mention.external_id).in_(external_ids),
                col(Mention.deleted_at).is_(None),
            )
            .values(deleted_at=now)
        )
    return int(result.rowcount or 0)
