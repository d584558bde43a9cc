"""The read path for mentions: one with its names, its revisions, and keyset pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, text, true, tuple_
from sqlmodel import Session, col, select

from core import cursors
from core.errors import NotFound
from core.lemmas import query_terms
from models import Brand, Mention, MentionPublic, MentionRevision, SentimentPublic, Source
from models.types import UTCDateTime
from services.catalog import brand_by_name, source_by_name


def get_mention(session: Session, mention_id: int) -> tuple[Mention, str, str]:
    query = (
        select(Mention, Brand.name, Source.name)
        .join(Brand, col(Brand.id) == col(Mention.brand_id))
        .join(Source, col(Source.id) == col(Mention.source_id))
        .where(Mention.id == mention_id)
    )
    row = session.exec(query).first()
    if row is None:
        raise NotFound(f"mention {mention_id} not found")
    return row[0], row[1], row[2]


def revisions(session: Session, mention_id: int) -> list[MentionRevision]:
    query = (
        select(MentionRevision)
        .where(MentionRevision.mention_id == mention_id)
        .order_by(MentionRevision.version)  # type: ignore[arg-type]
    )
    return list(session.exec(query))


def encode_cursor(mention: Mention) -> str:
    return cursors.encode({"t": mention.occurred_at.isoformat(), "id": mention.id})


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Raise Invalid on anything that is not a cursor we issued."""
    payload = cursors.decode(cursor)
    return cursors.read_time(payload.get("t")), cursors.read_id(payload.get("id"))


@dataclass
class MentionFilter:
    brand: str | None = None
    source: str | None = None
    sentiment: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None  # full-text: every word, in any inflected form
    uncertain: bool | None = None  # the model's flag: "a person should look"
    rating: int | None = None  # star rating, exactly


def text_search(session: Session, query: str) -> Any:
    """A WHERE clause finding mentions with every word of `query` in any of its forms, through
    the database's own full-text index (FTS5 on SQLite, GIN on PostgreSQL)."""
    words = query_terms(query)
    if not words:
        return true()
    if session.get_bind().dialect.name == "postgresql":
        expression = " & ".join("(" + " | ".join(sorted(forms)) + ")" for forms in words)
        vector = func.to_tsvector("simple", func.coalesce(col(Mention.search_text), ""))
        return vector.op("@@")(func.to_tsquery("simple", expression))
    expression = " AND ".join(
        "(" + " OR ".join(f'"{form}"' for form in sorted(forms)) + ")" for forms in words
    )
    found = text("SELECT rowid FROM mention_fts WHERE mention_fts MATCH :fts_query").bindparams(
        fts_query=expression
    )
    return col(Mention.id).in_(found)


def list_mentions(
    session: Session, *, filters: MentionFilter, cursor: str | None = None, limit: int = 50
) -> tuple[list[tuple[Mention, str, str]], str | None]:
    """One page of mentions, newest first by (occurred_at, id), and the next page's cursor.

    Keyset, not offset: mentions that arrive while a client pages never shift the pages it
    has not read yet, so nothing is skipped or repeated.
    """
    query = (
        select(Mention, Brand.name, Source.name)
        .join(Brand, col(Brand.id) == col(Mention.brand_id))
        .join(Source, col(Source.id) == col(Mention.source_id))
    )
    if filters.brand is not None:
        query = query.where(Mention.brand_id == brand_by_name(session, filters.brand).id)
    if filters.source is not None:
        query = query.where(Mention.source_id == source_by_name(session, filters.source).id)
    if filters.sentiment is not None:
        query = query.where(Mention.sentiment_label == filters.sentiment)
    if filters.since is not None:
        query = query.where(Mention.occurred_at >= filters.since)
    if filters.until is not None:
        query = query.where(Mention.occurred_at < filters.until)
    if filters.q:
        query = query.where(text_search(session, filters.q))
    if filters.uncertain is True:  # "to check": the model was unsure and no person looked
        query = query.where(
            col(Mention.sentiment_uncertain).is_(True), col(Mention.human_label).is_(None)
        )
    elif filters.uncertain is False:
        query = query.where(
            col(Mention.sentiment_uncertain).is_(False) | col(Mention.human_label).is_not(None)
        )
    if filters.rating is not None:
        query = query.where(Mention.rating == filters.rating)
    if cursor is not None:
        moment, last_id = decode_cursor(cursor)
        query = query.where(
            tuple_(Mention.occurred_at, Mention.id)
            < tuple_(
                bindparam("cursor_t", moment, type_=UTCDateTime()), bindparam("cursor_id", last_id)
            )
        )
    query = query.order_by(Mention.occurred_at.desc(), Mention.id.desc()).limit(limit + 1)  # type: ignore[attr-defined,union-attr]
    rows = [(m, b, s) for m, b, s in session.exec(query)]
    next_cursor = encode_cursor(rows[limit - 1][0]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def mention_public(mention: Mention, brand: str, source: str) -> MentionPublic:
    sentiment = None
    if mention.sentiment_label is not None:
        sentiment = SentimentPublic(
            label=mention.sentiment_label,  # type: ignore[arg-type]
            score=mention.sentiment_score,
            model=mention.sentiment_model,
            uncertain=mention.sentiment_uncertain,
            disagreement=mention.sentiment_disagreement,
            source="model" if mention.human_label is None else "human",
            model_label=mention.model_label,  # type: ignore[arg-type]
            model_score=mention.model_score,
            adapter=mention.sentiment_adapter,
        )
    return MentionPublic.model_validate(
        mention, update={"brand": brand, "source": source, "sentiment": sentiment}
    )
