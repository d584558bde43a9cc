"""`svetofor crawl` as a user runs it, against a test database, with no polite delays."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SVETOFOR = str(Path(sys.executable).with_name("svetofor"))


def crawl(tmp_path: Path, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVETOFOR_")}
    env.update(SVETOFOR_DATABASE_URL=db_url, SVETOFOR_DATA_DIR=str(tmp_path / "var"))
    return subprocess.run(
        [SVETOFOR, "crawl", "--set", "AUTOTHROTTLE_ENABLED=false", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
