"""SQLModel tables and their input/output families; Alembic owns the schema."""

from sqlmodel import SQLModel

from models.brand import Brand, BrandCreate, BrandPublic, BrandUpdate
from models.crawl_run import CrawlRun, CrawlRunPublic, CrawlStatus
from models.mention import (
    Mention,
    MentionIngest,
    MentionPage,
    MentionPublic,
    MentionRevision,
    MentionRevisionPublic,
    Precision,
    SentimentLabel,
    SentimentPublic,
)
from models.source import SOURCE_KINDS, Source, SourceCreate, SourcePublic, SourceUpdate

metadata = SQLModel.metadata

__all__ = [
    "SOURCE_KINDS",
    "Brand",
    "BrandCreate",
    "BrandPublic",
    "BrandUpdate",
    "CrawlRun",
    "CrawlRunPublic",
    "CrawlStatus",
    "Mention",
    "MentionIngest",
    "MentionPage",
    "MentionPublic",
    "MentionRevision",
    "MentionRevisionPublic",
    "Precision",
    "SentimentLabel",
    "SentimentPublic",
    "Source",
    "SourceCreate",
    "SourcePublic",
    "SourceUpdate",
    "metadata",
]
