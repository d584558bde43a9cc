"""Brand: whose mentions we collect and how fast they must be answered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import field_validator
from sqlmodel import Field, SQLModel

from core.calendar import BusinessHours
from core.timeutil import utcnow
from models.types import IdType, JSONType, UTCDateTime, refuse_null


def clean_terms(values: list[str]) -> list[str]:
    """Strip, drop empties and de-duplicate (case-insensitively) keeping order."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        term = " ".join(value.split())
        if term and term.casefold() not in seen:
            seen.add(term.casefold())
            out.append(term)
    return out


class CaseRules(SQLModel):
    """Which mentions open a case, besides every negative one."""

    model_config = {"extra": "forbid"}

    negative: bool = True
    uncertain: bool = False  # mentions the classifier was not sure about
    neutral_questions: bool = False  # neutral mentions that ask something ("?")
    max_rating: int | None = Field(default=2, ge=1, le=5)  # star ratings at or below this


def check_business_hours(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Validate through the calendar model; store its normalised JSON form."""
    if value is None:
        return None
    return BusinessHours.model_validate(value).model_dump(mode="json")


def check_case_rules(value: dict[str, Any]) -> dict[str, Any]:
    return CaseRules.model_validate(value).model_dump()


class BrandBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    keywords: list[str] = Field(default_factory=list, sa_type=JSONType)
    exclude: list[str] = Field(default_factory=list, sa_type=JSONType)
    response_hours: int = Field(default=24, ge=1, le=24 * 90)
    # None: calendar hours; else {"timezone", "days", "start", "end", "holidays"}.
    business_hours: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    case_rules: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    resolution_days: int = Field(default=3, ge=1, le=365)  # when the first reply promises none
    at_risk_hours: float = Field(default=4.0, gt=0, le=24 * 30)
    # History is history: a mention published longer than this many days before it was found
    # is stored and counted but opens no case and sends no alert; 0 alerts on everything.
    alert_window: int = Field(default=7, ge=0, le=3650)
    # Learn from the team's corrections: a per-brand adapter once there are enough of them.
    adaptation: bool = True


class Brand(BrandBase, table=True):
    id: int | None = Field(default=None, primary_key=True, sa_type=IdType)
    name: str = Field(max_length=200, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BrandCreate(BrandBase):
    model_config = {"extra": "forbid"}

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("name must not be blank")
        return value

    @field_validator("keywords", "exclude")
    @classmethod
    def _clean(cls, value: list[str]) -> list[str]:
        return clean_terms(value)

    _hours = field_validator("business_hours")(lambda v: check_business_hours(v))
    _rules = field_validator("case_rules")(lambda v: check_case_rules(v))


class BrandUpdate(SQLModel):
    model_config = {"extra": "forbid"}

    name: str | None = Field(default=None, min_length=1, max_length=200)
    keywords: list[str] | None = None
    exclude: list[str] | None = None
    response_hours: int | None = Field(default=None, ge=1, le=24 * 90)
    business_hours: dict[str, Any] | None = None
    case_rules: dict[str, Any] | None = None
    resolution_days: int | None = Field(default=None, ge=1, le=365)
    at_risk_hours: float | None = Field(default=None, gt=0, le=24 * 30)
    alert_window: int | None = Field(default=None, ge=0, le=3650)
    adaptation: bool | None = None

    _hours = field_validator("business_hours")(lambda v: check_business_hours(v))
    _rules = field_validator("case_rules")(lambda v: None if v is None else check_case_rules(v))
    _not_null = field_validator(
        "name",
        "keywords",
        "exclude",
        "response_hours",
        "case_rules",
        "resolution_days",
        "at_risk_hours",
        "alert_window",
        "adaptation",
    )(refuse_null)

    @field_validator("keywords", "exclude")
    @classmethod
    def _clean(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else clean_terms(value)


class BrandPublic(BrandBase):
    id: int
    created_at: datetime
    updated_at: datetime
