"""Review sites and JSON APIs described by a site profile (YAML) instead of code."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from scrapy.http import Response

from crawlers.parsing.html_profile import parse_html
from crawlers.parsing.item import ParsedPage
from crawlers.parsing.json_profile import parse_json
from crawlers.parsing.profile import SiteProfile, load_profile
from crawlers.spiders.base import SourceArgs, SourceSpider


def source_profile(options: dict[str, Any]) -> SiteProfile:
    """`options.profile`: a shipped profile's name, a YAML path, or an inline mapping."""
    profile = options.get("profile")
    if profile is None:
        raise ValueError("options.profile is required: a profile name, path or mapping")
    if isinstance(profile, dict):
        return SiteProfile.model_validate(profile)
    try:
        return load_profile(str(profile))
    except FileNotFoundError as exc:
        raise ValueError(f"no site profile {profile!r}") from exc


class ProfileSpider(SourceSpider):
    name = "profile"

    @classmethod
    def check_source(cls, source: SourceArgs) -> None:
        profile = source_profile(source.options)
        if profile.kind != cls.kind:
            raise ValueError(f"profile {profile.name!r} is for {profile.kind} sources")

    @cached_property
    def profile(self) -> SiteProfile:
        return source_profile(self.source.options)

    @property
    def context(self) -> dict[str, str]:
        """Values a profile's templates may use, from the source's options."""
        return {k: str(v) for k, v in self.source.options.items() if isinstance(v, str | int)}


class HtmlSpider(ProfileSpider):
    name = "html"
    kind = "html"

    def parse_page(self, response: Response) -> ParsedPage:
        return parse_html(
            response.body,
            self.profile,
            url=response.url,
            now=self.source.now,
            content_type=(response.headers.get("Content-Type") or b"").decode(),
            context=self.context,
            tz=self.source.timezone,
        )


class JsonSpider(ProfileSpider):
    name = "json"
    kind = "json"

    def parse_page(self, response: Response) -> ParsedPage:
        return parse_json(
            response.body,
            self.profile,
            url=response.url,
            now=self.source.now,
            context=self.context,
            tz=self.source.timezone,
        )
