"""Label corrections by the team, and the per-brand adapters trained on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlalchemy import text as sa_text
from sqlmodel import Field, SQLModel

from core.timeutil import utcnow
from models.mention import SentimentLabel
from models.types import EnumText, IdType, JSONType, UTCDateTime


class LabelCorrection(SQLModel, table=True):
    """A person's label for a mention, with what the model said at the time.

    A mention has at most one correction in force (`withdrawn_at` null); a newer one, or an
    undo, withdraws it and the row stays as history.
    """

    __tablename__ = "label_correction"
    __table_args__ = (
        Index(
            "uq_correction_in_force",
            "mention_id",
            unique=True,
            sqlite_where=sa_text("withdrawn_at IS NULL"),
            postgresql_where=sa_text("withdrawn_at IS NULL"),
        ),
        Index("ix_correction_brand_created", "brand_id", "created_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    mention_id: int = Field(foreign_key="mention.id", sa_type=IdType)
    brand_id: int = Field(foreign_key="brand.id", sa_type=IdType)
    label: SentimentLabel = Field(sa_type=EnumText(SentimentLabel))
    note: str | None = Field(default=None, sa_type=Text)
    # what the model said when the person corrected it
    model_label: str | None = Field(default=None, max_length=16)
    model_score: float | None = None
    model: str | None = Field(default=None, max_length=200)
    corrected_by: str = Field(default="", max_length=200)  # the key's name, or its prefix
    # the case this correction opened (to negative), dismissed again if undone untouched
    opened_case_id: int | None = Field(default=None, sa_type=IdType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by: str | None = Field(default=None, max_length=200)


class LabelCorrectionCreate(SQLModel):
    model_config = {"extra": "forbid"}

    label: SentimentLabel
    note: str | None = Field(default=None, max_length=2000)


class CorrectionPublic(SQLModel):
    id: int
    mention_id: int
    brand: str
    source: str
    text: str  # what the model reads: title and text
    lang: str | None
    rating: int | None
    label: SentimentLabel
    model_label: str | None
    model_score: float | None
    model: str | None
    note: str | None
    corrected_by: str
    corrected_at: datetime
    withdrawn_at: datetime | None


class CorrectionPage(SQLModel):
    items: list[CorrectionPublic]
    next_cursor: str | None


class BrandAdapter(SQLModel, table=True):
    """A light head trained on a brand's corrected mentions over the model's frozen features.

    `weights` is `{"labels": [...], "weight": [[...]], "bias": [...]}` (one row per label);
    `metrics` holds the cross-validated effect on the brand's own corrections. Only the
    newest `active` row labels new mentions; older rows stay as history.
    """

    __tablename__ = "brand_adapter"
    __table_args__ = (UniqueConstraint("brand_id", "version", name="uq_adapter_brand_version"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    brand_id: int = Field(foreign_key="brand.id", index=True, sa_type=IdType)
    version: int
    model: str = Field(max_length=200)  # the base model whose features it reads
    corrections: int  # corrections it was trained on
    trained_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    weights: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    metrics: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # False when cross-validation found it no better than the model alone
    active: bool = True


class AdaptationPublic(SQLModel):
    brand: str
    enabled: bool  # the brand's switch
    min_corrections: int
    corrections: int  # corrections in force for the brand now
    version: int | None
    trained_at: datetime | None
    corrections_used: int | None
    active: bool  # an adapter labels this brand's new mentions
    model: str | None
    effect: dict[str, Any] | None  # cross-validated macro-F1 with and without it
    status: str  # what happens next, in words
