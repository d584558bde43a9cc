"""What the analytics routes answer: sentiment counts, shares and traffic lights."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

Light = Literal["red", "yellow", "green"]
# Analytics has always written times as Python's isoformat ("+00:00"), CSV and JSON alike.
Moment = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")]


class Shares(BaseModel):
    """Each label's share of the labelled mentions (null without mentions)."""

    negative: float | None
    neutral: float | None
    positive: float | None


class SentimentCounts(BaseModel):
    negative: int
    neutral: int
    positive: int
    total: int = Field(description="labelled mentions")
    shares: Shares
    net_sentiment: float | None = Field(description="(positive - negative) / total")
    light: Light | None = Field(description="red below -0.1, green above +0.2, yellow between")


class Bucket(SentimentCounts):
    start: Moment
    end: Moment
    local_date: date = Field(description="the bucket's first day in the report's time zone")


class PreviousPeriod(SentimentCounts):
    model_config = ConfigDict(populate_by_name=True)

    since: Moment = Field(alias="from")
    until: Moment = Field(alias="to")


class Change(BaseModel):
    """This period minus the previous one of the same length."""

    total: int
    net_sentiment: float | None
    shares: Shares


class SentimentReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    brand: str
    source: str | None
    since: Moment = Field(alias="from")
    until: Moment = Field(alias="to")
    interval: str
    timezone: str
    totals: SentimentCounts
    previous: PreviousPeriod
    change: Change
    buckets: list[Bucket]


class SourceSentiment(SentimentCounts):
    source: str


class VoiceShare(SentimentCounts):
    brand: str
    mentions: int = Field(description="all mentions of the brand, labelled or not")
    share_of_voice: float | None


class TermCount(BaseModel):
    term: str = Field(description="a lemma (dictionary form)")
    mentions: int = Field(description="negative mentions using it")


class ResponseKpis(BaseModel):
    cases_opened: int
    first_replies_within_deadline: int
    first_replies_decided: int
    share_within_deadline: float | None
    median_hours_to_first_reply: float | None
    open_cases: int = Field(description="owing a reply now")
    breached_cases: int = Field(description="owing a reply past a deadline now")
    reviews_rerated_after_reply: int = Field(
        default=0, description="of the cases opened, reviews whose rating changed after our reply"
    )
    reviews_improved_after_reply: int = Field(
        default=0, description="of those, reviews rated higher than when we first replied"
    )


class WeeklyResponseKpis(BaseModel):
    """First-reply figures of the cases opened in one week of the period."""

    start: datetime
    end: datetime
    cases_opened: int
    first_replies_within_deadline: int
    first_replies_decided: int
    share_within_deadline: float | None
    median_hours_to_first_reply: float | None
