"""Cases: a negative mention that needs an answer, its deadlines, replies and timeline."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Index, Text
from sqlalchemy import text as sa_text
from sqlmodel import Field, SQLModel

from core.timeutil import utcnow
from models.mention import MentionPublic
from models.types import EnumText, GivenTime, IdType, JSONType, UTCDateTime


class CaseState(StrEnum):
    new = "new"
    acknowledged = "acknowledged"  # first reply posted
    resolved = "resolved"  # second (resolution) reply posted
    closed = "closed"
    dismissed = "dismissed"  # spam, not about us, ...


OPEN_STATES = (CaseState.new, CaseState.acknowledged, CaseState.resolved)
OPEN_CASE_SQL = "state IN ('new', 'acknowledged', 'resolved')"


class Sla(StrEnum):
    on_track = "on_track"
    at_risk = "at_risk"
    breached = "breached"  # deadline passed, still unanswered
    met = "met"  # answered in time
    missed = "missed"  # answered, but late


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class ReplyStage(StrEnum):
    acknowledgement = "acknowledgement"  # "we have it, expect news by <date>"
    resolution = "resolution"  # "resolved; here is what we changed"


class ReplyStatus(StrEnum):
    draft = "draft"
    approved = "approved"
    posted = "posted"


class CaseBase(SQLModel):
    """The fields a case shows: its state, deadlines and SLA states."""

    mention_id: int = Field(
        foreign_key="mention.id", index=True, sa_type=IdType
    )  # the mention that opened it
    state: CaseState = Field(default=CaseState.new, sa_type=EnumText(CaseState))
    priority: Priority = Field(default=Priority.normal, sa_type=EnumText(Priority))
    assignee: str | None = Field(default=None, max_length=200)
    reason: str = Field(max_length=200)  # why it opened: "negative", "rating 2", ...
    dismiss_reason: str | None = Field(default=None, max_length=500)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    first_reply_due_at: datetime = Field(sa_type=UTCDateTime)
    first_reply_basis: str = Field(max_length=32)
    first_reply_note: str | None = Field(default=None, sa_type=Text)
    discovery_lag_seconds: int | None = Field(default=None, sa_type=BigInteger)
    first_replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_reply_sla: Sla = Field(default=Sla.on_track, sa_type=EnumText(Sla))

    resolution_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_promised: bool = False  # the due date was promised in the first reply
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_sla: Sla | None = Field(default=None, sa_type=EnumText(Sla))


class Case(CaseBase, table=True):
    __table_args__ = (
        Index("ix_case_state_due", "state", "first_reply_due_at"),
        Index("ix_case_brand_state", "brand_id", "state"),
        # A mention is in at most one open case, whatever the number of processes.
        Index(
            "uq_case_open_mention",
            "mention_id",
            unique=True,
            sqlite_where=sa_text(OPEN_CASE_SQL),
            postgresql_where=sa_text(OPEN_CASE_SQL),
        ),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    brand_id: int = Field(foreign_key="brand.id", sa_type=IdType)
    # Who wrote, and where: the same author on the same thread reopens this case.
    author_key: str | None = Field(default=None, max_length=700, index=True)
    first_reply_start: datetime = Field(sa_type=UTCDateTime)


class CaseEvent(SQLModel, table=True):
    """The case timeline: every state change, reply, assignment and alert."""

    __tablename__ = "case_event"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    case_id: int = Field(foreign_key="case.id", index=True, sa_type=IdType)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    kind: str = Field(max_length=40)
    actor: str | None = Field(default=None, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class Reply(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    case_id: int = Field(foreign_key="case.id", index=True, sa_type=IdType)
    stage: ReplyStage = Field(sa_type=EnumText(ReplyStage))
    status: ReplyStatus = Field(default=ReplyStatus.draft, sa_type=EnumText(ReplyStatus))
    text: str = Field(sa_type=Text)
    template_id: int | None = Field(default=None, foreign_key="reply_template.id", sa_type=IdType)
    promised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str | None = Field(default=None, max_length=200)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_by: str | None = Field(default=None, max_length=200)
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    posted_url: str | None = Field(default=None, max_length=2000)
    # Posted through the platform's API (`desk.publishing`): its id for the reply; the last
    # refusal in the platform's words (cleared once it goes out)
    platform_reply_id: str | None = Field(default=None, max_length=200)
    publish_error: str | None = Field(default=None, sa_type=Text)


class ReplyTemplate(SQLModel, table=True):
    __tablename__ = "reply_template"

    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    name: str = Field(max_length=200, unique=True)
    stage: ReplyStage = Field(sa_type=EnumText(ReplyStage))
    lang: str = Field(max_length=8)
    brand_id: int | None = Field(default=None, foreign_key="brand.id", sa_type=IdType)
    body: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CasePublic(CaseBase):
    id: int
    brand: str


class CaseEventPublic(SQLModel):
    at: datetime
    kind: str
    actor: str | None
    data: dict[str, Any]


class ReplyPublic(SQLModel):
    id: int
    stage: ReplyStage
    status: ReplyStatus
    text: str
    template_id: int | None
    promised_at: datetime | None
    created_at: datetime
    approved_at: datetime | None
    approved_by: str | None
    posted_at: datetime | None
    posted_url: str | None
    platform_reply_id: str | None = None
    publish_error: str | None = None


class ReplyPublish(SQLModel):
    """Post the reply through the platform's API (`POST …/replies/{rid}/publish`)."""

    model_config = {"extra": "forbid"}

    needs_followup: bool = True  # as for marking it posted: the fix takes time


