"""API latency at scale: 1,000,000 mentions over two years for 5 brands.

Measures p50/p95 of the mention list, the case queue and the sentiment analytics (90 days,
daily) through the real API (in-process ASGI client), first with the schema's indexes and
then, in the same run on the same data, with those indexes dropped (the baseline).

    .venv/bin/python bench/api.py --backend sqlite [--mentions 1000000]
    .venv/bin/python bench/api.py --backend postgres --url postgresql+psycopg://…/db
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from api.main import create_app  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db import make_engine, migrate, session_scope  # noqa: E402
from core.labels import LABELS  # noqa: E402
from models import Brand, Case, Mention, Role, Source  # noqa: E402
from services.keys import create_key  # noqa: E402

BRANDS = 5
SOURCES_PER_BRAND = 4
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SPAN = timedelta(days=730)
INDEXES = [
    "ix_mention_brand_occurred",
    "ix_mention_occurred",
    "ix_mention_source_occurred",
    "ix_case_state_due",
    "ix_case_brand_state",
]


def seed(engine: Engine, mentions: int) -> None:
    rng = random.Random(7)
    with session_scope(engine) as session:
        for b in range(BRANDS):
            brand = Brand(name=f"brand{b}", keywords=[f"brand{b}"])
            session.add(brand)
            session.flush()
            for s in range(SOURCES_PER_BRAND):
                session.add(
                    Source(
                        name=f"brand{b}-src{s}",
                        kind="feed",
                        brand_id=brand.id or 0,
                        url=f"https://example.com/{b}/{s}",
                    )
                )
    table = Mention.__table__  # type: ignore[attr-defined]
    chunk = 20_000
    started = time.monotonic()
    for offset in range(0, mentions, chunk):
        rows = []
        for i in range(offset, min(offset + chunk, mentions)):
            brand_no = i % BRANDS
            at = NOW - SPAN * rng.random()
            rows.append(
                {
                    "brand_id": brand_no + 1,
                    "source_id": brand_no * SOURCES_PER_BRAND + i % 4 + 1,
                    "external_id": f"m{i}",
                    "text": f"Mention {i} of brand{brand_no}",
                    "published_at": at,
                    "published_precision": "exact",
                    "discovered_at": at,
                    "occurred_at": at,
                    "updated_at": at,
                    "version": 1,
                    "content_hash": f"{i:064d}",
                    "raw": {},
                    "sentiment_label": LABELS[rng.choices((0, 1, 2), (2, 5, 3))[0]],
                    "sentiment_score": 0.9,
                    "sentiment_model": "bench",
                }
            )
        with engine.begin() as connection:
            connection.execute(insert(table), rows)
    cases = []
    for i in range(20_000):
        opened = NOW - timedelta(hours=rng.random() * 24 * 60)
        state = "new" if i % 10 == 0 else ("acknowledged" if i % 10 == 1 else "closed")
        cases.append(
            {
                "brand_id": i % BRANDS + 1,
                "mention_id": i + 1,
                "state": state,
                "priority": "normal",
                "reason": "negative",
                "opened_at": opened,
                "updated_at": opened,
                "first_reply_start": opened,
                "first_reply_due_at": opened + timedelta(hours=24),
                "first_reply_basis": "published",
                "first_reply_sla": "on_track",
                "resolution_promised": False,
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(Case.__table__), cases)  # type: ignore[attr-defined]
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    print(
        f"seeded {mentions:,} mentions and 20,000 cases in {time.monotonic() - started:.0f}s",
        flush=True,
    )


def measure(client: TestClient, repeats: int) -> dict[str, dict[str, float]]:
    rng = random.Random(11)
    since = (NOW - timedelta(days=90)).isoformat()

    def mention_list() -> tuple[str, dict[str, Any]]:
        return "/api/v1/mentions", {"brand": f"brand{rng.randrange(BRANDS)}", "limit": 50}

    def case_queue() -> tuple[str, dict[str, Any]]:
        return "/api/v1/cases", {"brand": f"brand{rng.randrange(BRANDS)}", "limit": 50}

    def analytics() -> tuple[str, dict[str, Any]]:
        return "/api/v1/analytics/sentiment", {
            "brand": f"brand{rng.randrange(BRANDS)}",
            "from": since,
            "to": NOW.isoformat(),
            "interval": "day",
            "tz": "Europe/Moscow",
        }

    results = {}
    for name, url in (
        ("mention list", mention_list),
        ("case queue", case_queue),
        ("sentiment 90 days", analytics),
    ):
        warm_path, warm_params = url()
        client.get(warm_path, params=warm_params)  # warm up
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            path, params = url()
            response = client.get(path, params=params)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
        timings.sort()
        results[name] = {
            "p50": statistics.median(timings),
            "p95": timings[int(len(timings) * 0.95) - 1],
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--url", help="PostgreSQL URL of an empty database")
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="svetofor-bench-"))
    url = args.url if args.backend == "postgres" else f"sqlite:///{workdir / 'bench.db'}"
    engine = make_engine(url)
    if args.backend == "postgres":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate(engine)
    seed(engine, args.mentions)
    with session_scope(engine) as session:
        token = create_key(session, Role.admin)[1]
    settings = Settings(
        database_url=url, data_dir=workdir, rate_limit_per_minute=10**9, _env_file=None
    )
    with TestClient(create_app(settings, engine)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        indexed = measure(client, args.repeats)
        with engine.begin() as connection:
            for index in INDEXES:
                connection.execute(text(f"DROP INDEX IF EXISTS {index}"))
        baseline = measure(client, max(args.repeats // 5, 10))
    print(f"\n{args.backend}, {args.mentions:,} mentions, p50 / p95 in ms")
    print(f"{'query':20} {'indexed':>17} {'no indexes':>17} {'p95 ratio':>10}")
    for name, figures in indexed.items():
        base = baseline[name]
        print(
            f"{name:20} {figures['p50']:7.1f} / {figures['p95']:7.1f} "
            f"{base['p50']:7.1f} / {base['p95']:7.1f} {base['p95'] / figures['p95']:9.1f}x"
        )


if __name__ == "__main__":
    main()
