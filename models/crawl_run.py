"""CrawlRun: one execution of a source's spider and what it produced."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Text, text
from sqlmodel import Field, SQLModel

from core.timeutil import utcnow
from models.types import EnumText, IdType, JSONType, UTCDateTime


class CrawlStatus(StrEnum):
    running = "running"
    ok = "ok"
    partial = "partial"  # finished, but some items or pages failed
    blocked = "blocked"  # the site refused us (403/429, CAPTCHA): never reported as "0 new"
    failed = "failed"


class CrawlRun(SQLModel, table=True):
    __tablename__ = "crawl_run"
    __table_args__ = (
        Index("ix_crawl_run_source_started", "source_id", "started_at"),
        # At most one running crawl per source, across every process and host: the second
        # insert fails, so a cron job and the service can never crawl the same source at once.
        Index(
            "uq_crawl_run_one_running",
            "source_id",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    source_id: int = Field(foreign_key="source.id", sa_type=IdType)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Plain strings, not native enums: adding a state later needs no ALTER TYPE on PostgreSQL.
    status: CrawlStatus = Field(default=CrawlStatus.running, sa_type=EnumText(CrawlStatus))
    # {"new": n, "updated": n, "unchanged": n, "dropped": {"reason": n}, ...}
    counts: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    error_summary: str | None = Field(default=None, sa_type=Text)
    # host:pid of the process running it, so a run whose process died can be recognised.
    worker: str | None = Field(default=None, max_length=200)
    # The crawl process says it is alive every few seconds; a silent run is a dead one.
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CrawlRunPublic(SQLModel):
    id: int
    source: str
    started_at: datetime
    finished_at: datetime | None
    status: CrawlStatus
    counts: dict[str, Any]
    error_summary: str | None
