"""The YAML config file: validated, then brands and sources upserted by name."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlmodel import Session

from core.errors import NotFound
from models import BrandCreate, SourceCreate
from services.catalog import upsert_brand, upsert_source


class ConfigError(ValueError):
    """The file cannot be loaded; `problems` lists each bad entry and field."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


class ConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brands: list[BrandCreate] = []
    sources: list[SourceCreate] = []


def read_config(path: Path) -> ConfigFile:
    """Parse and validate a config file; raise ConfigError naming every problem."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, [f"cannot read file: {exc.strerror}"]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(path, ["file is not UTF-8 text"]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(path, [f"invalid YAML{where}: {problem}"]) from exc
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigError(path, ["top level must be a mapping with 'brands' and 'sources'"])
    try:
        config = ConfigFile.model_validate(document)
    except ValidationError as exc:
        raise ConfigError(path, [_describe(error, document) for error in exc.errors()]) from exc
    problems = _duplicates("brands", [b.name for b in config.brands])
    problems += _duplicates("sources", [s.name for s in config.sources])
    if problems:
        raise ConfigError(path, problems)
    return config


def _describe(error: Any, document: dict[str, Any]) -> str:
    """'sources[1] (acme-news).schedule: <reason>' from a pydantic error location."""
    loc = list(error["loc"])
    where = ""
    if len(loc) >= 2 and isinstance(loc[1], int):
        section, index = loc[0], loc[1]
        where = f"{section}[{index}]"
        entry = (
            (document.get(section) or [None])[index]
            if isinstance(document.get(section), list)
            else None
        )
        if isinstance(entry, dict) and entry.get("name"):
            where += f" ({entry['name']})"
        rest = [str(part) for part in loc[2:]]
    else:
        rest = [str(part) for part in loc]
    if rest:
        where = f"{where}.{'.'.join(rest)}" if where else ".".join(rest)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field"
    return f"{where}: {message}" if where else message


def _duplicates(section: str, names: list[str]) -> list[str]:
    return [
        f"{section}: name {name!r} appears {n} times" for name, n in Counter(names).items() if n > 1
    ]


def load_config(
    session: Session, path: Path, *, rebase: tuple[str, str] | None = None
) -> dict[str, Counter[str]]:
    """Upsert everything in the file in one transaction; return counts per outcome.

    `rebase` = (old, new): source URLs starting with `old` start with `new` instead (the
    demo's sources follow the address the service really listens on).
    """
    config = read_config(path)
    if rebase is not None:
        old, new = rebase
        for source in config.sources:
            if source.url.startswith(old):
                source.url = new + source.url.removeprefix(old)
    summary: dict[str, Counter[str]] = {"brands": Counter(), "sources": Counter()}
    for brand in config.brands:
        summary["brands"][upsert_brand(session, brand)[1]] += 1
    for index, source in enumerate(config.sources):
        try:
            summary["sources"][upsert_source(session, source)[1]] += 1
        except NotFound as exc:
            raise ConfigError(path, [f"sources[{index}] ({source.name}).brand: {exc}"]) from exc
    return summary
