"""Crawl throughput: the full pipeline into SQLite against the same spider with no pipeline.

A local site serves 5,000 review pages (ten reviews each, linked page to page). The same
HTML spider crawls it twice in one run of this script: once storing every mention through
the item pipelines into a fresh SQLite database, once with the pipelines switched off.
Each crawl runs in its own process (a Twisted reactor starts once per process).

    .venv/bin/python bench/crawl.py [--pages 5000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PER_PAGE = 10  # a typical review-list page (otzovik, irecommend show 10–20)


def render_page(number: int, pages: int) -> bytes:
    reviews = "".join(
        f'<article class="review" data-review-id="p{number}r{i}" lang="ru">'
        f'<a class="author" href="/u/{number}-{i}">Автор {number}-{i}</a>'
        f'<span class="rating" data-rating="{1 + (number + i) % 5}"></span>'
        f'<time datetime="2026-11-{1 + number % 28:02d}T10:{i:02d}:00+03:00">date</time>'
        f'<h2 class="title"><a class="permalink" href="/r/{number}/{i}">Отзыв</a></h2>'
        f'<div class="text">Заказ {number}-{i}: курьер опоздал на {i + 10} минут, '
        f"но еда была горячей. Сервис Колибри в целом нравится.</div></article>"
        for i in range(PER_PAGE)
    )
    nav = f'<a class="next" href="/reviews?page={number + 1}">next</a>' if number < pages else ""
    return f"<html><body>{reviews}{nav}</body></html>".encode()


def serve(pages: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else delayed ACKs add ~40 ms to every page

        def do_GET(self) -> None:
            if self.path == "/robots.txt":
                body, status = b"User-agent: *\nAllow: /\n", 200
            else:
                number = int(parse_qs(urlparse(self.path).query).get("page", ["1"])[0])
                body, status = render_page(number, pages), 200
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def child(url: str, mode: str, data_dir: str) -> None:
    """One crawl in this process; prints its figures as JSON."""
    from sqlmodel import Session

    from core.config import Settings
    from core.db import make_engine, migrate
    from crawlers.runner import crawl_sources
    from tests.utils.factories import make_brand, make_source

    settings = Settings(data_dir=Path(data_dir), _env_file=None)
    engine = make_engine(settings.database_url)
    migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        source = make_source(
            session,
            make_brand(session, "Колибри"),
            "bench",
            kind="html",
            url=url,
            options={"profile": "demo-reviews", "max_pages": 100_000},
        )
        session.commit()
    overrides = {
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "LOG_LEVEL": "ERROR",
    }
    if mode == "bare":
        overrides["ITEM_PIPELINES"] = {}
    [outcome] = crawl_sources(settings, engine, [source], overrides)
    stats = outcome.stats
    items = stats.get("item_scraped_count", 0)
    seconds = stats["elapsed_time_seconds"]
    stored = outcome.run.counts.get("new", 0) if outcome.run else 0
    print(
        json.dumps(
            {
                "mode": mode,
                "items": items,
                "stored": stored,
                "seconds": seconds,
                "items_per_second": items / seconds,
            }
        )
    )


def run_child(url: str, mode: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data_dir:
        output = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--url", url, "--data-dir", data_dir],
            check=True,
            capture_output=True,
            text=True,
            cwd=REPO,
        ).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--child", choices=["pipeline", "bare"])
    parser.add_argument("--url")
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    if args.child:
        child(args.url, args.child, args.data_dir)
        return
    server = serve(args.pages)
    url = f"http://127.0.0.1:{server.server_address[1]}/reviews?page=1"
    bare = run_child(url, "bare")
    full = run_child(url, "pipeline")
    server.shutdown()
    expected = args.pages * PER_PAGE
    assert full["stored"] == expected, f"stored {full['stored']} of {expected}"
    overhead = 1 - full["items_per_second"] / bare["items_per_second"]
    print(f"pages: {args.pages}, items: {expected}")
    print(
        f"spider only:            {bare['items_per_second']:8.1f} items/s ({bare['seconds']:.1f} s)"
    )
    print(
        f"full pipeline (SQLite): {full['items_per_second']:8.1f} items/s "
        f"({full['seconds']:.1f} s), {full['stored']} stored"
    )
    print(
        f"ratio full/bare: {full['items_per_second'] / bare['items_per_second']:.2f} "
        f"(pipeline overhead {overhead:.0%})"
    )


if __name__ == "__main__":
    main()
