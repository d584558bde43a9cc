"""The classification worker with a tiny real model: labels, re-labels on edit and on a new
model version, fuses star ratings, and opens cases for negative mentions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desk.alerts.policy import AlertPolicy
from desk.triage import triage
from models import Case, Mention, Source
from services.labelling import ClassificationWorker
from services.mention_store import MentionData, upsert_mention
from tests.utils.factories import make_brand, make_source

pytest.importorskip("torch")

from classifier import SentimentClassifier
from tests.utils.tiny_models import make_model, make_tokenizer


def tiny_model(path: Path, seed: int, id2label: dict[int, str] | None = None) -> Path:
    make_model(id2label or {0: "negative", 1: "neutral", 2: "positive"}, seed).save_pretrained(path)
    make_tokenizer().save_pretrained(path)
    return path


def seed_mentions(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        for i, (text, rating) in enumerate(
            [("very bad service", 1), ("good", None), ("the service is ok", 5)]
        ):
            upsert_mention(
                session,
                source,
                MentionData(external_id=f"m{i}", text=text, rating=rating, author=f"a{i}"),
            )
        session.commit()


def labels(engine: Engine) -> dict[str, tuple[str | None, str | None]]:
    with Session(engine) as session:
        return {
            m.external_id: (m.sentiment_label, m.sentiment_model)
            for m in session.exec(select(Mention))
        }


def test_worker_labels_then_relabels_edits_and_new_models(engine: Engine, tmp_path: Path) -> None:
    seed_mentions(engine)
    first = SentimentClassifier.load(str(tiny_model(tmp_path / "a", seed=1)))
    worker = ClassificationWorker(engine, lambda: first, batch_size=2)
    assert worker.run_once() == 3
    assert worker.run_once() == 0
    stored = labels(engine)
    assert {model for _, model in stored.values()} == {first.version}
    assert all(label in ("negative", "neutral", "positive") for label, _ in stored.values())

    with Session(engine) as session:
        mention = session.exec(select(Mention).where(Mention.external_id == "m0")).one()
        assert mention.sentiment_probs is not None
        assert sum(mention.sentiment_probs.values()) == pytest.approx(1, abs=1e-3)
        assert mention.sentiment_uncertain is not None
        assert mention.sentiment_disagreement is not None  # it has a rating
        # An edit resets the label; the next pass labels the new text.
        source = session.get(Source, mention.source_id)
        assert source is not None
        upsert_mention(
            session,
            source,
            MentionData(external_id="m0", text="very good service", rating=1, author="a0"),
        )
        session.commit()
    assert labels(engine)["m0"] == (None, None)
    assert worker.run_once() == 1
    assert labels(engine)["m0"][1] == first.version

    # A new model version re-labels everything.
    second = SentimentClassifier.load(str(tiny_model(tmp_path / "b", seed=2)))
    assert second.version != first.version
    assert ClassificationWorker(engine, lambda: second).run_once() == 3
    assert {model for _, model in labels(engine).values()} == {second.version}


def test_star_rating_is_fused_with_the_text(engine: Engine, tmp_path: Path) -> None:
    seed_mentions(engine)
    # Labels in an order the name mapping must sort out.
    model = SentimentClassifier.load(
        str(
            tiny_model(
                tmp_path / "c", seed=3, id2label={0: "POSITIVE", 1: "NEGATIVE", 2: "NEUTRAL"}
            )
        )
    )
    ClassificationWorker(engine, lambda: model).run_once()
    with Session(engine) as session:
        one_star = session.exec(select(Mention).where(Mention.external_id == "m0")).one()
        # A 1-star review is never green, whatever a tiny random model thinks of its text.
        assert one_star.sentiment_label != "positive"


def test_negative_mentions_open_cases(engine: Engine, tmp_path: Path) -> None:
    seed_mentions(engine)
    model = SentimentClassifier.load(str(tiny_model(tmp_path / "d", seed=4)))
    policy = AlertPolicy()
    worker = ClassificationWorker(
        engine,
        lambda: model,
        on_classified=lambda session, mention: triage(session, mention, policy) and None,
    )
    worker.run_once()
    with Session(engine) as session:
        cases = session.exec(select(Case)).all()
        negative = session.exec(select(Mention).where(Mention.sentiment_label == "negative")).all()
        low_rated = [m for m in session.exec(select(Mention)) if m.rating and m.rating <= 2]
        assert {c.mention_id for c in cases} == {m.id for m in [*negative, *low_rated]}


def test_a_model_that_cannot_load_is_reported_once(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    seed_mentions(engine)
    calls = []

    def broken() -> SentimentClassifier:
        calls.append(1)
        raise FileNotFoundError("no model at /nowhere")

    worker = ClassificationWorker(engine, broken)
    worker.tick()
    worker.tick()
    assert len(calls) == 1  # not retried on every tick
    assert [r.getMessage() for r in caplog.records] == [
        "sentiment model unavailable, mentions stay unlabelled: no model at /nowhere"
    ]
    assert labels(engine)["m0"] == (None, None)
