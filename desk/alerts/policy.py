"""Which channels alert, and when quiet hours hold low-priority alerts for the digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    timezone: str = "UTC"

    @classmethod
    def parse(cls, text: str, timezone: str = "UTC") -> QuietHours:
        """'22:00-08:00' → QuietHours; ValueError with a readable reason otherwise."""
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError as exc:
            raise ValueError(f"quiet hours must look like 22:00-08:00, got {text!r}") from exc
        ZoneInfo(timezone)
        return cls(start, end, timezone)

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone)).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # spans midnight


@dataclass(frozen=True)
class AlertPolicy:
    channels: tuple[str, ...] = ()
    quiet_hours: QuietHours | None = None

    def holds(self, kind: str, priority: str, moment: datetime) -> bool:
        """Quiet hours hold low-priority alerts for the digest, never a breach."""
        if self.quiet_hours is None or kind in ("breached", "digest") or priority == "urgent":
            return False
        return self.quiet_hours.contains(moment)
