"""Reading a server's Retry-After header (RFC 9110 §10.2.3) into seconds to wait.

It is either a number of seconds or an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT"); a
server may also send nonsense. Whatever it sends, the answer is a finite wait in 0..cap, or
None when the header says nothing usable (the caller then backs off its own way).
"""

from __future__ import annotations

import math
from datetime import datetime
from email.utils import parsedate_to_datetime

from core.timeutil import utcnow


def retry_after(
    header: str | bytes | None, *, cap: float, now: datetime | None = None
) -> float | None:
    if header is None:
        return None
    text = (header.decode("latin-1") if isinstance(header, bytes) else header).strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:  # RFC 9110 dates are GMT
            return None
        seconds = (moment - (now or utcnow())).total_seconds()
    if not math.isfinite(seconds):
        return None if math.isnan(seconds) else cap
    return min(max(seconds, 0.0), cap)
