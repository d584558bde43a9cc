"""Progress on stderr: a bar where a person watches (a terminal), plain lines elsewhere, and
the last line never lost to the throttle."""

from __future__ import annotations

import io
import os
import pty
import select

import pytest

from svetofor.progress import Reporter


def _drawn(master: int) -> str:
    """All the terminal has been sent so far."""
    out = bytearray()
    while select.select([master], [], [], 0.2)[0]:
        out += os.read(master, 65536)
    return out.decode(errors="replace")


def test_off_a_terminal_lines_are_throttled_and_the_last_one_kept() -> None:
    stream = io.StringIO()
    with Reporter("labelling", every=60.0, stream=stream) as report:
        assert not report.live
        report.update(32, 100, line="labelled 32 of 100 texts")
        report.update(64, 100, line="labelled 64 of 100 texts")  # within the minute: held
        report.update(100, 100, line="labelled 100 of 100 texts")  # replaces the held one
        report.update(100, 100, line="")  # a step for a bar only: nothing printed
        report.say("done")
    assert stream.getvalue().splitlines() == [
        "labelled 32 of 100 texts",
        "done",
        "labelled 100 of 100 texts",
    ]


def test_on_a_terminal_a_bar_is_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    master, slave = pty.openpty()
    with os.fdopen(slave, "w", encoding="utf-8") as terminal:
        with Reporter("relabelling Acme", stream=terminal) as report:
            assert report.live
            report.update(3, 10, line="3 of 10", detail="1 changed")
            report.say("a line that stays")
        terminal.flush()
        drawn = _drawn(master)
    os.close(master)
    assert "relabelling Acme" in drawn and "3/10" in drawn and "1 changed" in drawn
    assert "━" in drawn and "a line that stays" in drawn
    assert "3 of 10" not in drawn  # the plain line is for logs, not the terminal


def test_a_dumb_terminal_gets_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")
    master, slave = pty.openpty()
    with os.fdopen(slave, "w", encoding="utf-8") as terminal:
        with Reporter("crawling", stream=terminal) as report:
            assert not report.live
            report.update(1, 2, line="crawling 2 source(s): 5 pages")
        drawn = _drawn(master)
    os.close(master)
    assert drawn.replace("\r", "").splitlines() == ["crawling 2 source(s): 5 pages"]
