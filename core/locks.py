"""One-at-a-time work across processes: a periodic job that two schedulers (or a standby
beat) start at once runs once, the other skips. PostgreSQL's advisory locks; on SQLite (one
machine) a lock in this process, with SQLite's own write lock between processes."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

_LOCAL: dict[str, threading.Lock] = {}
_LOCAL_GUARD = threading.Lock()


def lock_key(name: str) -> int:
    """A stable 32-bit key for the name (PostgreSQL's advisory locks take a bigint)."""
    return zlib.crc32(f"svetofor:{name}".encode())


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """Yield True when this process holds the lock named `name` for the block, False when
    another holds it (then do nothing). The lock goes with the connection: a process that
    dies mid-job frees it at once."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            got = bool(
                connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key(name)}
                ).scalar()
            )
            connection.commit()
            try:
                yield got
            finally:
                if got:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(name)}
                    )
                    connection.commit()
        return
    with _LOCAL_GUARD:
        lock = _LOCAL.setdefault(name, threading.Lock())
    got = lock.acquire(blocking=False)
    try:
        yield got
    finally:
        if got:
            lock.release()
