"""The scale-out topology, started by `deploy/topology.sh` against real PostgreSQL and Redis
servers: two API replicas, two Celery workers, one beat. What must hold across processes:
every mention labelled once, one case per negative mention, one webhook post per alert event,
one rate limit for both APIs, each source crawled once per schedule tick — and the same after
a worker is killed with SIGKILL in the middle of a labelling batch."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from tests.utils.backends import POSTGRES_URL
from tests.utils.receiver import Receiver, reply, serve_handler, serve_receiver

REDIS_URL = os.environ.get("SVETOFOR_TEST_REDIS_URL")
REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "topology.sh"
BIN = Path(os.environ.get("SVETOFOR_BIN", str(REPO / ".venv" / "bin" / "svetofor")))
RATE_LIMIT = 300  # per key per minute, shared by both APIs
FEEDS, ITEMS_PER_FEED, CRAWL_EVERY = 20, 3, 10  # sources, items each, schedule (s)

pytestmark = [
    pytest.mark.topology,
    pytest.mark.skipif(
        not (POSTGRES_URL and REDIS_URL),
        reason="needs PostgreSQL and Redis servers: SVETOFOR_TEST_POSTGRES_URL and "
        "SVETOFOR_TEST_REDIS_URL (.ci/run starts both)",
    ),
]

NEGATIVE = (
    "Acme: ужасно. Заказ {n} привезли на три часа позже, всё холодное, курьер нахамил, "
    "поддержка не отвечает. Больше никогда. Верните деньги!"
)
POSITIVE = "Acme, спасибо! Заказ {n} привезли вовремя, всё горячее и вкусное, курьер вежливый."
# long enough that a labelling batch takes a while: the kill lands inside one
LONG = " Подробности: " + "ждали, звонили, писали в чат, снова ждали, " * 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class FeedSite:
    """A local news site: FEEDS RSS feeds of ITEMS_PER_FEED items each, hits counted."""

    url: str = ""
    hits: Counter[str] = field(default_factory=Counter)

    def feed(self, n: int) -> bytes:
        items = "".join(
            f"<item><title>Acme news {n}-{i}</title><link>{self.url}/news/{n}/{i}</link>"
            f"<guid>{self.url}/news/{n}/{i}</guid><description>Acme opened a new warehouse "
            f"in city {n}-{i}.</description>"
            f"<pubDate>Wed, 02 Dec 2026 0{i}:00:00 +0000</pubDate></item>"
            for i in range(ITEMS_PER_FEED)
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
            f"<link>{self.url}</link><description>news</description>{items}</channel></rss>"
        ).encode()


@pytest.fixture(scope="module")
def feed_site() -> Iterator[FeedSite]:
    site = FeedSite()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            match = re.fullmatch(r"/feed/(\d+)\.xml", self.path)
            if match is None:
                self.send_error(404)
                return
            site.hits[self.path] += 1
            body = site.feed(int(match.group(1)))
            reply(self, 200, body, "application/rss+xml")

        def log_message(self, *args: object) -> None:
            pass

    with serve_handler(Handler) as url:
        site.url = url
        yield site


@dataclass
class Topology:
    dir: Path
    env: dict[str, str]
    apis: list[str]
    db: Engine
    receiver: Receiver
    keys: list[str]

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN), *args], env=self.env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def scalar(self, sql: str) -> int:
        with self.db.connect() as connection:
            return int(connection.execute(text(sql)).scalar() or 0)

    def rows(self, sql: str) -> list[tuple]:
        with self.db.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql))]

    def labelled_by_workers(self) -> int:
        """Labels stored, summed over the workers' own log lines (a label stored twice
        counts twice)."""
        total = 0
        for log in (self.dir / "logs").glob("worker-*.log"):
            total += sum(int(n) for n in re.findall(r"labelled (\d+) mentions", log.read_text()))
        return total

    def worker_pids(self) -> dict[str, int]:
        return {p.stem: int(p.read_text()) for p in (self.dir / "pids").glob("worker-*.pid")}

    def posts_per_event(self) -> Counter[str]:
        import json

        return Counter(json.loads(body)["event_id"] for _, _, body in self.receiver.requests)


def create_database(name: str) -> str:
    assert POSTGRES_URL
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    assert POSTGRES_URL
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory, feed_site: FeedSite) -> Iterator[Topology]:
    assert REDIS_URL
    run_dir = tmp_path_factory.mktemp("topology")
    name = f"svetofor_topology_{uuid.uuid4().hex[:8]}"
    database_url = create_database(name)
    broker = make_url(REDIS_URL).set(database="7").render_as_string(hide_password=False)
    redis.Redis.from_url(broker).flushdb()
    ports = [free_port(), free_port()]
    with serve_receiver() as receiver:
        env = {
            **os.environ,
            "SVETOFOR_DATABASE_URL": database_url,
            "SVETOFOR_BROKER_URL": broker,
            "SVETOFOR_DATA_DIR": str(run_dir / "data"),
            "SVETOFOR_ALERT_WEBHOOK_URL": receiver.url + "/hook",
            "SVETOFOR_ALERT_WEBHOOK_SECRET": "topology-secret",
            "SVETOFOR_ALERT_RATE_PER_MINUTE": "0",  # every alert its own post: countable
            "SVETOFOR_RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT),
            "SVETOFOR_LABEL_LEASE": "PT8S",  # a killed worker's batch is taken over soon
            "SVETOFOR_CLASSIFY_BATCH": "32",
            "SVETOFOR_SCHEDULER_TICK": "PT2S",
            "SVETOFOR_DESK_TICK": "PT5S",
            "TOPOLOGY_API_PORTS": " ".join(map(str, ports)),
            "TOPOLOGY_CONCURRENCY": "1",  # one model load per worker
            "SVETOFOR_BIN": str(BIN),
        }
        started = subprocess.run(
            [str(SCRIPT), "start", str(run_dir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        db = create_engine(database_url)
        try:
            assert started.returncode == 0, started.stderr + started.stdout
            config = run_dir / "config.yaml"
            feeds = "".join(
                f"  - {{name: feed-{n}, kind: feed, url: '{feed_site.url}/feed/{n}.xml', "
                f"brand: Acme, schedule: {CRAWL_EVERY}s, enabled: false, "
                f"options: {{autothrottle: false}}}}\n"
                for n in range(FEEDS)
            )
            config.write_text(
                "brands:\n  - {name: Acme, keywords: [Acme], response_hours: 24}\n"
                "sources:\n"
                "  - {name: inbox, kind: feed, url: 'http://127.0.0.1:9/none.xml', brand: Acme,"
                " schedule: 1h, enabled: false}\n" + feeds,
                encoding="utf-8",
            )
            topology = Topology(
                run_dir, env, [f"http://127.0.0.1:{p}" for p in ports], db, receiver, []
            )
            topology.cli("config", "load", str(config))
            topology.keys = [
                topology.cli("keys", "create", "--role", "smm").strip().splitlines()[-1]
                for _ in range(2)
            ]
            yield topology
        finally:
            subprocess.run([str(SCRIPT), "stop", str(run_dir)], env=env, timeout=60)
            db.dispose()
            drop_database(name)


def ingest(topology: Topology, start: int, count: int, *, long: bool = False) -> int:
    """Post mentions alternately through both APIs, 3 in 5 clearly negative (one star);
    return how many are negative."""
    negatives = 0
    headers = {"Authorization": f"Bearer {topology.keys[0]}"}
    with httpx.Client(timeout=30) as client:
        for n in range(start, start + count):
            bad = n % 5 < 3
            negatives += bad
            body = {
                "source": "inbox",
                "external_id": f"m-{n}",
                "text": (NEGATIVE if bad else POSITIVE).format(n=n) + (LONG if long else ""),
                "rating": 1 if bad else 5,
                "published_at": datetime.now(UTC).isoformat(),
            }
            answer = client.post(
                f"{topology.apis[n % 2]}/api/v1/mentions", json=body, headers=headers
            )
            assert answer.status_code == 201, answer.text
    return negatives


def assert_exactly_once(topology: Topology, inbox_negatives: int) -> None:
    """Every stored mention labelled once, one case per negative mention (the `inbox_negatives`
    posted through the APIs among them), one webhook post per alert event."""
    everything = "SELECT count(*) FROM mention"
    wait_until(
        "every mention labelled",
        lambda: (
            topology.scalar(everything + " WHERE sentiment_label IS NOT NULL")
            == topology.scalar(everything)
        ),
        timeout=120,
    )
    mentions = topology.scalar(everything)
    wait_until(
        "every alert sent",
        lambda: (
            topology.scalar(
                "SELECT count(*) FROM alert_delivery WHERE status NOT IN ('sent', 'failed')"
            )
            == 0
            and topology.scalar("SELECT count(*) FROM alert_delivery") >= inbox_negatives
        ),
        timeout=120,
    )
    assert topology.labelled_by_workers() == mentions  # no label stored twice
    assert topology.scalar(everything + " WHERE triaged_version = version") == mentions
    negative = topology.rows(
        "SELECT s.name = 'inbox' FROM mention m JOIN source s ON s.id = m.source_id "
        "WHERE m.sentiment_label = 'negative'"
    )
    assert sum(inbox for (inbox,) in negative) == inbox_negatives
    cases = topology.rows('SELECT mention_id, count(*) FROM "case" GROUP BY mention_id')
    assert len(cases) == len(negative)
    assert {n for _, n in cases} == {1}
    sent = {
        key
        for (key,) in topology.rows(
            "SELECT event_key FROM alert_delivery WHERE channel = 'webhook' AND status = 'sent'"
        )
    }
    assert topology.scalar("SELECT count(*) FROM alert_delivery WHERE status = 'failed'") == 0
    posts = topology.posts_per_event()
    assert set(posts) == sent
    assert len(sent) >= len(cases)  # at least each new case's alert
    assert [event for event, n in posts.items() if n > 1] == []


def test_two_apis_two_workers_label_once_open_one_case_and_post_one_alert(
    topology: Topology,
) -> None:
    negatives = ingest(topology, 0, 100)
    assert negatives == 60
    assert_exactly_once(topology, inbox_negatives=60)
    assert topology.scalar("SELECT count(*) FROM mention") == 100


def test_the_rate_limit_is_one_limit_across_both_apis(topology: Topology) -> None:
    headers = {"Authorization": f"Bearer {topology.keys[1]}"}
    answers = []
    with httpx.Client(timeout=30) as client:
        for n in range(RATE_LIMIT + 40):
            answers.append(client.get(f"{topology.apis[n % 2]}/api/v1/brands", headers=headers))
    codes = Counter(a.status_code for a in answers)
    assert codes == {200: RATE_LIMIT, 429: 40}  # each API alone would have let all through
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["detail"] == "rate limit exceeded"
    assert int(refused.headers["Retry-After"]) >= 1


def test_two_workers_crawl_each_of_20_sources_once_per_schedule_tick(
    topology: Topology, feed_site: FeedSite
) -> None:
    with topology.db.begin() as connection:
        connection.execute(text("UPDATE source SET enabled = true WHERE name LIKE 'feed-%'"))

    def runs() -> dict[str, list[tuple]]:
        found: dict[str, list[tuple]] = {}
        for name, started, finished, status in topology.rows(
            "SELECT s.name, r.started_at, r.finished_at, r.status FROM crawl_run r "
            "JOIN source s ON s.id = r.source_id WHERE s.name LIKE 'feed-%' "
            "ORDER BY r.started_at"
        ):
            found.setdefault(name, []).append((started, finished, status))
        return found

    def two_ticks_done() -> bool:
        found = runs()
        return len(found) == FEEDS and all(
            len([r for r in rs if r[1] is not None]) >= 2 for rs in found.values()
        )

    wait_until("two crawls of every source", two_ticks_done, timeout=150)
    with topology.db.begin() as connection:
        connection.execute(text("UPDATE source SET enabled = false WHERE name LIKE 'feed-%'"))
    wait_until(
        "crawls to finish",
        lambda: topology.scalar("SELECT count(*) FROM crawl_run WHERE status = 'running'") == 0,
        timeout=60,
    )
    for name, source_runs in runs().items():
        assert {status for *_, status in source_runs} == {"ok"}, name
        for (start, end, _), (next_start, _, _) in pairwise(source_runs):
            assert next_start >= end, f"{name}: two crawls at once"
            # never a second crawl inside one schedule period
            assert (next_start - start).total_seconds() >= CRAWL_EVERY - 0.5, name
        # every fetch of the feed was a recorded run: nothing crawled behind the books
        assert feed_site.hits[f"/feed/{name.removeprefix('feed-')}.xml"] == len(source_runs)
    stored = topology.rows(
        "SELECT s.name, count(*), count(DISTINCT m.external_id) FROM mention m "
        "JOIN source s ON s.id = m.source_id WHERE s.name LIKE 'feed-%' GROUP BY s.name"
    )
    assert len(stored) == FEEDS
    assert {(total, distinct) for _, total, distinct in stored} == {
        (ITEMS_PER_FEED, ITEMS_PER_FEED)
    }


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(
    topology: Topology,
) -> None:
    groups = topology.worker_pids()
    victim: dict[str, object] = {}

    def kill_the_labeller() -> None:
        """SIGKILL the worker (its whole process group) that holds an unfinished batch."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not victim:
            rows = topology.rows(
                "SELECT label_claimed_by FROM mention WHERE label_claimed_by IS NOT NULL "
                "AND sentiment_label IS NULL AND external_id >= 'm-100' LIMIT 1"
            )
            if rows:
                pid = int(str(rows[0][0]).rpartition(":")[2])
                group = os.getpgid(pid)
                name = next(n for n, leader in groups.items() if leader == group)
                os.killpg(group, signal.SIGKILL)
                victim.update(name=name, pid=pid)
            time.sleep(0.02)

    killer = threading.Thread(target=kill_the_labeller)
    killer.start()
    negatives = ingest(topology, 100, 40, long=True)
    killer.join()
    assert victim, "no labelling batch was seen in flight"
    assert negatives == 24
    assert_exactly_once(topology, inbox_negatives=60 + 24)
    survivor = next(n for n in groups if n != victim["name"])
    log = (topology.dir / "logs" / f"{survivor}.log").read_text()
    assert "labelled" in log
    status = topology.cli("status")
    assert "workers seen: 1 (" in status and survivor in status
