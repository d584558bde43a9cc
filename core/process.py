"""Which process this is, as claims and run records name it: `host:pid`."""

from __future__ import annotations

import os
import socket


def this_process() -> str:
    """`host:pid`: enough for a person to find the process, and for this host to check it."""
    return f"{socket.gethostname()}:{os.getpid()}"
