"""Quieter logs: a dropped item is an expected, counted outcome, not a warning."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import logformatter


class SvetoforLogFormatter(logformatter.LogFormatter):
    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any = None
    ) -> logformatter.LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "Dropped: %(exception)s",
            "args": {"exception": exception},
        }
