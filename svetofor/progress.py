"""Progress of a long command on stderr: a rich bar on a terminal, plain lines elsewhere (a
log file, CI, a pipe), so a crawl, an evaluation, a training run, a relabelling or an export
is seen to move. Results stay on stdout either way, so `svetofor eval F > out.json` works."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, TextIO, TypeVar

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

T = TypeVar("T")


def on_terminal(stream: TextIO) -> bool:
    """A person watches it: a bar redraws in place there, and nowhere else."""
    return stream.isatty() and os.environ.get("TERM", "") != "dumb"


class Reporter:
    """`update(done, total, line=…)` moves the bar (done of total, elapsed and remaining time,
    `detail` beside it) on a terminal; elsewhere it prints `line` (if any), at most once every
    `every` seconds, the latest held back so the closing one is never lost. `say` prints a line that
    stays (above the bar on a terminal)."""

    def __init__(
        self,
        what: str,
        *,
        total: int | None = None,
        every: float = 0.0,
        stream: TextIO | None = None,
    ) -> None:
        self.what, self.total, self.every = what, total, every
        self.stream = stream or sys.stderr
        self.bar: Progress | None = None
        self._task: TaskID | None = None
        self._printed_at = float("-inf")
        self._held: str | None = None

    @property
    def live(self) -> bool:
        """Whether a bar is drawn (a terminal), so callers may report more often."""
        return self.bar is not None

    def __enter__(self) -> Reporter:
        if on_terminal(self.stream):
            # rich loads only when there is a terminal to draw on
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[detail]}"),
                console=Console(file=self.stream),
            )
            self.bar.start()
            self._task = self.bar.add_task(self.what, total=self.total, detail="")
        return self

    def update(self, done: int, total: int | None = None, *, line: str, detail: str = "") -> None:
        if total is not None:
            self.total = total
        if self.bar is not None and self._task is not None:
            self.bar.update(self._task, completed=done, total=self.total, detail=detail)
            return
        if not line:
            return  # a step for the bar only
        now = time.monotonic()
        if now - self._printed_at < self.every:
            self._held = line
            return
        self._printed_at, self._held = now, None
        self._write(line)

    def say(self, message: str) -> None:
        if self.bar is not None:
            self.bar.console.print(message, markup=False, highlight=False)
        else:
            self._write(message)

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.stop()
        elif self._held is not None:
            self._write(self._held)


class Counted(Iterator[T]):
    """Rows an export writes, counted on the way through: the bar moves every 500 rows on a
    terminal, a line says how many so far every 10,000 elsewhere; `done` says the total."""

    def __init__(self, rows: Iterable[T], report: Reporter, noun: str) -> None:
        self.rows, self.report, self.noun, self.count = iter(rows), report, noun, 0

    def __next__(self) -> T:
        row = next(self.rows)
        self.count += 1
        if self.count % (500 if self.report.live else 10_000) == 0:
            self.report.update(self.count, line=f"exported {self.count} {self.noun} so far")
        return row

    def done(self) -> None:
        self.report.update(self.count, self.count, line="")  # the bar full, then the count
        self.report.say(f"exported {self.count} {self.noun}")
