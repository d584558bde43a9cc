"""The distributed pipeline end to end, with one worker and with two in the same run:
local site → crawl → store → classify → case → webhook, on real PostgreSQL and Redis.

Each configuration starts the topology with `deploy/topology.sh` (one API, N workers of
--concurrency each, beat) on a fresh database; the local site answers after --site-latency
seconds, as a remote one would (with none, a crawl is all process start-up and the part that
should scale is CPU on however few cores the machine has). Then:

1. **crawl-bound part**: SOURCES feeds, each with ITEMS complaints already published, are
   enabled at once; timed until every source has finished its first crawl (the crawl
   queue's throughput, what a second worker should double);
2. **publication to alert**: the site then publishes one new complaint at a time on a random
   feed (every --gap s, for --duration s); each is timed from the moment the site starts
   showing it to its "new case" webhook post, with the sources on a --schedule crawl.

It prints items/s end to end, each stage's share of an item's time (waiting for the crawl,
crawl to stored, stored to labelled, labelled to alert sent) and latency p50/p95.

    .venv/bin/python bench/scale.py \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        --redis redis://127.0.0.1:6379/0 [--sources 20] [--items 3] [--schedule 30]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "deploy" / "topology.sh"
BIN = REPO / ".venv" / "bin" / "svetofor"
COMPLAINT = "Acme: ужасно, заказ {key} привезли на три часа позже, всё холодное, верните деньги"


class Site:
    """Feeds whose items appear at their publication time; a webhook receiver beside it."""

    def __init__(self, sources: int, latency: float) -> None:
        self.latency = latency  # seconds a response takes, as a remote site's would
        self.items: dict[int, list[tuple[str, float, datetime]]] = {n: [] for n in range(sources)}
        self.alerts: dict[str, float] = {}  # item key -> when its alert arrived
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                time.sleep(site.latency)
                match = re.fullmatch(r"/feed/(\d+)\.xml", self.path)
                if match is None:
                    self.send_error(404)
                    return
                body = site.feed(int(match.group(1)))
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                found = re.search(r"заказ (\S+) привезли", json.dumps(payload, ensure_ascii=False))
                if found:
                    with site.lock:
                        site.alerts.setdefault(found.group(1), time.time())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, source: int, key: str) -> float:
        now = time.time()
        with self.lock:
            self.items[source].append((key, now, datetime.fromtimestamp(now, UTC)))
        return now

    def feed(self, n: int) -> bytes:
        with self.lock:
            items = list(self.items[n])
        entries = "".join(
            f"<item><title>Отзыв {key}</title><link>{self.url}/r/{key}</link>"
            f"<guid>{self.url}/r/{key}</guid><description>{COMPLAINT.format(key=key)}"
            f"</description><pubDate>{format_datetime(moment)}</pubDate></item>"
            for key, _, moment in items
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
            f"<link>{self.url}</link><description>reviews</description>{entries}"
            "</channel></rss>"
        ).encode()


def scalar(engine: Engine, sql: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar()


def wait(what: str, check: Any, timeout: float) -> float:
    began = time.time()
    while not check():
        if time.time() - began > timeout:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)
    return time.time() - began


def run(workers: int, args: argparse.Namespace) -> dict[str, Any]:
    name = f"svetofor_scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = make_url(args.postgres).set(database=name).render_as_string(False)
    redis.Redis.from_url(args.redis).flushdb()
    site = Site(args.sources, args.site_latency)
    for n in range(args.sources):
        for i in range(args.items):
            site.publish(n, f"h{n}-{i}")
    run_dir = Path(tempfile.mkdtemp(prefix="svetofor-scale-"))
    models = REPO / "var" / "bench-models"  # the converted base, shared between runs
    models.mkdir(parents=True, exist_ok=True)
    (run_dir / "data").mkdir()
    (run_dir / "data" / "models").symlink_to(models, target_is_directory=True)
    env = {
        **os.environ,
        "SVETOFOR_DATABASE_URL": database_url,
        "SVETOFOR_BROKER_URL": args.redis,
        "SVETOFOR_DATA_DIR": str(run_dir / "data"),
        "SVETOFOR_ALERT_WEBHOOK_URL": site.url + "/hook",
        "SVETOFOR_ALERT_WEBHOOK_SECRET": "bench",
        "SVETOFOR_ALERT_RATE_PER_MINUTE": "0",
        "SVETOFOR_SCHEDULER_TICK": "PT2S",
        "TOPOLOGY_API_PORTS": str(args.port),
        "TOPOLOGY_WORKERS": str(workers),
        "TOPOLOGY_CONCURRENCY": str(args.concurrency),
    }
    engine = create_engine(database_url)
    try:
        subprocess.run([str(SCRIPT), "start", str(run_dir)], env=env, check=True)
        feeds = "".join(
            f"  - {{name: feed-{n}, kind: feed, url: '{site.url}/feed/{n}.xml', brand: Acme, "
            f"schedule: {args.schedule}s, enabled: false, options: {{autothrottle: false}}}}\n"
            for n in range(args.sources)
        )
        config = run_dir / "config.yaml"
        config.write_text(
            "brands:\n  - {name: Acme, keywords: [Acme], response_hours: 24}\nsources:\n" + feeds,
            encoding="utf-8",
        )
        subprocess.run([str(BIN), "config", "load", str(config)], env=env, check=True)
        with engine.begin() as connection:
            connection.execute(text("UPDATE source SET enabled = true"))
        crawl_s = wait(
            "every source's first crawl",
            lambda: (
                scalar(
                    engine,
                    "SELECT count(DISTINCT source_id) FROM crawl_run WHERE finished_at IS NOT NULL",
                )
                == args.sources
            ),
            timeout=600,
        )
        backlog = args.sources * args.items
        wait("the backlog's alerts", lambda: len(site.alerts) >= backlog, timeout=600)
        backlog_s = time.time() - site.items[0][0][1]
        published: dict[str, float] = {}
        rng = random.Random(workers)
        end = time.time() + args.duration
        n = 0
        while time.time() < end:
            key = f"n{n}"
            published[key] = site.publish(rng.randrange(args.sources), key)
            n += 1
            time.sleep(args.gap)
        # too few workers for the sources is a result, reported as such, not a failure
        with contextlib.suppress(SystemExit):
            wait(
                "every new item's alert",
                lambda: all(k in site.alerts for k in published),
                timeout=args.schedule * 3 + 60,
            )
        arrived = [k for k in published if k in site.alerts]
        missing = len(published) - len(arrived)
        # an alert that never came counts as the longest wait of all (the p95 is a bound)
        waited = time.time()
        latencies = sorted(
            [site.alerts[k] - published[k] for k in arrived]
            + [waited - published[k] for k in published if k not in site.alerts]
        )
        stages = stage_shares(engine, published, site.alerts)
    finally:
        subprocess.run([str(SCRIPT), "stop", str(run_dir)], env=env, check=False)
        engine.dispose()
        site.server.shutdown()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return {
        "workers": workers,
        "first_crawl_of_all_sources_s": round(crawl_s, 1),
        "crawls_per_s": round(args.sources / crawl_s, 2),
        "backlog_items_per_s": round(backlog / backlog_s, 2),
        "new_items": len(latencies),
        "alerts_not_arrived_in_time": missing,
        "latency_p50_s": round(statistics.median(latencies), 1),
        "latency_p95_s": round(latencies[max(0, round(0.95 * len(latencies)) - 1)], 1),
        "stage_share": stages,
    }


def stage_shares(
    engine: Engine, published: dict[str, float], alerts: dict[str, float]
) -> dict[str, float]:
    """Mean share of an item's publication-to-alert time spent in each stage."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT m.url, extract(epoch FROM r.started_at), extract(epoch FROM "
                "m.discovered_at), extract(epoch FROM m.classified_at) FROM mention m "
                "JOIN crawl_run r ON r.source_id = m.source_id AND r.started_at <= "
                "m.discovered_at AND (r.finished_at IS NULL OR r.finished_at >= "
                "m.discovered_at)"
            )
        ).all()
    parts: dict[str, list[float]] = {
        "waiting_for_crawl": [],
        "crawl_to_stored": [],
        "stored_to_labelled": [],
        "labelled_to_alert": [],
    }
    for url, started, stored, labelled in rows:
        key = str(url).rsplit("/", 1)[-1]
        if key not in published or labelled is None:
            continue
        total = alerts[key] - published[key]
        for part, seconds in zip(
            parts,
            (
                float(started) - published[key],
                float(stored) - float(started),
                float(labelled) - float(stored),
                alerts[key] - float(labelled),
            ),
            strict=True,
        ):
            parts[part].append(max(0.0, seconds) / total if total > 0 else 0.0)
    return {part: round(statistics.fmean(v), 3) if v else 0.0 for part, v in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="a PostgreSQL URL (creates databases)")
    parser.add_argument("--redis", required=True, help="a Redis URL (its database is flushed)")
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--items", type=int, default=3)
    parser.add_argument("--schedule", type=int, default=30, help="crawl interval, seconds")
    parser.add_argument("--duration", type=float, default=120, help="seconds of new items")
    parser.add_argument("--gap", type=float, default=2.0, help="seconds between new items")
    parser.add_argument("--port", type=int, default=8131)
    parser.add_argument(
        "--site-latency", type=float, default=0.5, help="seconds per response of the local site"
    )
    parser.add_argument("--concurrency", type=int, default=2, help="tasks at once per worker")
    args = parser.parse_args()
    one, two = run(1, args), run(2, args)
    ratio = one["first_crawl_of_all_sources_s"] / two["first_crawl_of_all_sources_s"]
    target = args.schedule + 10
    summary = {
        "one_worker": one,
        "two_workers": two,
        "crawl_speedup_2_vs_1": round(ratio, 2),
        "targets": {
            "crawl_speedup_at_least_1.6": ratio >= 1.6,
            f"p95_under_{target}s": max(one["latency_p95_s"], two["latency_p95_s"]) < target,
        },
    }
    json.dump(summary, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
