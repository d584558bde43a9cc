"""Declarative site profiles (YAML): where a review site keeps each field, and its paging."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PROFILES_DIR = Path(__file__).resolve().parents[1] / "profiles"

FieldName = Literal[
    "id", "url", "author", "author_url", "title", "text", "rating", "date", "business_reply",
    "lang",
]  # fmt: skip


class FieldSpec(BaseModel):
    """How to read one value: a selector or path, then optional regex, template, scale.

    In YAML a bare string is shorthand for `{select: ...}`. HTML selectors are CSS
    (parsel's `::text` and `::attr(x)` included) unless prefixed with `xpath:`; JSON
    selectors are dotted paths (`author.name.label`, `links.0.href`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    select: str | None = None
    all: bool = False  # HTML: join every match (default: the first match only)
    count: bool = False  # HTML: the number of matches (filled stars of a rating widget)
    regex: str | None = None  # keep the first group (or the whole match)
    template: str | None = None  # "{value}" plus the caller's context keys
    scale: float | None = None  # rating: the site's top mark (5, 10, 100) → 1–5
    default: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"select": value} if isinstance(value, str) else value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"bad regex {value!r}: {error}") from None
        return value


class Pagination(BaseModel):
    """Where the next page is: a link on the page, a page number, or a cursor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    next: FieldSpec | None = None  # selector/path of the next page's URL
    page_param: str | None = None  # query parameter holding the page number
    page_in_url: str | None = None  # regex with one group around the number in the URL
    first_page: int = 1
    cursor: FieldSpec | None = None  # selector/path of an opaque cursor…
    cursor_param: str | None = None  # …sent back in this query parameter
    max_pages: int | None = Field(default=None, ge=1)


class SiteProfile(BaseModel):
    """A review site or API described as data: adding a site is writing one of these."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: Literal["html", "json"]
    verified: bool = False  # checked against the live site?
    timezone: str = "UTC"
    lang: str | None = None
    languages: tuple[str, ...] = ("ru", "en")
    items: str  # selector of one review (HTML) or path of the review list (JSON)
    fields: dict[FieldName, FieldSpec]
    skip_if: tuple[str, ...] = ()  # JSON: an item having any of these paths is no review
    pagination: Pagination = Pagination()

    @field_validator("fields")
    @classmethod
    def _has_text(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        if "text" not in value:
            raise ValueError("a profile must say where the review text is (fields.text)")
        return value


def load_profile(name_or_path: str | Path) -> SiteProfile:
    """Load a profile by name (`otzovik` → crawlers/profiles/otzovik.yaml) or by path."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = PROFILES_DIR / f"{name_or_path}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return SiteProfile.model_validate(data)


def available_profiles() -> list[str]:
    """Names of the profiles shipped with Svetofor."""
    return sorted(path.stem for path in PROFILES_DIR.glob("*.yaml"))
