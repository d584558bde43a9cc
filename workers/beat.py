"""`svetofor beat`'s scheduler: Celery's own, plus a heartbeat in Redis (`svetofor status`
shows how long ago the beat last ticked)."""

from __future__ import annotations

import logging
from typing import Any

from celery.beat import Scheduler

from workers.broker import record_beat

logger = logging.getLogger(__name__)


class HeartbeatScheduler(Scheduler):  # type: ignore[misc]
    """Keeps its schedule in memory: every entry is a fixed period and each task is safe to
    run twice, so a restarted (or a standby) beat needs no schedule file."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        try:
            record_beat(self.app.conf.broker_url)
        except Exception:  # Redis away for a moment: the ticks themselves will retry
            logger.warning("could not record the beat's heartbeat", exc_info=True)
        interval: float = super().tick(*args, **kwargs)
        return interval
