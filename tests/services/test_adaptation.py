"""Per-brand adaptation with a tiny real model: a brand's corrections train its adapter in the
background, the adapter labels that brand's new mentions only, its cross-validated effect is
reported, it can be switched off, and `relabel` redoes stored labels but never a person's."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import session_scope
from desk.alerts.policy import AlertPolicy
from desk.corrections import correct_label
from models import BrandAdapter, Mention
from services.adaptation import Adapters, AdapterTraining
from services.labelling import ClassificationWorker, relabel_brand
from services.mention_store import MentionData, upsert_mention
from tests.utils.factories import make_brand, make_source

torch = pytest.importorskip("torch")

from classifier import SentimentClassifier  # noqa: E402
from classifier.adaptation import adapt  # noqa: E402
from tests.utils.tiny_models import make_model, make_tokenizer  # noqa: E402

WORDS = ["good", "bad", "ok", "very", "the", "is"]


def brand_text(rng: random.Random, negative: bool) -> str:
    """This brand's customers say "service" only to complain (a pattern the model lacks)."""
    words = rng.sample(WORDS, 3) + (["service"] if negative else [])
    rng.shuffle(words)
    return " ".join(words)


@pytest.fixture
def tiny(tmp_path: Path) -> SentimentClassifier:
    path = tmp_path / "tiny"
    make_model({0: "negative", 1: "neutral", 2: "positive"}, seed=3).save_pretrained(path)
    make_tokenizer().save_pretrained(path)
    return SentimentClassifier.load(path, precision="fp32")


def seed(engine: Engine, corrections: int) -> None:
    """Brands Acme (with `corrections` corrected mentions) and Globex (none)."""
    rng = random.Random(0)
    with session_scope(engine) as session:
        acme = make_source(session, make_brand(session, "Acme"), "acme-news")
        make_source(session, make_brand(session, "Globex"), "globex-news")
        for i in range(corrections):
            negative = i % 2 == 0
            mention, _ = upsert_mention(
                session, acme, MentionData(external_id=f"c{i}", text=brand_text(rng, negative))
            )
            session.flush()
            correct_label(
                session,
                mention,
                "negative" if negative else "positive",
                None,
                "smm",
                AlertPolicy(channels=()),
            )


def add_mention(engine: Engine, source: str, external_id: str, text: str) -> int:
    from services.catalog import source_by_name

    with session_scope(engine) as session:
        mention, _ = upsert_mention(
            session,
            source_by_name(session, source),
            MentionData(external_id=external_id, text=text),
        )
        session.flush()
        assert mention.id is not None
        return mention.id


def test_the_head_is_pulled_towards_the_model_and_kept_only_when_it_helps() -> None:
    gen = torch.Generator().manual_seed(0)
    features = torch.randn(60, 8, generator=gen)
    truth = ["negative" if f[0] > 0 else "positive" for f in features]
    # a model head that reads the wrong feature: the corrections teach it the right one
    wrong = torch.zeros(3, 8)
    wrong[0, 1], wrong[2, 1] = 1.0, -1.0
    helped = adapt(features, truth, wrong, torch.zeros(3))
    assert helped.active and helped.metrics["gain"] > 0.3
    assert helped.metrics["macro_f1_adapter"] > 0.8 and helped.metrics["corrections"] == 60
    # a model head that is already right: nothing to gain, so the adapter is not used
    right = torch.zeros(3, 8)
    right[0, 0], right[2, 0] = 5.0, -5.0
    kept = adapt(features, truth, right, torch.zeros(3))
    assert kept.metrics["macro_f1_model"] == 1.0
    assert not kept.active


