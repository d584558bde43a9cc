"""`svetofor crawl`: run spiders now and print what each run did."""

from __future__ import annotations

import json

import typer
from sqlmodel import Session, col, select

from core.db import check_connection
from crawlers.scheduler import due_sources
from models import CrawlStatus, Source
from svetofor.context import engine_for, fail, load_settings, user_errors
from svetofor.progress import Reporter


def _parse_overrides(pairs: list[str]) -> dict[str, object]:
    overrides: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            fail(f"--set expects KEY=VALUE, got {pair!r}", code=2)
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    return overrides


def crawl(
    names: list[str] = typer.Argument(None, help="source names"),
    all_sources: bool = typer.Option(False, "--all", help="every enabled source"),
    due: bool = typer.Option(False, "--due", help="the sources whose schedule is due (for cron)"),
    set_: list[str] = typer.Option([], "--set", "-s", help="Scrapy setting KEY=VALUE"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Scrapy's INFO log on stderr"),
    progress_every: float = typer.Option(
        10.0, "--progress-every", min=0.2, help="seconds between progress lines on stderr"
    ),
) -> None:
    """Crawl sources now; exit 1 if any run failed or was blocked."""
    if sum((bool(names), all_sources, due)) != 1:
        fail("name sources, or use exactly one of --all and --due", code=2)
    settings = load_settings()
    engine = engine_for(settings)
    overrides = _parse_overrides(set_)
    if verbose:
        overrides.setdefault("LOG_LEVEL", "INFO")
    with user_errors():
        check_connection(engine)
        with Session(engine, expire_on_commit=False) as session:
            if due:
                sources = due_sources(session)
            elif all_sources:
                sources = list(session.exec(select(Source).where(Source.enabled == True)))  # noqa: E712
            else:
                query = select(Source).where(col(Source.name).in_(names))
                found = {s.name: s for s in session.exec(query)}
                missing = [n for n in names if n not in found]
                if missing:
                    fail(f"unknown source(s): {', '.join(missing)}")
                sources = [found[n] for n in names]
        if not sources:
            typer.echo("nothing to crawl")
            return
        from crawlers.runner import CrawlProgress, crawl_sources  # Scrapy loads only here

        with Reporter("crawling", total=len(sources)) as report:

            def show(now: CrawlProgress) -> None:
                report.update(
                    now.finished,
                    now.sources,
                    line=now.line(),
                    detail=f"{now.pages} pages, {now.stored} new or updated",
                )

            outcomes = crawl_sources(
                settings,
                engine,
                sources,
                overrides,
                progress=show,
                # a bar on a terminal moves twice a second; lines elsewhere come less often
                progress_every=min(progress_every, 0.5) if report.live else progress_every,
            )
    for outcome in outcomes:
        typer.echo(outcome.line())
    failed = [
        o for o in outcomes if o.run and o.run.status in (CrawlStatus.failed, CrawlStatus.blocked)
    ]
    if failed:
        raise typer.Exit(1)
