"""The `svetofor` console script, run as a user runs it: a real process, real database."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from core.db import head_revision
from tests.utils.backends import SQLITE_ONLY
from tests.utils.cli import SVETOFOR, run, run_on_terminal
from tests.utils.factories import BRAND, SOURCE


def test_init_creates_then_is_a_no_op(tmp_path: Path) -> None:
    first = run(tmp_path, "init")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"database sqlite:///{tmp_path}/var/svetofor.db migrated from empty to {head_revision()}",
        "added 4 default reply templates",
    ]
    assert (tmp_path / "var" / "svetofor.db").exists()
    second = run(tmp_path, "init")
    assert second.stdout.strip() == (
        f"database sqlite:///{tmp_path}/var/svetofor.db is up to date (revision {head_revision()})"
    )


def test_unreachable_database_is_one_readable_line(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql+psycopg://svetofor:secret@127.0.0.1:{port}/svetofor"
    for args in (("init",), ("config", "load", "x.yaml"), ("mentions", "export"), ("serve",)):
        result = run(tmp_path, *args, db_url=url)
        assert result.returncode == 1
        assert result.stdout == ""
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(
            f"error: cannot open database postgresql+psycopg://svetofor:***@"
            f"127.0.0.1:{port}/svetofor: connection failed"
        )
        assert "secret" not in line


def test_invalid_setting_is_reported(tmp_path: Path) -> None:
    result = run(tmp_path, "init", SVETOFOR_TIMEZONE="Moon/Base")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: invalid settings: SVETOFOR_TIMEZONE: Value error, unknown time zone 'Moon/Base'"
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "SVETOFOR_DATABASE_URL",
            value,
            "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DB (SQLite and"
            " PostgreSQL through psycopg 3 are the databases Svetofor runs on)",
        )
        for value in (
            "var/svetofor.db",
            "mysql://root@localhost/svetofor",
            "postgresql+asyncpg://h/d",
        )
    ]
    + [
        (
            "SVETOFOR_BROKER_URL",
            "localhost:6379",
            "a Redis URL: redis://HOST:6379/0 (or rediss:// with TLS)",
        ),
        (
            "SVETOFOR_RATELIMIT_URL",
            "amqp://guest@localhost//",
            "a Redis URL: redis://HOST:6379/0 (or rediss:// with TLS)",
        ),
    ],
)
def test_a_database_or_broker_url_svetofor_cannot_use_is_one_line(
    tmp_path: Path, name: str, value: str, expected: str
) -> None:
    result = run(tmp_path, "status", **{name: value})
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: invalid settings: {name}: Value error, {expected}"


def test_a_database_nobody_set_up_says_run_init(tmp_path: Path) -> None:
    fresh = f"sqlite:///{(tmp_path / 'fresh.db').as_posix()}"
    result = run(tmp_path, "status", SVETOFOR_DATABASE_URL=fresh)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: database error: no such table: mention"
        " (is the database set up? run `svetofor init`)"
    )


@SQLITE_ONLY  # the command's output; its queries are tested on both databases
def test_config_load_and_bad_config(tmp_path: Path, db_url: str) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(json.dumps({"brands": [BRAND], "sources": [SOURCE]}), encoding="utf-8")
    assert run(tmp_path, "config", "load", str(good), db_url=db_url).stdout.splitlines() == [
        "brands: 1 created, 0 updated, 0 unchanged",
        "sources: 1 created, 0 updated, 0 unchanged",
    ]
    assert run(tmp_path, "config", "load", str(good), db_url=db_url).stdout.splitlines() == [
        "brands: 0 created, 0 updated, 1 unchanged",
        "sources: 0 created, 0 updated, 1 unchanged",
    ]

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "sources:\n  - name: s1\n    kind: feed\n    url: nope\n    brand: Acme\n", encoding="utf-8"
    )
    result = run(tmp_path, "config", "load", str(bad), db_url=db_url)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: invalid config {bad}",
        "  - sources[0] (s1).url: url must start with http:// or https://",
    ]


@SQLITE_ONLY  # the command's output; its queries are tested on both databases
def test_mentions_export_jsonl_and_csv(tmp_path: Path, db_url: str, client: object) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    client.post("/api/v1/brands", json=BRAND)
    client.post("/api/v1/brands", json={"name": "Globex"})
    client.post("/api/v1/sources", json=SOURCE)
    client.post("/api/v1/sources", json={**SOURCE, "name": "globex-news", "brand": "Globex"})
    for i, text in enumerate(["Acme, спасибо!", 'Acme said "no", again', "-Acme, never"], start=1):
        client.post(
            "/api/v1/mentions",
            json={
                "source": "acme-news",
                "external_id": f"a{i}",
                "text": text,
                "rating": i,
                "published_at": f"2026-11-0{i}T10:00:00+03:00",
            },
        )
    client.post(
        "/api/v1/mentions", json={"source": "globex-news", "external_id": "g1", "text": "Globex"}
    )

    result = run(tmp_path, "mentions", "export", "--brand", "Acme", db_url=db_url)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "exported 3 mentions"
    # typed at a terminal: a bar, full when done, and the same rows on stdout
    drawn = run_on_terminal(tmp_path, "mentions", "export", "--brand", "Acme", db_url=db_url)
    assert drawn.returncode == 0 and drawn.stdout == result.stdout
    assert "exporting" in drawn.stderr and "━" in drawn.stderr and "3/3" in drawn.stderr
    assert "exported 3 mentions" in drawn.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["external_id"], r["text"], r["published_at"]) for r in rows] == [
        ("a3", "-Acme, never", "2026-11-03T07:00:00Z"),  # JSON lines carry the text as is
        ("a2", 'Acme said "no", again', "2026-11-02T07:00:00Z"),
        ("a1", "Acme, спасибо!", "2026-11-01T07:00:00Z"),
    ]
    assert set(rows[0]) >= {
        "id",
        "brand",
        "source",
        "external_id",
        "url",
        "author",
        "author_url",
        "title",
        "text",
        "rating",
        "lang",
        "published_at",
        "published_precision",
        "discovered_at",
        "sentiment",
        "case_id",
    }

    out = tmp_path / "all.csv"
    result = run(tmp_path, "mentions", "export", "--format", "csv", "-o", str(out), db_url=db_url)
    assert result.returncode == 0, result.stderr
    table = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert sorted(r["external_id"] for r in table) == ["a1", "a2", "a3", "g1"]
    a3 = next(r for r in table if r["external_id"] == "a3")
    assert a3["text"] == "'-Acme, never"  # Excel shows it as text, not a formula
    a2 = next(r for r in table if r["external_id"] == "a2")
    assert (a2["text"], a2["rating"], a2["brand"]) == ('Acme said "no", again', "2", "Acme")

    unknown = run(tmp_path, "mentions", "export", "--brand", "Nobody", db_url=db_url)
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "error: brand 'Nobody' not found")


@pytest.mark.timeout(120)
def test_serve_first_run_loads_the_demo_and_serves_it(tmp_path: Path) -> None:
    assert run(tmp_path, "init").returncode == 0
    created = run(tmp_path, "keys", "create", "--role", "marketer", "--name", "reports")
    token = created.stdout.strip()
    assert created.returncode == 0 and token.startswith("svf_") and len(token) > 40
    auth = {"Authorization": f"Bearer {token}"}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SVETOFOR_")}
    environment["SVETOFOR_DATA_DIR"] = str(tmp_path / "var")
    server = subprocess.Popen(
        [SVETOFOR, "serve", "--demo", "--port", str(port)],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "service did not start"
                time.sleep(0.3)
        assert health.json()["status"] == "ok"
        assert httpx.get(f"{base}/docs").status_code == 200
        assert "Отзывы о Колибри" in httpx.get(f"{base}/demo/").text
        assert httpx.get(f"{base}/api/v1/brands").status_code == 401
        brands = httpx.get(f"{base}/api/v1/brands", headers=auth).json()
        assert [b["name"] for b in brands] == ["Колибри"]
        sources = httpx.get(f"{base}/api/v1/sources", headers=auth).json()
        assert {s["name"] for s in sources} == {"demo-reviews", "demo-news"}
        # the demo's sources follow the port the service listens on, not the file's 8000
        assert {s["url"] for s in sources} == {f"{base}/demo/reviews", f"{base}/demo/feed.xml"}
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "empty database: loaded the demo" in output
    assert f"dashboard {base}/dashboard/" in output
    assert "Sign in with an API key: svetofor keys create --role smm" in output


def test_keys_list_and_revoke(tmp_path: Path) -> None:
    run(tmp_path, "init")
    token = run(tmp_path, "keys", "create", "--role", "smm", "--name", "desk").stdout.strip()
    [line] = run(tmp_path, "keys", "list").stdout.splitlines()
    key_id, prefix, role, state, name = line.split("\t")
    assert (prefix, role, state, name) == (token[:10] + "…", "smm", "active", "desk")
    assert token not in line
    assert run(tmp_path, "keys", "revoke", key_id).stdout.strip() == f"key {key_id} revoked"
    assert "\trevoked " in run(tmp_path, "keys", "list").stdout
    missing = run(tmp_path, "keys", "revoke", "999")
    assert (missing.returncode, missing.stderr.strip()) == (1, "error: key 999 not found")
    past_64_bits = run(tmp_path, "keys", "revoke", str(2**63))
    assert past_64_bits.returncode == 2 and "Traceback" not in past_64_bits.stderr
    said = " ".join(re.sub(r"[│╭╮╰╯─]", " ", past_64_bits.stderr).split())  # unbox rich's panel
    assert (
        "Invalid value for 'key_id': Input should be less than or equal to 9223372036854775807"
        in said
    )
    bad_role = run(tmp_path, "keys", "create", "--role", "root")
    assert bad_role.returncode == 2


@SQLITE_ONLY  # the command's output; its queries are tested on both databases
def test_cases_list_and_check(tmp_path: Path, db_url: str, engine: object) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session

    from desk.alerts.policy import AlertPolicy
    from desk.triage import triage
    from services.mention_store import MentionData, upsert_mention
    from tests.utils.factories import make_brand, make_source

    published = datetime.now(UTC) - timedelta(hours=23)
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        mention, _ = upsert_mention(
            session,
            source,
            MentionData(external_id="x", text="Ужасно", published_at=published),
            now=published,
        )
        mention.sentiment_label = "negative"
        triage(session, mention, AlertPolicy(), now=published)
        session.commit()
    [line] = run(tmp_path, "cases", "list", db_url=db_url).stdout.splitlines()
    case_id, brand, state, due, sla, priority = line.split("\t")
    assert (case_id, brand, state, sla, priority) == ("#1", "Acme", "new", "on_track", "normal")
    assert due == (published + timedelta(hours=24)).isoformat()
    assert run(tmp_path, "cases", "check", db_url=db_url).stdout.strip() == (
        "0 mentions triaged, 0 owner replies noticed, 1 SLA changes, 1 alerts sent"
    )  # one hour left: at risk, recorded in the dashboard's alert log (no channel is set)
    assert run(tmp_path, "cases", "list", "--sla", "at_risk", db_url=db_url).stdout.startswith(
        "#1\tAcme\tnew"
    )
    # a negative labelled by a worker that died before triage: cron triages it
    with Session(engine) as session:
        late, _ = upsert_mention(
            session,
            session.merge(source),
            MentionData(external_id="y", text="Ужасно", author="Олег", published_at=published),
            now=published,
        )
        late.sentiment_label = "negative"
        session.commit()
    assert run(tmp_path, "cases", "check", db_url=db_url).stdout.startswith("1 mentions triaged")
    assert len(run(tmp_path, "cases", "list", db_url=db_url).stdout.splitlines()) == 2
    unknown = run(tmp_path, "cases", "list", "--brand", "Nope", db_url=db_url)
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "error: brand 'Nope' not found")


def test_corrections_export_gives_a_training_csv(
    tmp_path: Path, db_url: str, client: object
) -> None:
    from fastapi.testclient import TestClient

    from training.data import read_labelled_csv

    assert isinstance(client, TestClient)
    client.post("/api/v1/brands", json=BRAND)
    client.post("/api/v1/sources", json=SOURCE)
    ids = []
    texts = ["Acme, ну спасибо за два часа ожидания", "Acme ok", '=HYPERLINK("http://x","Acme")']
    for i, text in enumerate(texts, start=1):
        ids.append(
            client.post(
                "/api/v1/mentions",
                json={"source": "acme-news", "external_id": f"c{i}", "text": text},
            ).json()["id"]
        )
    client.put(f"/api/v1/mentions/{ids[0]}/label", json={"label": "negative", "note": "сарказм"})
    client.put(f"/api/v1/mentions/{ids[1]}/label", json={"label": "neutral"})
    client.put(f"/api/v1/mentions/{ids[2]}/label", json={"label": "negative"})

    out = tmp_path / "corrections.csv"
    args = ("corrections", "export", "--brand", "Acme", "-o", str(out))
    result = run(tmp_path, *args, db_url=db_url)
    assert result.returncode == 0, result.stderr
    # a spreadsheet opening the file sees text, not a formula to run
    cells = [row["text"] for row in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))]
    assert cells[2] == """'=HYPERLINK("http://x","Acme")"""
    examples = read_labelled_csv(out)  # what `svetofor train` and `svetofor eval` read
    assert [(e.text, e.label) for e in examples] == [
        ("Acme, ну спасибо за два часа ожидания", "negative"),
        ("Acme ok", "neutral"),
        ('=HYPERLINK("http://x","Acme")', "negative"),  # the text as it was
    ]
    lines = run(tmp_path, "corrections", "export", "--format", "jsonl", db_url=db_url).stdout
    assert [json.loads(line)["note"] for line in lines.splitlines()] == ["сарказм", None, None]
    assert json.loads(lines.splitlines()[2])["text"] == '=HYPERLINK("http://x","Acme")'  # as is
    missing = run(tmp_path, "corrections", "export", "--brand", "Nope", db_url=db_url)
    assert missing.returncode == 1 and missing.stderr.strip() == "error: brand 'Nope' not found"
    assert missing.stdout == ""  # no header before the error: the file is not half a CSV
