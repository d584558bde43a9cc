"""The `app_store` source: Apple's public reviews feed per country (real recorded answers,
served by a local fake), and App Store Connect's customerReviews with the team's responses
for an owned app (a local fake of the documented shapes that checks the ES256 token); and
answering a review there through customerReviewResponses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.signing import b64url_decode
from crawlers.parsing.app_store_connect import parse_customer_reviews
from crawlers.parsing.fields import to_rating
from desk.alerts.policy import AlertPolicy
from desk.triage import triage
from models import Mention, Source
from tests.crawlers.paths import REALPAGES, needs_realpages
from tests.utils.backends import SQLITE_ONLY
from tests.utils.crawl import crawl
from tests.utils.factories import make_brand, make_source
from tests.utils.receiver import reply, serve_handler

APP = "1510826067"


class Apple:
    """The feed (GET /{cc}/rss/…) and App Store Connect (GET customerReviews, POST
    customerReviewResponses); Connect calls must carry a valid ES256 token."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.calls: list[tuple[str, str, Any]] = []
        self.refuse: tuple[int, Any] | None = None
        self.url = ""

    def pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def token_ok(self, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        head, claims, signature = header.removeprefix("Bearer ").split(".")
        raw = b64url_decode(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        self.key.public_key().verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        decoded = json.loads(b64url_decode(claims))
        return decoded["aud"] == "appstoreconnect-v1" and decoded["iss"] == "issuer-1"

    def reviews(self, page: int) -> dict[str, Any]:
        if page == 2:
            return {"data": [], "links": {"self": "…"}}
        return {
            "data": [
                {
                    "type": "customerReviews",
                    "id": "r-1",
                    "attributes": {
                        "rating": 1,
                        "title": "Crashes",
                        "body": "Crashes on start since the update",
                        "reviewerNickname": "kate",
                        "createdDate": "2026-11-30T10:00:00-08:00",
                        "territory": "USA",
                    },
                    "relationships": {
                        "response": {"data": {"type": "customerReviewResponses", "id": "resp-1"}}
                    },
                },
                {
                    "type": "customerReviews",
                    "id": "r-2",
                    "attributes": {
                        "rating": 5,
                        "title": "Great",
                        "body": "Love it",
                        "reviewerNickname": "li",
                        "createdDate": "2026-11-29T09:00:00Z",
                        "territory": "GBR",
                    },
                    "relationships": {"response": {"data": None}},
                },
            ],
            "included": [
                {
                    "type": "customerReviewResponses",
                    "id": "resp-1",
                    "attributes": {
                        "responseBody": "Sorry! Fixed in 2.1.",
                        "lastModifiedDate": "2026-11-30T20:00:00Z",
                        "state": "PUBLISHED",
                    },
                }
            ],
            "links": {"self": "…", "next": f"{self.url}/v1/apps/{APP}/customerReviews?cursor=2"},
        }


@pytest.fixture
def apple() -> Iterator[Apple]:
    state = Apple()

    class Handler(BaseHTTPRequestHandler):
        def answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            reply(self, status, data)

        def do_GET(self) -> None:
            state.calls.append(("GET", self.path, None))
            if "/rss/customerreviews/" in self.path:
                page = self.path.split("page=")[1].split("/")[0]
                path = REALPAGES / "apple_rss" / f"customerreviews_{APP}_gb_{page}.json"
                body = json.loads(path.read_text()) if path.exists() else {"feed": {}}
                self.answer(200, body)
            elif "/customerReviews" in self.path:
                if not state.token_ok(self.headers.get("Authorization")):
                    self.answer(401, {"errors": [{"status": "401", "code": "NOT_AUTHORIZED"}]})
                    return
                self.answer(200, state.reviews(2 if "cursor=2" in self.path else 1))
            else:
                self.answer(404, {})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.calls.append(("POST", self.path, body))
            if not state.token_ok(self.headers.get("Authorization")):
                self.answer(401, {"errors": [{"status": "401", "code": "NOT_AUTHORIZED"}]})
            elif state.refuse is not None:
                self.answer(*state.refuse)
            else:
                self.answer(
                    201,
                    {
                        "data": {
                            "type": "customerReviewResponses",
                            "id": "resp-9",
                            "attributes": body["data"]["attributes"],
                        }
                    },
                )

        def log_message(self, *args: object) -> None:
            pass

    with serve_handler(Handler) as url:
        state.url = url
        yield state


def add(engine: Engine, name: str, **options: Any) -> None:
    with Session(engine) as session:
        make_source(
            session,
            make_brand(session),
            name,
            kind="app_store",
            url=f"https://apps.apple.com/gb/app/x/id{APP}",
            options={"app_id": APP, **options},
        )
        session.commit()


def test_a_review_of_another_shape_is_one_problem_and_the_others_are_kept() -> None:
    apple = Apple()
    apple.url = "http://connect.example"
    answer = apple.reviews(1)
    answer["data"][0]["attributes"]["body"] = {"text": "Crashes"}  # a field changed type
    answer["data"].insert(0, "not a review")
    answer["errors"] = []
    page = parse_customer_reviews(json.dumps(answer), app_id=APP)
    assert [i.external_id for i in page.items] == ["r-2"]
    assert [(p.reason, p.detail) for p in page.problems] == [
        ("no_id", "{}"),  # not a record at all
        ("no_text", "r-1"),  # an object where the text was: not made into text
    ]
    assert parse_customer_reviews(json.dumps({"errors": {"x": 1}}), app_id=APP).items == []


def test_a_rating_past_any_scale_is_no_rating() -> None:
    assert to_rating("9" * 400) is None and to_rating(float("nan")) is None
    assert to_rating("4,5") == 5


@needs_realpages
@SQLITE_ONLY
def test_the_public_feed_per_country(
    tmp_path: Path, db_url: str, engine: Engine, apple: Apple
) -> None:
    add(engine, "ios-gb", country="gb", feed_base=apple.url)
    result = crawl(tmp_path, db_url, "ios-gb")
    # page 2 is past the end (no entry); the 2021 feed carries no times: discovery times
    assert result.stdout.startswith("ios-gb: ok — 4 new"), result.stdout + result.stderr
    assert "4 without a date" in result.stdout
    assert [path for _, path, _ in apple.calls if "rss" in path][:2] == [
        f"/gb/rss/customerreviews/page=1/id={APP}/sortby=mostrecent/json",
        f"/gb/rss/customerreviews/page=2/id={APP}/sortby=mostrecent/json",
    ]


@SQLITE_ONLY
def test_app_store_connect_reviews_with_the_teams_responses(
    tmp_path: Path, db_url: str, engine: Engine, apple: Apple
) -> None:
    add(
        engine,
        "ios-connect",
        issuer_id="issuer-1",
        key_id="KEY123",
        private_key=apple.pem(),
        connect_api_base=apple.url,
    )
    result = crawl(tmp_path, db_url, "ios-connect")
    assert result.stdout.startswith("ios-connect: ok — 2 new"), result.stdout + result.stderr
    assert "(2 pages)" in result.stdout  # followed links.next
    with Session(engine) as session:
        stored = {m.external_id: m for m in session.exec(select(Mention))}
    crash = stored["r-1"]
    assert (crash.rating, crash.author, crash.title) == (1, "kate", "Crashes")
    assert crash.published_at == datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    assert crash.business_reply == "Sorry! Fixed in 2.1."
    assert crash.raw["reply_at"] == "2026-11-30T20:00:00Z"
    assert stored["r-2"].business_reply is None
    again = crawl(tmp_path, db_url, "ios-connect")
    assert again.stdout.startswith("ios-connect: ok — 0 new, 0 updated, 2 unchanged"), again.stdout


def test_answering_a_review_through_app_store_connect(
    client: TestClient, engine: Engine, apple: Apple
) -> None:
    with Session(engine) as session:
        source = make_source(
            session,
            make_brand(session),
            "ios",
            kind="app_store",
            url="https://apps.apple.com/app/id1",
            options={
                "app_id": "1",
                "issuer_id": "issuer-1",
                "key_id": "KEY123",
                "private_key": apple.pem(),
                "connect_api_base": apple.url,
            },
        )
        from services.mention_store import MentionData, upsert_mention

        mention, _ = upsert_mention(
            session,
            source,
            MentionData(
                external_id="r-7",
                text="Crashes",
                rating=1,
                published_at=datetime.now(UTC) - timedelta(hours=1),
            ),
        )
        mention.sentiment_label = "negative"
        case = triage(session, mention, AlertPolicy())
        assert case is not None
        session.commit()
        case_id = case.id
        assert session.get(Source, source.id).options["private_key"].startswith("-----BEGIN")
    reply = client.post(
        f"/api/v1/cases/{case_id}/replies",
        json={
            "stage": "acknowledgement",
            "text": "Sorry — a fix ships Friday.",
            "promised_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        },
    ).json()
    apple.refuse = (
        409,
        {
            "errors": [
                {"status": "409", "code": "STATE_ERROR", "detail": "The review has been removed."}
            ]
        },
    )
    refused = client.post(f"/api/v1/cases/{case_id}/replies/{reply['id']}/publish")
    assert refused.status_code == 502
    assert (
        refused.json()["detail"] == "App Store Connect answered 409: The review has been removed."
    )
    apple.refuse = None
    posted = client.post(f"/api/v1/cases/{case_id}/replies/{reply['id']}/publish")
    assert posted.status_code == 200 and posted.json()["platform_reply_id"] == "resp-9"
    method, path, body = apple.calls[-1]
    assert (method, path) == ("POST", "/v1/customerReviewResponses")
    assert body["data"]["relationships"]["review"]["data"] == {
        "type": "customerReviews",
        "id": "r-7",
    }
    assert "BEGIN" not in client.get("/api/v1/sources").text  # the key is never shown back
