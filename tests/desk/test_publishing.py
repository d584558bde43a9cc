"""Replies posted where the customer wrote, through local fakes built from the platforms'
documented request and answer shapes (no real exchange with these APIs is public): Google
Play's reviews.reply behind a service account's signed token request, VK's
wall.createComment; refusals shown in the platform's words, never marked posted."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from desk.alerts.policy import AlertPolicy
from desk.triage import triage
from models import Case, CaseState, Reply, ReplyStatus
from services.mention_store import MentionData, upsert_mention
from tests.utils.factories import make_brand, make_source
from tests.utils.receiver import reply, serve_handler

APP = "com.acme.delivery"
PUBLISHED = datetime.now(UTC) - timedelta(hours=2)


class Platform:
    """One local server for the token endpoint, Google Play and VK: it records every call and
    answers with what the test queued (else success in the documented shape)."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.calls: list[tuple[str, dict[str, str], Any]] = []
        self.queued: list[tuple[int, Any]] = []
        self.url = ""

    def service_account(self) -> dict[str, str]:
        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return {
            "type": "service_account",
            "client_email": "svetofor@acme.iam.gserviceaccount.com",
            "private_key": pem,
            "token_uri": self.url + "/token",
        }

    def check_assertion(self, assertion: str) -> dict[str, Any]:
        """What Google's token endpoint checks: an RS256 signature by the account's key."""
        head, claims, signature = assertion.split(".")
        pad = lambda part: base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))  # noqa: E731
        self.key.public_key().verify(
            pad(signature), f"{head}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return json.loads(pad(claims))


@pytest.fixture
def platform() -> Iterator[Platform]:
    state = Platform()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body: Any = json.loads(raw) if raw.startswith(b"{") else parse_qs(raw.decode())
            state.calls.append((self.path, dict(self.headers), body))
            if self.path == "/token":
                claims = state.check_assertion(body["assertion"][0])
                status, answer = 200, {"access_token": f"ya29.{claims['iss']}", "expires_in": 3599}
            elif state.queued:
                status, answer = state.queued.pop(0)
            elif self.path.endswith(":reply"):
                status, answer = (
                    200,
                    {
                        "result": {
                            "replyText": body["replyText"],
                            "lastEdited": {"seconds": "1764661200"},
                        }
                    },
                )
            else:
                status, answer = 200, {"response": {"comment_id": 777}}
            if isinstance(answer, bytes):  # what a proxy in front of the platform sends
                reply(self, status, answer, content_type="text/html")
            else:
                reply(self, status, json.dumps(answer).encode())

        def do_PUT(self) -> None:  # Google Business Profile's updateReply
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.calls.append((self.path, dict(self.headers), json.loads(raw)))
            status, answer = (
                state.queued.pop(0)
                if state.queued
                else (200, {**json.loads(raw), "updateTime": "2026-12-02T07:00:00Z"})
            )
            data = json.dumps(answer).encode()
            reply(self, status, data)

        def log_message(self, *args: object) -> None:
            pass

    with serve_handler(Handler) as url:
        state.url = url
        yield state


def open_case(
    engine: Engine, kind: str, options: dict[str, Any], external_id: str, raw: dict[str, Any]
) -> int:
    with Session(engine) as session:
        source = make_source(session, make_brand(session), kind=kind, options=options)
        mention, _ = upsert_mention(
            session,
            source,
            MentionData(
                external_id=external_id,
                text="Курьер опоздал на два часа",
                rating=1,
                published_at=PUBLISHED,
                url=f"https://play.google.com/store/apps/details?id={APP}&reviewId={external_id}",
                raw=raw,
            ),
        )
        mention.sentiment_label, mention.sentiment_score = "negative", 0.96
        case = triage(session, mention, AlertPolicy())
        assert case is not None and case.id is not None
        session.commit()
        return case.id


def draft(client: TestClient, case_id: int, stage: str, text: str) -> int:
    body: dict[str, Any] = {"stage": stage, "text": text}
    if stage == "acknowledgement":
        body["promised_at"] = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    answer = client.post(f"/api/v1/cases/{case_id}/replies", json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_google_play_acknowledgement_then_resolution_edit_the_one_developer_reply(
    client: TestClient, engine: Engine, platform: Platform
) -> None:
    options = {
        "app_id": APP,
        "service_account": platform.service_account(),
        "reply_api_base": platform.url,
    }
    case_id = open_case(engine, "google_play", options, "gp-review-1", {})
    first = draft(client, case_id, "acknowledgement", "Анна, простите! Разберёмся к пятнице.")
    published = client.post(f"/api/v1/cases/{case_id}/replies/{first}/publish")
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "posted"
    assert published.json()["platform_reply_id"] == "gp-review-1"
    token_call, reply_call = platform.calls
    assert token_call[0] == "/token"
    assert reply_call[0] == f"/androidpublisher/v3/applications/{APP}/reviews/gp-review-1:reply"
    assert reply_call[1]["Authorization"] == "Bearer ya29.svetofor@acme.iam.gserviceaccount.com"
    assert reply_call[2] == {"replyText": "Анна, простите! Разберёмся к пятнице."}
    assert client.get(f"/api/v1/cases/{case_id}").json()["case"]["state"] == "acknowledged"

    second = draft(client, case_id, "resolution", "Исправили: курьеры теперь видят пробки.")
    assert client.post(f"/api/v1/cases/{case_id}/replies/{second}/publish").status_code == 200
    # Google keeps one developer reply per review: the resolution replaces the first there
    assert platform.calls[-1][0] == reply_call[0]
    assert platform.calls[-1][2] == {"replyText": "Исправили: курьеры теперь видят пробки."}
    assert client.get(f"/api/v1/cases/{case_id}").json()["case"]["state"] == "resolved"


def test_refusals_are_shown_in_the_platforms_words_and_never_mark_posted(
    client: TestClient, engine: Engine, platform: Platform
) -> None:
    options = {"app_id": APP, "access_token": "ya29.static", "reply_api_base": platform.url}
    case_id = open_case(engine, "google_play", options, "gp-review-2", {})
    too_long = draft(client, case_id, "acknowledgement", "Простите! " * 40)
    refused = client.post(f"/api/v1/cases/{case_id}/replies/{too_long}/publish")
    assert refused.status_code == 422
    assert "Google Play allows 350 characters in a reply; this one has 400" in refused.text
    assert platform.calls == []  # checked before anything was sent

    reply_id = too_long
    edited = client.patch(
        f"/api/v1/cases/{case_id}/replies/{reply_id}", json={"text": "Простите! Разберёмся."}
    )
    assert edited.status_code == 200, edited.text
    platform.queued = [
        (
            403,
            {
                "error": {
                    "code": 403,
                    "message": "The caller does not have permission",
                    "status": "PERMISSION_DENIED",
                }
            },
        )
    ]
    forbidden = client.post(f"/api/v1/cases/{case_id}/replies/{reply_id}/publish")
    assert forbidden.status_code == 502
    assert (
        forbidden.json()["detail"]
        == "Google Play answered 403: The caller does not have permission"
    )
    with Session(engine) as session:
        reply = session.get(Reply, reply_id)
        case = session.get(Case, case_id)
        assert reply is not None and case is not None
        assert reply.status is not ReplyStatus.posted
        assert (
            reply.publish_error == "Google Play answered 403: The caller does not have permission"
        )
        assert case.state is CaseState.new and case.first_replied_at is None

    platform.queued = [(503, {"error": {"code": 503, "message": "Backend Error"}})]  # retried
    done = client.post(f"/api/v1/cases/{case_id}/replies/{reply_id}/publish")
    assert done.status_code == 200 and done.json()["publish_error"] is None
    assert len(platform.calls) == 3  # 403, 503, then the one that went out


def test_vk_comment_as_the_community_under_the_customers_comment(
    client: TestClient, engine: Engine, platform: Platform
) -> None:
    options = {
        "owner_id": -42,
        "reply_token": "vk1.a.community",
        "api_base": platform.url + "/method",
    }
    raw = {"owner_id": -42, "post_id": 100, "reply_to_comment": None}
    case_id = open_case(engine, "vk", options, "wall-42_100_r555", raw)
    reply_id = draft(client, case_id, "acknowledgement", "Анна, извините, уже разбираемся.")
    posted = client.post(f"/api/v1/cases/{case_id}/replies/{reply_id}/publish").json()
    assert posted["posted_url"] == "https://vk.com/wall-42_100?reply=777"
    [(path, _, form)] = platform.calls
    assert path == "/method/wall.createComment"
    assert (form["owner_id"], form["post_id"], form["reply_to_comment"], form["from_group"]) == (
        ["-42"],
        ["100"],
        ["555"],
        ["42"],
    )
    assert form["access_token"] == ["vk1.a.community"]

    platform.queued = [
        (
            200,
            {
                "error": {
                    "error_code": 15,
                    "error_msg": "Access denied: no access to call this method",
                }
            },
        )
    ]
    second = draft(client, case_id, "resolution", "Исправили.")
    denied = client.post(f"/api/v1/cases/{case_id}/replies/{second}/publish")
    assert denied.status_code == 502
    assert denied.json()["detail"] == "VK error 15: Access denied: no access to call this method"


def test_a_proxys_html_page_is_retried_not_a_crash(
    client: TestClient, engine: Engine, platform: Platform
) -> None:
    options = {"app_id": APP, "access_token": "ya29.static", "reply_api_base": platform.url}
    case_id = open_case(engine, "google_play", options, "gp-review-3", {})
    first = draft(client, case_id, "acknowledgement", "Простите! Разберёмся.")
    platform.queued = [(502, b"<html><body>502 Bad Gateway</body></html>")]  # then success
    posted = client.post(f"/api/v1/cases/{case_id}/replies/{first}/publish")
    assert posted.status_code == 200, posted.text  # a 502 is retried
    assert len(platform.calls) == 2


def test_a_vk_answer_without_a_comment_is_not_retried(
    client: TestClient, engine: Engine, platform: Platform
) -> None:
    vk = {"owner_id": -42, "reply_token": "vk1.a.community", "api_base": platform.url + "/m"}
    raw = {"owner_id": -42, "post_id": 100, "reply_to_comment": None}
    vk_case = open_case(engine, "vk", vk, "wall-42_100_r556", raw)
    second = draft(client, vk_case, "acknowledgement", "Анна, извините, уже разбираемся.")
    platform.queued = [(200, b"<html>maintenance</html>")]
    refused = client.post(f"/api/v1/cases/{vk_case}/replies/{second}/publish")
    assert refused.status_code == 502
    assert refused.json()["detail"] == (
        "VK answered without a comment id: <html>maintenance</html>"
    )
    assert len(platform.calls) == 1  # not retried: the comment may be up already
    with Session(engine) as session:
        case = session.get(Case, vk_case)
        assert case is not None and case.state is CaseState.new


def test_a_source_without_a_reply_api_keeps_the_manual_flow(
    client: TestClient, engine: Engine
) -> None:
    case_id = open_case(engine, "feed", {}, "news-1", {})
    reply_id = draft(client, case_id, "acknowledgement", "Простите!")
    answer = client.post(f"/api/v1/cases/{case_id}/replies/{reply_id}/publish")
    assert answer.status_code == 409
    assert "has no reply API set up here: post the reply on the platform by hand" in answer.text


def test_the_case_page_posts_on_the_platform_and_shows_a_refusal(
    client: TestClient, engine: Engine, platform: Platform
) -> None:
    from tests.utils.dashboard import csrf_of, signed_in

    options = {"app_id": APP, "access_token": "ya29.static", "reply_api_base": platform.url}
    case_id = open_case(engine, "google_play", options, "gp-review-3", {})
    reply_id = draft(client, case_id, "acknowledgement", "Простите! Разберёмся.")
    browser = signed_in(client, engine)
    page = browser.get(f"/dashboard/cases/{case_id}").text
    assert "Опубликовать в Google Play" in page
    platform.queued = [
        (
            401,
            {"error": {"code": 401, "message": "Request had invalid authentication credentials."}},
        )
    ]
    action = f"/dashboard/cases/{case_id}/replies/{reply_id}/publish"
    refused = browser.post(action, data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    assert (
        "Google Play answered 401: Request had invalid authentication credentials." in refused.text
    )
    posted = browser.post(action, data={"csrf_token": csrf_of(refused.text)}, follow_redirects=True)
    assert posted.status_code == 200
    with Session(engine) as session:
        reply = session.get(Reply, reply_id)
        assert reply is not None and reply.status is ReplyStatus.posted
        assert reply.publish_error is None


def test_google_maps_owner_reply_through_business_profile(
    client: TestClient, engine: Engine, platform: Platform
) -> None:
    options = {
        "place_id": "0x1:0x2",
        "gbp_account": "111",
        "gbp_location": "222",
        "access_token": "ya29.gbp",
        "reply_api_base": platform.url,
    }
    case_id = open_case(engine, "google_maps", options, "ChdDSUhNMG9nS0VJQ0FnSUQ", {})
    first = draft(client, case_id, "acknowledgement", "Спасибо, что написали! Разберёмся.")
    assert client.post(f"/api/v1/cases/{case_id}/replies/{first}/publish").status_code == 200
    path, headers, body = platform.calls[-1]
    assert path == "/v4/accounts/111/locations/222/reviews/ChdDSUhNMG9nS0VJQ0FnSUQ/reply"
    assert headers["Authorization"] == "Bearer ya29.gbp" and body == {
        "comment": "Спасибо, что написали! Разберёмся."
    }
    platform.queued = [
        (
            404,
            {
                "error": {
                    "code": 404,
                    "message": "Requested entity was not found.",
                    "status": "NOT_FOUND",
                }
            },
        )
    ]
    second = draft(client, case_id, "resolution", "Исправили.")
    missing = client.post(f"/api/v1/cases/{case_id}/replies/{second}/publish")
    assert missing.status_code == 502
    assert (
        missing.json()["detail"]
        == "Google Business Profile answered 404: Requested entity was not found."
    )
    assert client.post(f"/api/v1/cases/{case_id}/replies/{second}/publish").status_code == 200
    assert platform.calls[-1][0] == path  # the one owner reply, edited
