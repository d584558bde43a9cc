"""Run the `svetofor` console script as a user would: a subprocess in a scratch directory."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

SVETOFOR = str(Path(sys.executable).with_name("svetofor"))
REPO = Path(__file__).resolve().parents[2]


def _environment(tmp_path: Path, db_url: str | None, env: dict[str, str]) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SVETOFOR_")}
    environment["SVETOFOR_DATA_DIR"] = str(tmp_path / "var")
    if db_url:
        environment["SVETOFOR_DATABASE_URL"] = db_url
    environment.update(env)
    return environment


def run(
    tmp_path: Path, *args: str, db_url: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = _environment(tmp_path, db_url, env)
    return subprocess.run(
        [SVETOFOR, *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_on_terminal(
    tmp_path: Path, *args: str, db_url: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """As `run`, but stderr is a terminal (a pseudo-terminal), as when a person types the
    command: what it draws there comes back as `stderr`, escape codes and all."""
    master, slave = pty.openpty()
    environment = {
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        **_environment(tmp_path, db_url, env),
    }
    environment.pop("NO_COLOR", None)
    with subprocess.Popen(
        [SVETOFOR, *args], cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=slave
    ) as child:
        os.close(slave)
        drawn = bytearray()
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed its end (EIO on Linux)
                break
            if not chunk:
                break
            drawn += chunk
        out = child.stdout.read() if child.stdout else b""
        child.wait(timeout=120)
    os.close(master)
    return subprocess.CompletedProcess(
        child.args, child.returncode, out.decode(), drawn.decode(errors="replace")
    )
