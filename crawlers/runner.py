"""Run the spiders of some sources in this process and record each run."""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings as ScrapySettings
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.config import Settings
from core.timeutil import utcnow
from crawlers import settings as crawler_settings
from crawlers import stats as keys
from crawlers.quiet_network_errors import quiet_network_tracebacks
from crawlers.runs import (
    Heartbeat,
    fail_run,
    finish_run,
    previous_run_died,
    start_run,
    summarize,
)
from crawlers.spiders import spider_for
from crawlers.spiders.base import SourceArgs
from models import CrawlRun, Mention, Source
from services.mention_store import mark_deleted


@dataclass
class CrawlOutcome:
    source: str
    run: CrawlRun | None  # None: skipped because the source is already being crawled
    seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)  # Scrapy's, for benchmarks

    def line(self) -> str:
        if self.run is None:
            return f"{self.source}: skipped (crawling already, or crawled since it was queued)"
        c = self.run.counts
        dropped = sum(c.get("dropped", {}).values())
        parts = [
            f"{c.get('new', 0)} new",
            f"{c.get('updated', 0)} updated",
            f"{c.get('unchanged', 0)} unchanged",
            f"{dropped} dropped",
        ]
        if c.get("date_unparsed"):
            parts.append(f"{c['date_unparsed']} without a date")
        line = f"{self.source}: {self.run.status.value} — {', '.join(parts)}"
        line += f" in {self.seconds:.1f}s ({c.get('pages', 0)} pages)"
        if self.run.error_summary:
            line += f"\n  {self.run.error_summary}"
        return line


def scrapy_settings(settings: Settings, overrides: dict[str, Any] | None = None) -> ScrapySettings:
    """Svetofor's Scrapy settings plus the database URL and any `--set` overrides."""
    result = ScrapySettings()
    result.setmodule(crawler_settings, priority="project")
    result.set("SVETOFOR_DATABASE_URL", settings.database_url, priority="project")
    result.set("SVETOFOR_VK_TOKEN", settings.vk_token or "", priority="project")
    result.set("LOG_LEVEL", "WARNING", priority="project")
    for key, value in (overrides or {}).items():
        result.set(key, value, priority="cmdline")
    return result


def job_dir(settings: Settings, source: Source) -> Path:
    """Scrapy's JOBDIR for a source: pending requests survive an interrupted crawl."""
    return settings.data_dir / "crawls" / re.sub(r"[^\w.-]+", "_", source.name)


def known_ids(engine: Engine, source_id: int) -> frozenset[str]:
    with Session(engine) as session:
        query = select(Mention.external_id).where(col(Mention.source_id) == source_id)
        return frozenset(session.exec(query))


def _prepare(
    engine: Engine,
    base: ScrapySettings,
    source: Source,
    run_id: int,
    jobdir: Path,
    *,
    first: bool,
) -> tuple[Crawler, SourceArgs]:
    assert source.id is not None
    per_source = base.copy()
    per_source.set("JOBDIR", str(jobdir), priority="cmdline")
    if ua := source.options.get("user_agent"):
        per_source.set("USER_AGENT", ua, priority="cmdline")
    if "obey_robots" in source.options:
        per_source.set("ROBOTSTXT_OBEY", bool(source.options["obey_robots"]), "cmdline")
    if "autothrottle" in source.options:  # off for a site of one's own: no polite delay
        per_source.set("AUTOTHROTTLE_ENABLED", bool(source.options["autothrottle"]), "cmdline")
    args = SourceArgs(
        source_id=source.id,
        name=source.name,
        kind=source.kind,
        url=source.url,
        timezone=source.timezone,
        options=source.options,
        known_ids=known_ids(engine, source.id),
        # After a killed run, crawl on past known pages: its last batch may not be stored.
        incremental=source.options.get("incremental", True)
        and not previous_run_died(engine, source.id, run_id),
        max_pages=source.options.get("max_pages", base.getint("SVETOFOR_MAX_PAGES")),
        now=utcnow(),
    )
    spider_cls = spider_for(source.kind)
    spider_cls.check_source(args)
    # The first crawler installs the Twisted reactor, as CrawlerProcess does for its own.
    return Crawler(spider_cls, per_source, init_reactor=first), args


