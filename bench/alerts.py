"""Ingest -> webhook latency on one node: how soon the SMM team hears of a negative mention.

Runs the whole service in-process (API, labelling worker with the bundled model, desk worker)
on a fresh SQLite file, ingests one-star complaints through `POST /api/v1/mentions` one at a
time, and times each until its "new case" alert reaches a local webhook receiver. It does so
twice in the same run: with alerts sent as soon as the labelling batch commits (the default)
and, as the baseline, with alerts left to the desk tick (`SVETOFOR_ALERT_AT_ONCE=false`).

    .venv/bin/python bench/alerts.py [--mentions 20] [--gap 1.0]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fastapi.testclient import TestClient  # noqa: E402

from api.main import create_app  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db import make_engine, migrate, session_scope  # noqa: E402
from desk.templates import ensure_default_templates  # noqa: E402
from models import Role  # noqa: E402
from services.keys import create_key  # noqa: E402

COMPLAINT = "Ужасный сервис: курьер опоздал на три часа, заказ {n} привезли холодным"


class Receiver:
    """A local webhook endpoint noting when each mention's alert arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                items = body.get("items") or [body]  # a bundle lists its alerts
                for item in items:
                    text = (item.get("mention") or {}).get("text") or ""
                    receiver.arrived.setdefault(text, time.monotonic())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def run(mentions: int, gap: float, at_once: bool, models_dir: Path) -> dict[str, Any]:
    receiver = Receiver()
    workdir = Path(tempfile.mkdtemp(prefix="svetofor-bench-alerts-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        ensure_default_templates(session)
        key = create_key(session, Role.admin, "bench")[1]
    settings = Settings(
        database_url=url,
        data_dir=workdir,
        alert_webhook_url=receiver.url,
        alert_webhook_secret="bench",
        alert_at_once=at_once,
        alert_rate_per_minute=0,
        _env_file=None,
    )
    # the converted base is shared between runs: it is built once (about 10 s)
    (workdir / "models").symlink_to(models_dir.resolve(), target_is_directory=True)
    sent: dict[str, float] = {}
    with TestClient(create_app(settings, engine, background=True)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        client.post("/api/v1/brands", json={"name": "Kolibri"})
        client.post(
            "/api/v1/sources",
            json={
                "name": "reviews",
                "kind": "json",
                "url": "https://reviews.example/kolibri",
                "brand": "Kolibri",
                "enabled": False,  # mentions arrive through the API only
            },
        )
        warm = {"source": "reviews", "external_id": "warm", "text": "Всё хорошо", "rating": 5}
        client.post("/api/v1/mentions", json=warm)
        deadline = time.monotonic() + 120
        while client.get("/api/v1/mentions/1").json()["sentiment"] is None:
            if time.monotonic() > deadline:
                raise SystemExit("the model did not label the warm-up mention in 120 s")
            time.sleep(0.2)
        for n in range(mentions):
            text = COMPLAINT.format(n=n)
            body = {"source": "reviews", "external_id": f"c{n}", "text": text, "rating": 1}
            sent[text] = time.monotonic()
            assert client.post("/api/v1/mentions", json=body).status_code == 201
            time.sleep(gap)
        deadline = time.monotonic() + 90
        while len(receiver.arrived) < mentions and time.monotonic() < deadline:
            time.sleep(0.1)
    receiver.server.shutdown()
    engine.dispose()
    latencies = sorted(receiver.arrived[t] - sent[t] for t in sent if t in receiver.arrived)
    if len(latencies) < mentions:
        raise SystemExit(f"only {len(latencies)} of {mentions} alerts arrived in time")
    return {
        "alerts": len(latencies),
        "p50_s": round(statistics.median(latencies), 2),
        "p95_s": round(latencies[max(0, round(0.95 * len(latencies)) - 1)], 2),
        "max_s": round(latencies[-1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=20)
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between ingests")
    parser.add_argument("--models-dir", type=Path, default=REPO / "var" / "models")
    args = parser.parse_args()
    args.models_dir.mkdir(parents=True, exist_ok=True)
    at_once = run(args.mentions, args.gap, True, args.models_dir)
    baseline = run(args.mentions, args.gap, False, args.models_dir)
    report = {
        "mentions": args.mentions,
        "alert_at_once": at_once,
        "desk_tick_only": baseline,
        "p95_ratio_baseline_over_at_once": round(baseline["p95_s"] / at_once["p95_s"], 1),
        "target_p95_s": 5.0,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
