"""Google Play reviews from the Play Store's batchexecute RPC: the parser on real recorded
answers, and the spider paging through a local fake that speaks the same envelope."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from crawlers.parsing.google_play import parse_play_reviews
from models import Mention
from tests.crawlers.paths import REALPAGES, needs_realpages
from tests.utils.backends import SQLITE_ONLY
from tests.utils.crawl import crawl
from tests.utils.factories import make_brand, make_source
from tests.utils.receiver import reply, serve_handler

PLAY = REALPAGES / "google_play"
APP = "com.google.android.apps.translate"
EMPTY = ")]}'\n\n" + json.dumps([["wrb.fr", "UsvDTd", "[[],null,[null,null]]", None, "generic"]])


def answer(page: int) -> str:
    return (PLAY / f"batchexecute_UsvDTd_reviews_translate_page{page}.txt").read_text()


@needs_realpages
def test_a_recorded_page_of_reviews_with_developer_replies() -> None:
    page = parse_play_reviews(answer(1), app_id=APP, lang="en")
    assert len(page.items) == 150 and page.problems == []
    assert page.cursor is not None and page.cursor.startswith("CtgBIs8BAU60US")
    first = page.items[0]
    assert first.external_id == "017452fc-0d4b-471d-b406-bcf0f52387a7"
    assert (first.author, first.rating, first.text) == ("Formann Ali", 5, "niec")
    assert first.published_at == datetime.fromtimestamp(1783346124.077, UTC)
    assert (
        first.url
        == f"https://play.google.com/store/apps/details?id={APP}&reviewId={first.external_id}"
    )
    replied = [item for item in page.items if item.business_reply]
    assert len(replied) == 42
    baran = next(item for item in replied if item.author == "Baran Akbar")
    assert baran.rating == 1
    assert baran.business_reply is not None and baran.business_reply.startswith("Hi Baran.")
    assert baran.raw["replied_by"] == "Google LLC"
    assert baran.raw["reply_at"] == datetime.fromtimestamp(1783387213.174, UTC).isoformat()
    assert baran.raw["app_version"] == "10.24.48.939568180.6-release"


def test_a_review_time_no_datetime_has_keeps_the_review_without_a_date() -> None:
    def review(review_id: str, seconds: int) -> list:
        return [review_id, ["Анна"], 1, None, "Колибри опоздал", [seconds, 0]]

    data = [[review("ok", 1765180800), review("corrupt", 10**20)], None, [None, None]]
    body = ")]}'\n\n" + json.dumps([["wrb.fr", "UsvDTd", json.dumps(data), None, "generic"]])
    page = parse_play_reviews(body, app_id="com.example")
    assert [(i.external_id, i.published_at is None) for i in page.items] == [
        ("ok", False),
        ("corrupt", True),
    ]


def test_an_error_envelope_is_a_counted_problem() -> None:
    error = ")]}'\n\n" + json.dumps([["wrb.fr", "UsvDTd", None, None, None, [3], "generic"]])
    page = parse_play_reviews(error, app_id=APP)
    assert page.items == [] and [p.reason for p in page.problems] == ["bad_json"]
    assert "carries no data" in page.problems[0].detail


class PlayFake:
    """The Play Store's batchexecute endpoint: page 1, then page 2 for page 1's token, then
    an empty page; it records the form each call carried."""

    def __init__(self) -> None:
        self.calls: list[dict[str, list[str]]] = []
        first = parse_play_reviews(answer(1), app_id=APP).cursor
        second = parse_play_reviews(answer(2), app_id=APP).cursor
        self.pages = {None: answer(1), first: answer(2), second: EMPTY}


@pytest.fixture
def play() -> Iterator[tuple[PlayFake, str]]:
    fake = PlayFake()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            fake.calls.append({"path": [self.path], **form})
            call = json.loads(form["f.req"][0])[0][0]
            arguments = json.loads(call[1])
            body = fake.pages.get(arguments[2][2][2], EMPTY).encode()
            reply(self, 200, body, "application/json; charset=utf-8")

        def do_GET(self) -> None:  # robots.txt
            reply(self, 404)

        def log_message(self, *args: object) -> None:
            pass

    with serve_handler(Handler) as url:
        yield fake, url


@needs_realpages
@SQLITE_ONLY
def test_the_spider_pages_with_the_token_newest_first(
    tmp_path: Path, db_url: str, engine: Engine, play: tuple[PlayFake, str]
) -> None:
    fake, base = play
    with Session(engine) as session:
        make_source(
            session,
            make_brand(session, "Translate"),
            "play",
            kind="google_play",
            url=f"{base}/store/apps/details?id={APP}",
            options={"lang": "en", "country": "us"},
        )
        session.commit()
    result = crawl(tmp_path, db_url, "play")
    assert result.stdout.startswith("play: ok — 300 new"), result.stdout + result.stderr
    assert "(3 pages)" in result.stdout
    first_call = fake.calls[0]
    assert first_call["path"] == ["/_/PlayStoreUi/data/batchexecute?rpcids=UsvDTd&hl=en&gl=us"]
    arguments = json.loads(json.loads(first_call["f.req"][0])[0][0][1])
    assert arguments[2][:2] == [2, 2] and arguments[3] == [APP, 7]  # newest first, this app
    with Session(engine) as session:
        stored = session.exec(select(Mention)).all()
        assert len(stored) == 300
        assert sum(m.business_reply is not None for m in stored) >= 42
    again = crawl(tmp_path, db_url, "play")
    assert again.stdout.startswith("play: ok — 0 new, 0 updated, 150 unchanged"), again.stdout