@dataclass(frozen=True)
class CrawlProgress:
    """How far a crawl got: sources finished of all, pages fetched, mentions stored."""

    sources: int
    finished: int
    pages: int
    stored: int

    def line(self) -> str:
        return (
            f"crawling {self.sources} source(s): {self.pages} pages, "
            f"{self.stored} new or updated so far"
        )


class Progress:
    """While the spiders run, a report every `every` seconds: pages fetched and mentions
    stored so far, so a long crawl is seen to move (`svetofor crawl` shows it on stderr)."""

    def __init__(
        self, crawlers: list[Crawler], report: Callable[[CrawlProgress], None], every: float
    ) -> None:
        self.crawlers = crawlers
        self.report = report
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="crawl-progress", daemon=True)

    def now(self) -> CrawlProgress:
        pages = stored = finished = 0
        for crawler in self.crawlers:
            stats = crawler.stats.get_stats() if crawler.stats else {}
            pages += int(stats.get(keys.PAGES, 0))
            stored += sum(
                int(v)
                for k, v in stats.items()
                if k.startswith(keys.ITEMS_PREFIX) and k.endswith(("created", "updated"))
            )
            finished += "finish_reason" in stats  # Scrapy's core stats set it on close
        return CrawlProgress(len(self.crawlers), finished, pages, stored)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.report(self.now())

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.report(self.now())  # where it ended: every source finished


def crawl_sources(
    settings: Settings,
    engine: Engine,
    sources: list[Source],
    overrides: dict[str, Any] | None = None,
    *,
    not_since: datetime | None = None,
    progress: Callable[[CrawlProgress], None] | None = None,
    progress_every: float = 10.0,
) -> list[CrawlOutcome]:
    """Crawl the given sources concurrently; block until all are done. With `not_since`, a
    source crawled since then is skipped (`runs.start_run`)."""
    base = scrapy_settings(settings, overrides)
    process = CrawlerProcess(base)
    started: list[tuple[Source, int, Crawler, Path]] = []
    outcomes: dict[str, CrawlOutcome] = {}
    for source in sources:
        assert source.id is not None
        run_id = start_run(engine, source.id, not_since=not_since)
        if run_id is None:
            outcomes[source.name] = CrawlOutcome(source.name, None)
            continue
        jobdir = job_dir(settings, source)
        try:
            crawler, args = _prepare(engine, base, source, run_id, jobdir, first=not started)
        except (ValueError, KeyError) as exc:  # a source the spiders cannot work with
            run = fail_run(engine, run_id, f"cannot start: {exc}")
            outcomes[source.name] = CrawlOutcome(source.name, run)
            continue
        process.crawl(crawler, source=args)
        started.append((source, run_id, crawler, jobdir))
    began = time.monotonic()
    if started:
        crawlers = [crawler for _, _, crawler, _ in started]
        by_run = {run_id: crawler for _, run_id, crawler, _ in started}

        def counts_so_far(run_id: int) -> dict[str, Any]:
            crawler = by_run[run_id]
            return summarize(crawler.stats.get_stats() if crawler.stats else {})[1]

        # each crawler installs Scrapy's root handler anew: filter the one now in place
        if logging.getLevelName(base.get("LOG_LEVEL")) >= logging.WARNING:  # not `crawl -v`
            quiet_network_tracebacks()
        with Heartbeat(engine, list(by_run), counts_so_far):
            if progress is None:
                process.start()
            else:
                with Progress(crawlers, progress, progress_every):
                    process.start()
    seconds = time.monotonic() - began
    for source, run_id, crawler, jobdir in started:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        run = finish_run(engine, run_id, stats)
        if stats.get(keys.DELETED):
            assert source.id is not None
            mark_deleted(engine, source.id, stats[keys.DELETED], utcnow())
        if stats.get("finish_reason") == "finished":
            shutil.rmtree(jobdir, ignore_errors=True)  # done: the next run starts afresh
        outcomes[source.name] = CrawlOutcome(source.name, run, seconds, stats)
    return [outcomes[s.name] for s in sources]
