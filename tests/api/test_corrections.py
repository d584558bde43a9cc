"""Label corrections through the API: the person's label wins everywhere, the model's stays
beside it, the desk acts on it, and the corrections come back as a training file."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.db import session_scope
from desk.alerts.policy import AlertPolicy
from desk.triage import triage
from models import Mention, Role
from services.catalog import source_by_name
from services.label_store import store_verdict
from services.mention_store import MentionData, upsert_mention
from tests.utils.keys import make_key

NOW = datetime.now(UTC).replace(microsecond=0)
MODEL = "bundled@test"


def verdict(label: str, score: float) -> SimpleNamespace:
    """What the labelling worker stores (`classifier.Verdict`'s shape)."""
    probs = {"negative": 0.0, "neutral": 0.0, "positive": 0.0, label: score}
    return SimpleNamespace(
        label=label,
        score=score,
        disagreement=None,
        text=SimpleNamespace(probs=probs, uncertain=score < 0.6),
    )


@pytest.fixture
def stored(client: TestClient, engine: Engine) -> dict[str, int]:
    """Two mentions labelled by the model: a (sarcastic) one it called positive, and a
    negative one with its case."""
    client.post("/api/v1/brands", json={"name": "Acme"})
    client.post(
        "/api/v1/sources",
        json={"name": "acme-reviews", "kind": "html", "url": "https://r.example/", "brand": "Acme"},
    )
    ids: dict[str, int] = {}
    with session_scope(engine) as session:
        source = source_by_name(session, "acme-reviews")
        for name, text, label, score in (
            ("sarcasm", "Ну спасибо, два часа ждал курьера. Просто восторг.", "positive", 0.98),
            ("angry", "Курьер опоздал, заказ холодный", "negative", 0.8),
        ):
            mention, _ = upsert_mention(
                session,
                source,
                MentionData(
                    external_id=name,
                    text=text,
                    author=name,
                    lang="ru",
                    published_at=NOW - timedelta(hours=2),
                ),
                now=NOW,
            )
            store_verdict(mention, verdict(label, score), MODEL, NOW)
            triage(session, mention, AlertPolicy(channels=("webhook",)), now=NOW)
            session.flush()
            assert mention.id is not None
            ids[name] = mention.id
    return ids


def test_a_correction_to_negative_wins_everywhere_and_opens_a_case(
    client: TestClient, engine: Engine, stored: dict[str, int]
) -> None:
    marketer = {"Authorization": f"Bearer {make_key(engine, Role.marketer)}"}
    mention_id = stored["sarcasm"]
    assert client.get(f"/api/v1/mentions/{mention_id}").json()["case_id"] is None

    answer = client.put(
        f"/api/v1/mentions/{mention_id}/label",
        json={"label": "negative", "note": "сарказм"},
        headers=marketer,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["sentiment"]["label"] == "negative"
    assert body["sentiment"]["source"] == "human"
    assert body["sentiment"]["model_label"] == "positive"  # the model's answer stays beside
    assert body["sentiment"]["model_score"] == 0.98
    case_id = body["case_id"]
    assert case_id is not None  # opened as a new negative opens one

    case = client.get(f"/api/v1/cases/{case_id}").json()
    assert [e["kind"] for e in case["timeline"]][:2] == ["opened", "label_corrected"]
    corrected = case["timeline"][1]
    assert corrected["actor"] == "test marketer"
    assert corrected["data"]["label"] == "negative" and corrected["data"]["note"] == "сарказм"
    assert case["suggestion"] is None

    # analytics counts the person's label
    report = client.get("/api/v1/analytics/sentiment", params={"brand": "Acme"}).json()
    assert report["totals"]["negative"] == 2 and report["totals"]["positive"] == 0
    # the mention list filters by it
    negatives = client.get("/api/v1/mentions", params={"sentiment": "negative"}).json()
    assert {m["id"] for m in negatives["items"]} == {stored["sarcasm"], stored["angry"]}

    page = client.get("/api/v1/corrections").json()
    assert page["next_cursor"] is None
    [row] = page["items"]
    assert row["mention_id"] == mention_id
    assert (row["label"], row["model_label"], row["model_score"]) == ("negative", "positive", 0.98)
    assert row["corrected_by"] == "test marketer" and row["brand"] == "Acme"
    assert row["text"].startswith("Ну спасибо")


def test_a_new_model_never_overrides_a_person(
    client: TestClient, engine: Engine, stored: dict[str, int]
) -> None:
    mention_id = stored["sarcasm"]
    client.put(f"/api/v1/mentions/{mention_id}/label", json={"label": "negative"})
    with session_scope(engine) as session:
        mention = session.get(Mention, mention_id)
        assert mention is not None
        store_verdict(mention, verdict("positive", 0.91), "bundled@next", NOW)
        session.add(mention)
    sentiment = client.get(f"/api/v1/mentions/{mention_id}").json()["sentiment"]
    assert (sentiment["label"], sentiment["source"]) == ("negative", "human")
    assert (sentiment["model_label"], sentiment["model"]) == ("positive", "bundled@next")


def test_undo_restores_the_model_label_and_dismisses_the_case_it_opened(
    client: TestClient, stored: dict[str, int]
) -> None:
    mention_id = stored["sarcasm"]
    case_id = client.put(f"/api/v1/mentions/{mention_id}/label", json={"label": "negative"}).json()[
        "case_id"
    ]
    undone = client.delete(f"/api/v1/mentions/{mention_id}/label")
    assert undone.status_code == 200, undone.text
    assert undone.json()["sentiment"]["label"] == "positive"
    assert undone.json()["sentiment"]["source"] == "model"
    case = client.get(f"/api/v1/cases/{case_id}").json()["case"]
    assert (case["state"], case["dismiss_reason"]) == ("dismissed", "label correction undone")
    assert client.get("/api/v1/corrections").json()["items"] == []
    history = client.get("/api/v1/corrections", params={"withdrawn": "true"}).json()["items"]
    assert history[0]["withdrawn_at"] is not None

    again = client.delete(f"/api/v1/mentions/{mention_id}/label")
    assert again.status_code == 404
    assert again.json()["detail"] == f"mention {mention_id} has no label correction to undo"


def test_correcting_away_from_negative_offers_dismissal_until_someone_works_on_it(
    client: TestClient, stored: dict[str, int]
) -> None:
    mention_id = stored["angry"]
    case_id = client.get(f"/api/v1/mentions/{mention_id}").json()["case_id"]
    client.put(f"/api/v1/mentions/{mention_id}/label", json={"label": "neutral"})
    detail = client.get(f"/api/v1/cases/{case_id}").json()
    assert detail["case"]["state"] == "new"  # offered, not done behind the team's back
    assert detail["suggestion"] == {
        "action": "dismiss",
        "reason": "not negative",
        "label": "neutral",
        "by": "test admin",
    }
    # a second correction replaces the first: one in force
    client.put(f"/api/v1/mentions/{mention_id}/label", json={"label": "positive"})
    assert [c["label"] for c in client.get("/api/v1/corrections").json()["items"]] == ["positive"]
    draft = client.post(
        f"/api/v1/cases/{case_id}/replies", json={"stage": "acknowledgement", "text": "Спасибо!"}
    )
    assert draft.status_code == 201, draft.text
    assert client.get(f"/api/v1/cases/{case_id}").json()["suggestion"] is None


def test_corrections_export_is_a_training_file(client: TestClient, stored: dict[str, int]) -> None:
    client.put(f"/api/v1/mentions/{stored['sarcasm']}/label", json={"label": "negative"})
    client.put(f"/api/v1/mentions/{stored['angry']}/label", json={"label": "neutral", "note": "x"})
    answer = client.get("/api/v1/corrections", params={"format": "csv", "brand": "Acme"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "corrections-Acme.csv" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert list(rows[0])[:2] == ["text", "label"]
    assert [(r["label"], r["model_label"]) for r in rows] == [
        ("negative", "positive"),
        ("neutral", "negative"),
    ]
    lines = client.get("/api/v1/corrections", params={"format": "jsonl"}).text.splitlines()
    assert [json.loads(line)["mention_id"] for line in lines] == [
        stored["sarcasm"],
        stored["angry"],
    ]
    only = client.get("/api/v1/corrections", params={"label": "neutral"}).json()["items"]
    assert [c["note"] for c in only] == ["x"]
    first = client.get("/api/v1/corrections", params={"limit": 1}).json()
    rest = client.get(
        "/api/v1/corrections", params={"limit": 1, "cursor": first["next_cursor"]}
    ).json()
    assert [first["items"][0]["mention_id"], rest["items"][0]["mention_id"]] == [
        stored["angry"],
        stored["sarcasm"],
    ]


def test_an_edit_of_the_text_withdraws_the_correction(
    client: TestClient, engine: Engine, stored: dict[str, int]
) -> None:
    mention_id = stored["sarcasm"]
    client.put(f"/api/v1/mentions/{mention_id}/label", json={"label": "negative"})
    with Session(engine) as session:
        source = source_by_name(session, "acme-reviews")
        upsert_mention(
            session,
            source,
            MentionData(external_id="sarcasm", text="Всё исправили, спасибо!", author="sarcasm"),
        )
        session.commit()
    mention = client.get(f"/api/v1/mentions/{mention_id}").json()
    assert mention["sentiment"] is None  # the new text waits for the model
    history = client.get("/api/v1/corrections", params={"withdrawn": "true"}).json()["items"]
    assert history[0]["withdrawn_at"] is not None


def test_bad_corrections_are_refused_with_a_reason(
    client: TestClient, engine: Engine, stored: dict[str, int]
) -> None:
    mention_id = stored["sarcasm"]
    bad = client.put(f"/api/v1/mentions/{mention_id}/label", json={"label": "red"})
    assert bad.status_code == 422
    assert "negative" in bad.text and "label" in bad.text
    extra = client.put(f"/api/v1/mentions/{mention_id}/label", json={"label": "negative", "x": 1})
    assert extra.status_code == 422
    missing = client.put("/api/v1/mentions/999999/label", json={"label": "negative"})
    assert missing.status_code == 404 and missing.json()["detail"] == "mention 999999 not found"
    assert client.get("/api/v1/corrections", params={"brand": "Nope"}).status_code == 404
    assert client.get("/api/v1/corrections", params={"cursor": "zz"}).status_code == 422
    assert client.get("/api/v1/corrections", params={"format": "xml"}).status_code == 422
    anonymous = client.put(
        f"/api/v1/mentions/{mention_id}/label",
        json={"label": "negative"},
        headers={"Authorization": ""},
    )
    assert anonymous.status_code == 401
    smm = {"Authorization": f"Bearer {make_key(engine, Role.smm)}"}
    assert (
        client.put(
            f"/api/v1/mentions/{mention_id}/label", json={"label": "neutral"}, headers=smm
        ).status_code
        == 200
    )
