"""Business-hours calendars: adding working hours in a brand's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BusinessHours(BaseModel):
    """When the SMM team works, e.g. Mon–Fri 09:00–18:00 Europe/Moscow, minus holidays."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "UTC"
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: time = time(9, 0)
    end: time = time(18, 0)
    holidays: tuple[date, ...] = Field(default=())

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        days = tuple(d.lower()[:3] for d in value)
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown or not days:
            raise ValueError(f"days must be some of {', '.join(WEEKDAYS)}")
        return days

    @model_validator(mode="after")
    def _order(self) -> BusinessHours:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def _is_working_day(self, day: date) -> bool:
        return WEEKDAYS[day.weekday()] in self.days and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime]:
        """That day's opening hours in UTC (each day's own offset, so DST is respected).

        Converted to UTC because Python subtracts datetimes sharing a tzinfo by wall clock.
        """
        zone = ZoneInfo(self.timezone)
        opens = datetime.combine(day, self.start, zone).astimezone(UTC)
        return opens, datetime.combine(day, self.end, zone).astimezone(UTC)

    def add(self, moment: datetime, hours: float) -> datetime:
        """The moment `hours` working hours after `moment` (aware), as aware UTC."""
        remaining = timedelta(hours=hours)
        moment = moment.astimezone(UTC)
        day = moment.astimezone(ZoneInfo(self.timezone)).date()
        for _ in range(3660):  # ten years of days: a calendar with no working day never ends
            if self._is_working_day(day):
                opens, closes = self._window(day)
                begin = max(opens, moment)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("the business-hours calendar has no working time")
