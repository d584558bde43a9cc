"""Run the `svetofor` console script as a user would: a subprocess in a scratch directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SVETOFOR = str(Path(sys.executable).with_name("svetofor"))
REPO = Path(__file__).resolve().parents[2]


def run(
    tmp_path: Path, *args: str, db_url: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SVETOFOR_")}
    environment["SVETOFOR_DATA_DIR"] = str(tmp_path / "var")
    if db_url:
        environment["SVETOFOR_DATABASE_URL"] = db_url
    environment.update(env)
    return subprocess.run(
        [SVETOFOR, *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