class ReplyCreate(SQLModel):
    """A draft: give the text, or let a template (named, or the default) write it."""

    model_config = {"extra": "forbid"}

    stage: ReplyStage
    text: str | None = Field(default=None, min_length=1, max_length=10_000)
    template: str | None = None
    promised_at: GivenTime | None = None  # the acknowledgement's "expect news by"
    another: bool = False  # a second draft although one is already waiting for this stage


class ReplyEdit(SQLModel):
    """A draft's new text (placeholders filled in, say)."""

    model_config = {"extra": "forbid"}

    text: str = Field(min_length=1, max_length=10_000)


class ReplyPosted(SQLModel):
    model_config = {"extra": "forbid"}

    url: str | None = Field(default=None, max_length=2000)
    posted_at: GivenTime | None = None
    needs_followup: bool = True  # the fix takes time: a promised date is required


class CaseUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    assignee: str | None = Field(default=None, max_length=200)
    priority: Priority | None = None


class CaseDismiss(SQLModel):
    model_config = {"extra": "forbid"}

    reason: str = Field(min_length=1, max_length=500)


class TemplateCreate(SQLModel):
    model_config = {"extra": "forbid"}

    name: str = Field(min_length=1, max_length=200)
    stage: ReplyStage
    lang: str = Field(min_length=2, max_length=8)
    brand: str | None = None
    body: str = Field(min_length=1, max_length=10_000)


class TemplateUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    lang: str | None = Field(default=None, min_length=2, max_length=8)
    body: str | None = Field(default=None, min_length=1, max_length=10_000)


class TemplatePublic(SQLModel):
    id: int
    name: str
    stage: ReplyStage
    lang: str
    brand_id: int | None
    body: str
    created_at: datetime
    updated_at: datetime


class CaseSuggestion(SQLModel):
    """What the desk suggests for a case: dismissing it once a person said its mention is not
    negative and nobody has worked on it yet."""

    action: str  # "dismiss"
    reason: str  # the dismissal reason to use ("not negative")
    label: str  # the label the person gave
    by: str  # who corrected it


class CaseDetail(SQLModel):
    """One case with everything the team needs to answer it."""

    case: CasePublic
    mentions: list[MentionPublic]
    replies: list[ReplyPublic]
    timeline: list[CaseEventPublic]
    suggestion: CaseSuggestion | None = None
