"""POST /classify with a tiny model the test builds: shape, fusion, limits, roles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.main import create_app
from core.config import Settings
from models import Role
from tests.utils.keys import make_key

pytest.importorskip("torch")

from tests.utils.tiny_models import make_model, make_tokenizer


@pytest.fixture
def classify_client(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    model_dir = tmp_path / "tiny"
    make_model({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, seed=5).save_pretrained(model_dir)
    make_tokenizer().save_pretrained(model_dir)
    configured = settings.model_copy(
        update={
            "model": str(model_dir),
            "model_labels": "LABEL_0=negative,LABEL_1=neutral,LABEL_2=positive",
        }
    )
    with TestClient(create_app(configured, engine)) as client:
        client.headers["Authorization"] = f"Bearer {make_key(engine, Role.marketer)}"
        yield client


def test_classify_texts(classify_client: TestClient) -> None:
    response = classify_client.post(
        "/api/v1/classify", json={"texts": ["very bad service", "good"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"].endswith("tiny")
    assert len(body["results"]) == 2
    for result in body["results"]:
        assert result["label"] in ("negative", "neutral", "positive")
        assert set(result["probs"]) == {"negative", "neutral", "positive"}
        assert sum(result["probs"].values()) == pytest.approx(1, abs=1e-3)
        assert result["score"] == max(result["probs"].values())
        assert isinstance(result["uncertain"], bool)


def test_classify_with_ratings_adds_the_fused_verdict(classify_client: TestClient) -> None:
    body = classify_client.post(
        "/api/v1/classify", json={"texts": ["good", "bad"], "ratings": [1, None]}
    ).json()
    assert body["results"][0]["fused"]["label"] != "positive"  # a 1-star review is never green
    assert "fused" not in body["results"][1]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"texts": ["ok"] * 65}, 413),
        ({"texts": ["x" * 5001]}, 422),
        ({"texts": []}, 422),
        ({"texts": [""]}, 422),
        ({"texts": ["ok"], "ratings": [1, 2]}, 422),
        ({"texts": ["ok"], "ratings": [6]}, 422),
        ({"text": "ok"}, 422),
    ],
)
def test_limits(classify_client: TestClient, body: dict[str, object], status: int) -> None:
    assert classify_client.post("/api/v1/classify", json=body).status_code == status


def test_64_texts_are_fine(classify_client: TestClient) -> None:
    response = classify_client.post("/api/v1/classify", json={"texts": ["ok"] * 64})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 64
