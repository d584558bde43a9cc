"""Bundled checkpoints of earlier commits, read back from git history.

The repository holds one bundled model. A student distilled from it replaces it there, and
git keeps the teacher: `bundled_at("c9d03fb", models_dir)` extracts the `classifier/bundled/`
checkpoint of that commit under `models_dir` (once), so training (`--init` / `--teacher
git:REV`) and `bench/classifier.py` (`--baseline git:REV`) can load it like any checkpoint.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from classifier.checkpoint import ACT_RANGES, BUNDLED_DIR, DELTA_MANIFEST, DELTA_WEIGHTS

GIT_PREFIX = "git:"
BUNDLED_IN_REPO = "classifier/bundled"


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(BUNDLED_DIR), *args], capture_output=True)
    except OSError as exc:  # no git on this machine
        raise ValueError(f"git is needed to read earlier bundled models: {exc}") from exc


def resolve_commit(rev: str) -> str:
    """The full hash of commit `rev` (a hash prefix, tag or branch); ValueError if unknown."""
    found = _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if found.returncode != 0 or not rev.strip():
        raise ValueError(f"{GIT_PREFIX}{rev}: no such commit in {BUNDLED_DIR.parents[1]}")
    return found.stdout.decode().strip()


def commit_holding_bundled() -> str | None:
    """The last commit of the bundled weights as they are on disk; None when they are modified
    (or uncommitted) or git is not at hand."""
    weights = f"{BUNDLED_DIR / DELTA_WEIGHTS}"
    try:
        modified = _git("diff", "--quiet", "HEAD", "--", weights).returncode != 0
        commit = _git("log", "-1", "--format=%H", "--", weights).stdout.decode().strip()
    except ValueError:
        return None
    return None if modified or not commit else commit


def bundled_at(rev: str, models_dir: str | os.PathLike[str]) -> Path:
    """The bundled checkpoint of commit `rev`, extracted to `<models_dir>/bundled-<hash12>`."""
    commit = resolve_commit(rev)
    out = Path(models_dir) / f"bundled-{commit[:12]}"
    if (out / DELTA_MANIFEST).is_file():
        return out
    out.mkdir(parents=True, exist_ok=True)
    # the manifest last: a half-written directory is not taken for a checkpoint
    for name in (DELTA_WEIGHTS, ACT_RANGES, DELTA_MANIFEST):
        shown = _git("show", f"{commit}:{BUNDLED_IN_REPO}/{name}")
        if shown.returncode == 0:
            (out / name).write_bytes(shown.stdout)
        elif name != ACT_RANGES:  # checkpoints older than int8 inference have no ranges
            raise ValueError(f"{GIT_PREFIX}{rev}: {shown.stderr.decode().strip()}")
    return out
