"""Mention: one review, post or comment about a brand, and its earlier versions."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from pydantic import field_validator
from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint
from sqlalchemy import text as sa_text
from sqlmodel import Field, SQLModel

from core.labels import LABELS
from core.text import visible
from core.timeutil import as_utc, publication_problem, utcnow
from models.types import EnumText, IdType, JSONType, UTCDateTime

MAX_RAW_CHARS = 64_000  # the source's own record, kept for debugging: not a file store


def is_web_url(value: str) -> bool:
    """A link a browser may open from our pages: http or https, with a host."""
    parts = urlsplit(value.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


class Precision(StrEnum):
    """How exactly the source told us when a mention was published."""

    exact = "exact"
    minute = "minute"
    day = "day"
    approximate = "approximate"


class SentimentLabel(StrEnum):
    negative = "negative"
    neutral = "neutral"
    positive = "positive"


assert tuple(SentimentLabel) == LABELS  # the enum spells out `core.labels` for the schema


class MentionContent(SQLModel):
    """The fields a source gives us; shared by ingestion and storage."""

    url: str | None = Field(default=None, max_length=2000)
    author: str | None = Field(default=None, max_length=500)
    author_url: str | None = Field(default=None, max_length=2000)
    title: str | None = Field(default=None, sa_type=Text)
    text: str = Field(default="", sa_type=Text)
    rating: int | None = Field(default=None, ge=1, le=5)
    lang: str | None = Field(default=None, max_length=16)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_precision: Precision | None = Field(default=None, sa_type=EnumText(Precision))
    # The brand's public answer as the site shows it (review sites print it under the review).
    business_reply: str | None = Field(default=None, sa_type=Text)


class Mention(MentionContent, table=True):
    __table_args__ = (
        UniqueConstraint("source_id", "external_id", name="uq_mention_source_external"),
        # The classification worker's queue: mentions without a label yet.
        Index(
            "ix_mention_unclassified",
            "id",
            sqlite_where=sa_text("sentiment_label IS NULL"),
            postgresql_where=sa_text("sentiment_label IS NULL"),
        ),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        # Keyset pagination walks (occurred_at, id) newest first, optionally per brand/source.
        Index("ix_mention_occurred", "occurred_at", "id"),
        # sentiment_label rides along so sentiment analytics is an index-only scan.
        Index("ix_mention_brand_occurred", "brand_id", "occurred_at", "id", "sentiment_label"),
        Index("ix_mention_source_occurred", "source_id", "occurred_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    brand_id: int = Field(foreign_key="brand.id", sa_type=IdType)
    source_id: int = Field(foreign_key="source.id", sa_type=IdType)
    external_id: str = Field(max_length=512)
    # The date string as the source printed it, so an unparseable date is still shown.
    published_raw: str | None = Field(default=None, max_length=200)
    discovered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # published_at when known, else discovered_at: the one sortable "when" the API orders
    # and filters by; a plain indexed column keeps keyset pagination index-only.
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1
    content_hash: str = Field(max_length=64)
    raw: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    sentiment_label: str | None = Field(default=None, max_length=16)
    sentiment_score: float | None = None
    sentiment_model: str | None = Field(default=None, max_length=200)
    # The text model's own probabilities (the label may be fused with a star rating).
    sentiment_probs: dict[str, float] | None = Field(default=None, sa_type=JSONType)
    sentiment_uncertain: bool | None = None  # the model was not sure: a person should look
    sentiment_disagreement: bool | None = None  # stars and text disagree (5★, angry text)
    classified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The model's own label and score: `sentiment_label` is what everything reads, and a
    # person's correction (`human_label`) wins there; the model's answer stays beside it.
    model_label: str | None = Field(default=None, max_length=16)
    model_score: float | None = None
    human_label: str | None = Field(default=None, max_length=16)
    # The brand adapter version that labelled it (None: the model alone).
    sentiment_adapter: int | None = None
    # Every dictionary form of the title, text and author's words (core.lemmas.search_terms):
    # what SQLite's FTS5 table and PostgreSQL's GIN index search.
    search_text: str | None = Field(default=None, sa_type=Text)
    # The content version triage last decided on: a re-label of the same text (a new model,
    # another precision) never triages again; an edit bumps `version` and may.
    triaged_version: int | None = None
    # Labelling attempts that failed for this mention alone; past the limit it is set aside
    # (`label_error` says why) so the rest keep being labelled.
    label_attempts: int = 0
    label_error: str | None = Field(default=None, sa_type=Text)
    # A labelling worker that took this mention owns it until then (`services.label_claims`):
    # of N workers exactly one labels it, and a worker that dies lets it go after the lease.
    label_claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    label_claimed_by: str | None = Field(default=None, max_length=120)
    # Its author deleted it on the platform (a crawl saw it gone): kept, as the team saw it
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The open or last case this mention belongs to. No foreign key: case.mention_id already
    # points here, and a cycle of foreign keys would make table order unresolvable.
    case_id: int | None = Field(default=None, index=True, sa_type=IdType)


class MentionRevision(SQLModel, table=True):
    """A mention as it was before an edit (changed text, title or rating)."""

    __tablename__ = "mention_revision"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    mention_id: int = Field(foreign_key="mention.id", index=True, sa_type=IdType)
    version: int
    title: str | None = Field(default=None, sa_type=Text)
    text: str = Field(sa_type=Text)
    rating: int | None = None
    content_hash: str = Field(max_length=64)
    raw: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    replaced_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MentionIngest(MentionContent):
    """A mention pushed by an integration through `POST /mentions`."""

    model_config = {"extra": "forbid"}

    source: str = Field(min_length=1, max_length=200)
    external_id: str = Field(min_length=1, max_length=512)
    title: str | None = Field(default=None, max_length=2_000)
    text: str = Field(min_length=1, max_length=100_000)
    business_reply: str | None = Field(default=None, max_length=20_000)
    published_raw: str | None = Field(default=None, max_length=200)
    raw: dict[str, Any] = Field(default_factory=dict)

    @field_validator("text")
    @classmethod
    def _visible(cls, value: str) -> str:
        # spaces or zero-width characters only: nothing to label, read or answer
        if not visible(value):
            raise ValueError("text has no visible characters")
        return value

    @field_validator("url", "author_url")
    @classmethod
    def _web_links(cls, value: str | None) -> str | None:
        if value is not None and not is_web_url(value):
            raise ValueError("only http:// and https:// links are accepted")
        return value

    @field_validator("raw")
    @classmethod
    def _raw_size(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value, ensure_ascii=False, default=str)) > MAX_RAW_CHARS:
            raise ValueError(f"raw must be at most {MAX_RAW_CHARS} characters as JSON")
        return value

    @field_validator("published_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        moment = as_utc(value)
        problem = publication_problem(moment)
        if problem is not None:
            raise ValueError(f"publication time {moment.isoformat()} is {problem}")
        return moment


class SentimentPublic(SQLModel):
    label: SentimentLabel  # the label in force: a person's correction, else the model's
    score: float | None
    model: str | None
    uncertain: bool | None = None
    disagreement: bool | None = None
    source: str = "model"  # "human" when a person corrected it
    model_label: SentimentLabel | None = None  # the model's own answer, kept beside
    model_score: float | None = None
    adapter: int | None = None  # the brand adapter version that labelled it


class MentionPublic(MentionContent):
    id: int
    brand: str
    source: str
    external_id: str
    published_raw: str | None
    discovered_at: datetime
    updated_at: datetime
    version: int
    sentiment: SentimentPublic | None
    case_id: int | None
    deleted_at: datetime | None = None  # deleted on the platform by its author


class MentionRevisionPublic(SQLModel):
    version: int
    title: str | None
    text: str
    rating: int | None
    replaced_at: datetime


class MentionPage(SQLModel):
    items: list[MentionPublic]
    next_cursor: str | None
