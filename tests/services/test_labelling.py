"""The labelling worker with a tiny real model: labels, re-labels on edit and on a new model
version, fuses star ratings, opens cases for negative mentions, never reopens what people
closed, and never stalls on one bad mention."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from desk.alerts.policy import AlertPolicy
from desk.cases import dismiss
from desk.triage import triage
from models import AlertDelivery, Case, CaseState, Mention, Precision, Source
from services.label_store import MAX_LABEL_ATTEMPTS, labelling_backlog
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

    policy = AlertPolicy()
    worker = ClassificationWorker(
        engine, broken, on_classified=lambda session, mention: triage(session, mention, policy)
    )
    worker.tick()
    worker.tick()
    assert len(calls) == 1  # not retried on every tick, but every few minutes
    assert [r.getMessage() for r in caplog.records] == [
        "sentiment model unavailable (retrying in 300 s); rated mentions still open cases: "
        "no model at /nowhere"
    ]
    assert worker.load_error == "no model at /nowhere"
    assert labels(engine)["m0"] == (None, None)
    # without the model, the 1-star review still opened its case; the others wait for a label
    with Session(engine) as session:
        [case] = session.exec(select(Case)).all()
        opened_for = session.get(Mention, case.mention_id)
        assert opened_for is not None and opened_for.external_id == "m0"
        assert case.reason == "rating 1"
        untriaged = session.exec(select(Mention).where(Mention.external_id != "m0")).all()
        assert {m.triaged_version for m in untriaged} == {None}


def one_star_reviews(engine: Engine, count: int, **extra: object) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        for i in range(count):
            upsert_mention(
                session,
                source,
                MentionData(external_id=f"r{i}", text="bad", rating=1, author=f"a{i}", **extra),
            )
        session.commit()


def state(engine: Engine) -> tuple[dict[int, CaseState], int, int]:
    """Cases by id with their states, mentions in a case, alert deliveries queued."""
    with Session(engine) as session:
        cases = {c.id or 0: c.state for c in session.exec(select(Case))}
        in_case = len([m for m in session.exec(select(Mention)) if m.case_id is not None])
        alerts = len(session.exec(select(AlertDelivery)).all())
    return cases, in_case, alerts


def test_a_new_model_or_precision_never_reopens_recreates_or_alerts_again(
    engine: Engine, tmp_path: Path
) -> None:
    one_star_reviews(engine, 10)
    policy = AlertPolicy(channels=("webhook",))

    def worker(precision: str) -> ClassificationWorker:
        model = SentimentClassifier.load(
            str(tiny_model(tmp_path / "m", seed=5)), precision=precision
        )
        return ClassificationWorker(
            engine,
            lambda: model,
            on_classified=lambda session, mention: triage(session, mention, policy),
        )

    assert worker("fp32").run_once() == 10
    with Session(engine) as session:
        cases = session.exec(select(Case).order_by(col(Case.id))).all()
        assert len(cases) == 10
        for case in cases[:5]:
            dismiss(session, case, "spam", actor="anna")
        for case in cases[5:]:
            case.state = CaseState.closed  # answered and closed by the team
            session.add(case)
        session.commit()
    before = state(engine)
    # a restart with another precision: the model version gains "+int8", every label is redone
    relabel = worker("int8")
    assert relabel.run_once() == 10
    assert relabel.run_once() == 0
    with Session(engine) as session:
        assert {m.sentiment_model for m in session.exec(select(Mention))} == {
            relabel.classifier.version
        }
    assert state(engine) == before  # 0 reopened, 0 recreated, 0 new alerts


def test_an_edit_that_changes_the_text_may_open_a_case_again(
    engine: Engine, tmp_path: Path
) -> None:
    one_star_reviews(engine, 1)
    policy = AlertPolicy()
    model = SentimentClassifier.load(str(tiny_model(tmp_path / "e", seed=6)))
    worker = ClassificationWorker(
        engine,
        lambda: model,
        on_classified=lambda session, mention: triage(session, mention, policy),
    )
    worker.run_once()
    with Session(engine) as session:
        [case] = session.exec(select(Case)).all()
        dismiss(session, case, "not about us", actor="anna")
        source = session.exec(select(Source)).one()
        upsert_mention(
            session,
            source,
            MentionData(external_id="r0", text="very bad, still", rating=1, author="a0"),
        )
        session.commit()
    worker.run_once()
    cases, _, _ = state(engine)
    assert sorted(cases.values()) == [CaseState.dismissed, CaseState.new]


def test_one_poison_mention_is_set_aside_and_the_rest_are_labelled(
    engine: Engine, tmp_path: Path
) -> None:
    one_star_reviews(engine, 5)
    with Session(engine) as session:
        source = session.exec(select(Source)).one()
        poison, _ = upsert_mention(
            session, source, MentionData(external_id="poison", text="bad", rating=1, author="z")
        )
        # a date that slipped in before dates were bounded: its deadline overflows
        poison.published_at = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
        poison.published_precision = Precision.exact
        session.add(poison)
        session.commit()
        poison_id = poison.id
    policy = AlertPolicy()
    model = SentimentClassifier.load(str(tiny_model(tmp_path / "p", seed=7)))
    worker = ClassificationWorker(
        engine,
        lambda: model,
        on_classified=lambda session, mention: triage(session, mention, policy),
    )
    for _ in range(MAX_LABEL_ATTEMPTS):  # one tick every 2 s in the service
        worker.tick()
    with Session(engine) as session:
        mentions = session.exec(select(Mention)).all()
        labelled = [m for m in mentions if m.id != poison_id]
        assert all(m.sentiment_label is not None for m in labelled)
        assert len(session.exec(select(Case)).all()) == 5  # the others opened their cases
        stored = session.get(Mention, poison_id)
        assert stored is not None and stored.label_attempts == MAX_LABEL_ATTEMPTS
        assert stored.label_error is not None and "OverflowError" in stored.label_error
        backlog = labelling_backlog(session)
    assert backlog["set_aside"] == 1
    assert backlog["set_aside_examples"][0]["mention_id"] == poison_id
    assert worker.run_once() == 0  # set aside: it no longer blocks anything
