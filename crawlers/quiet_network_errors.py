"""Scrapy's log without a traceback for a network failure: the site is down, not the code.

A source whose host refuses connections makes Scrapy's robots.txt middleware log the error
with a 70-line Twisted traceback, although the crawl's summary already says "connection
refused at …" in one line. This filter keeps the log line and drops the traceback when the
exception is a download or network error; an exception in Svetofor's own code keeps its
traceback, since that one is a bug somebody must read.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
)
from twisted.internet.error import ConnectError, DNSLookupError, TimeoutError
from twisted.web._newclient import ResponseFailed

NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ConnectError,
    DNSLookupError,
    TimeoutError,
    ResponseFailed,
    OSError,  # ConnectionError and socket errors among them
)


class NoNetworkTracebacks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, NETWORK_ERRORS):
            record.exc_info, record.exc_text = None, None
        return True


def quiet_network_tracebacks() -> None:
    """Put the filter on every handler of the root logger (where Scrapy installs its own)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, NoNetworkTracebacks) for f in handler.filters):
            handler.addFilter(NoNetworkTracebacks())
