"""`svetofor worker`, `svetofor beat` and `svetofor status` as an operator meets them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.utils.cli import run


def test_worker_and_beat_need_a_broker(tmp_path: Path) -> None:
    for command in (["worker"], ["beat"]):
        done = run(tmp_path, *command)
        assert done.returncode == 2
        assert "error: SVETOFOR_BROKER_URL is not set" in done.stderr
        assert "`svetofor serve` runs the background work itself" in done.stderr


def test_worker_names_an_unknown_queue(tmp_path: Path) -> None:
    done = run(tmp_path, "worker", "--queues", "crawl,emails")
    assert done.returncode == 2
    assert "unknown queue(s) emails: use crawl,classify,desk,alerts" in done.stderr


def test_a_worker_refuses_a_database_behind_its_schema(tmp_path: Path) -> None:
    done = run(tmp_path, "worker", SVETOFOR_BROKER_URL="redis://127.0.0.1:9/0")
    assert done.returncode == 1
    assert "the database schema is not up to date: run `svetofor init` first" in done.stderr


def test_status_without_a_broker_shows_the_database_backlogs(tmp_path: Path) -> None:
    assert run(tmp_path, "init").returncode == 0
    done = run(tmp_path, "status")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "mode: embedded",
        "mentions waiting for a label: 0 (oldest stored none; 0 being labelled, 0 set aside)",
        "alerts waiting to go out: 0 (oldest queued none; 0 given up)",
        "crawls running: 0",
    ]
    as_json = json.loads(run(tmp_path, "status", "--json").stdout)
    assert as_json["mode"] == "embedded"
    assert as_json["database"]["mentions_unlabelled"] == 0


def test_status_says_when_the_broker_does_not_answer(tmp_path: Path) -> None:
    assert run(tmp_path, "init").returncode == 0
    nobody = {"SVETOFOR_BROKER_URL": "redis://127.0.0.1:9/0"}  # the discard port: refused
    done = run(tmp_path, "status", **nobody)
    assert done.returncode == 1  # monitoring reads the exit status: the work cannot move
    assert "Traceback" not in done.stderr
    assert done.stdout.splitlines()[0] == "mode: distributed"
    last = done.stdout.splitlines()[-1]
    assert last.startswith("broker: redis://127.0.0.1:9/0 UNREACHABLE: Error 111 connecting")
    as_json = run(tmp_path, "status", "--json", **nobody)
    assert as_json.returncode == 1
    found = json.loads(as_json.stdout)
    assert found["broker"] == "redis://127.0.0.1:9/0"
    assert "Connection refused" in found["broker_error"]
    assert found["database"]["alerts_pending"] == 0