def test_a_stream_without_neutrals_moves_the_biases_under_the_strongest_pull() -> None:
    """A team that never says "neutral" (two-class tweets): the model's head calls the middle
    of the scale neutral, the corrections never do. The biases move freely, so even the
    strongest pull on the weights lets the head stop saying neutral."""
    from classifier.adaptation import L2_GRID, fit_head

    gen = torch.Generator().manual_seed(1)
    features = torch.randn(200, 8, generator=gen)
    truth = torch.tensor([0 if f[0] > 0 else 2 for f in features])  # negative / positive
    weight = torch.zeros(3, 8)
    weight[0, 0], weight[2, 0] = 2.0, -2.0
    bias = torch.tensor([0.0, 1.5, 0.0])  # neutral wins wherever |feature 0| < 0.75
    model_neutral = int(((features @ weight.T + bias).argmax(dim=1) == 1).sum())
    assert model_neutral > 50
    new_weight, new_bias = fit_head(features, truth, weight, bias, max(L2_GRID))
    predicted = (features @ new_weight.T + new_bias).argmax(dim=1)
    assert int((predicted == 1).sum()) <= 2
    assert float(new_bias[1] - bias[1]) < -1.0  # the neutral bias moved down
    assert float((new_weight - weight).abs().max()) < 0.5  # the weights stayed near the model
    # pulled as hard as the weights, the biases stay put and neutral keeps most of the middle
    held_weight, held_bias = fit_head(features, truth, weight, bias, max(L2_GRID), bias_pull=1.0)
    held = (features @ held_weight.T + held_bias).argmax(dim=1)
    assert int((held == 1).sum()) > 40


def test_corrections_train_a_brand_adapter_that_labels_its_new_mentions(
    engine: Engine, client: TestClient, tiny: SentimentClassifier
) -> None:
    seed(engine, 40)
    brand_id = client.get("/api/v1/brands").json()[0]["id"]
    before = client.get(f"/api/v1/brands/{brand_id}/adaptation").json()
    assert before["corrections"] == 40 and before["version"] is None
    assert before["status"] == "an adapter will be trained on the next background pass"

    trainer = AdapterTraining(engine, min_corrections=30, step=10, every=0)
    assert trainer.run_due(tiny) == 1
    assert trainer.run_due(tiny) == 0  # nothing new since
    with Session(engine) as session:
        [row] = session.exec(select(BrandAdapter)).all()
    assert (row.version, row.corrections, row.model) == (1, 40, tiny.version)
    assert row.metrics["macro_f1_adapter"] > row.metrics["macro_f1_model"]
    assert row.active

    report = client.get(f"/api/v1/brands/{brand_id}/adaptation").json()
    assert report["version"] == 1 and report["active"] is True
    assert report["corrections_used"] == 40 and report["trained_at"] is not None
    assert report["effect"]["gain"] == row.metrics["gain"]
    assert report["status"] == "adapter v1 labels this brand's new mentions"

    rng = random.Random(1)
    new = {
        (neg, brand): add_mention(engine, f"{brand}-news", f"n{neg}{brand}", brand_text(rng, neg))
        for neg in (True, False)
        for brand in ("acme", "globex")
    }
    worker = ClassificationWorker(engine, lambda: tiny, adapters=Adapters(engine))
    worker.run_once()
    with Session(engine) as session:
        stored = {key: session.get(Mention, mention_id) for key, mention_id in new.items()}
    assert stored[(True, "acme")].sentiment_adapter == 1
    assert stored[(True, "globex")].sentiment_adapter is None
    assert stored[(True, "globex")].sentiment_model == tiny.version

    # switched off: the model alone labels the brand again
    client.patch(f"/api/v1/brands/{brand_id}", json={"adaptation": False})
    assert Adapters(engine).heads(tiny) == {}
    off = client.get(f"/api/v1/brands/{brand_id}/adaptation").json()
    assert off["enabled"] is False and off["active"] is False
    assert off["status"].startswith("switched off")


def test_relabel_redoes_a_brand_with_its_adapter_and_keeps_peoples_labels(
    engine: Engine, tiny: SentimentClassifier
) -> None:
    seed(engine, 40)
    AdapterTraining(engine, min_corrections=30, step=10, every=0).run_due(tiny)
    for i in range(5):
        add_mention(engine, "acme-news", f"old{i}", "very bad service" if i % 2 else "good")
    add_mention(engine, "globex-news", "g", "good")
    summary = relabel_brand(engine, tiny, "Acme", Adapters(engine), batch_size=8)
    assert summary.mentions == 45 and summary.kept_human == 40 and summary.adapter == 1
    with Session(engine) as session:
        rows = session.exec(select(Mention)).all()
    acme = [m for m in rows if m.brand_id == rows[0].brand_id]
    assert all(m.model_label is not None for m in acme)
    corrected = [m for m in acme if m.human_label is not None]
    assert len(corrected) == 40 and all(m.sentiment_label == m.human_label for m in corrected)
    globex = next(m for m in rows if m.external_id == "g")
    assert globex.sentiment_label is None  # another brand is not touched
