"""Claims on pending mentions: two labelling workers never take one mention twice, a dead
worker's claim is taken over after its lease, and a worker that outlived its lease stores
nothing of what another now holds. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Mention
from services.label_claims import claim_pending, release_ids
from services.labelling import ClassificationWorker
from services.mention_store import MentionData, upsert_mention
from tests.utils.factories import make_brand, make_source

LEASE = timedelta(minutes=2)


def seed(engine: Engine, count: int) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        for i in range(count):
            upsert_mention(session, source, MentionData(external_id=f"m{i}", text=f"text {i}"))
        session.commit()


def test_two_claims_take_disjoint_batches_and_a_lapsed_claim_is_free_again(
    engine: Engine,
) -> None:
    seed(engine, 10)
    first = claim_pending(engine, "v1", 4, LEASE, "host:1")
    second = claim_pending(engine, "v1", 4, LEASE, "host:2")
    third = claim_pending(engine, "v1", 4, LEASE, "host:3")
    assert len(first.ids) == 4 and len(second.ids) == 4 and len(third.ids) == 2
    assert not set(first.ids) & set(second.ids) | set(first.ids) & set(third.ids)
    assert claim_pending(engine, "v1", 4, LEASE, "host:4").ids == []
    # a claim that lapsed (its worker died) is free to the next worker
    lapsed = claim_pending(engine, "v1", 4, -LEASE, "host:5")
    assert lapsed.ids == []
    release_ids(engine, first.ids)
    dead = claim_pending(engine, "v1", 4, -timedelta(seconds=1), "host:dead")
    assert dead.ids == first.ids
    taken_over = claim_pending(engine, "v1", 4, LEASE, "host:6")
    assert taken_over.ids == first.ids
    with Session(engine) as session:
        mention = session.get(Mention, first.ids[0])
        assert mention is not None
        assert mention.label_claimed_by == "host:6"
        assert taken_over.holds(mention) and not dead.holds(mention)


def test_racing_claimers_never_share_a_mention(engine: Engine) -> None:
    seed(engine, 60)
    taken: dict[str, list[int]] = {}

    def claimer(name: str) -> None:
        mine: list[int] = []
        while batch := claim_pending(engine, "v1", 5, LEASE, name).ids:
            mine.extend(batch)
        taken[name] = mine

    threads = [threading.Thread(target=claimer, args=(f"host:{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = [i for ids in taken.values() for i in ids]
    assert len(everything) == 60 and len(set(everything)) == 60


class CountingClassifier:
    """A stand-in model that counts what it labels (the labels themselves do not matter)."""

    version = "count-1"

    def __init__(self) -> None:
        self.texts = 0

    def predict(self, texts, batch_size=32):
        from classifier.sentiment import Sentiment

        self.texts += len(texts)
        probs = {"negative": 0.1, "neutral": 0.8, "positive": 0.1}
        return [Sentiment("neutral", 0.8, probs, False) for _ in texts]


def test_a_worker_whose_lease_ran_out_stores_nothing_another_holds(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine, 3)
    slow = ClassificationWorker(engine, CountingClassifier, lease=-timedelta(seconds=1))
    # the slow worker claims with a lease that has already lapsed, then another worker takes
    # the same mentions before the slow one stores: the slow one's results are dropped
    original = slow._predict

    def predict_then_lose_the_claim(texts, heads):
        other = ClassificationWorker(engine, CountingClassifier, lease=LEASE)
        assert other.run_once() == 3
        return original(texts, heads)

    slow._predict = predict_then_lose_the_claim  # type: ignore[method-assign]
    assert slow.run_once() == 3  # taken, but not stored
    with Session(engine) as session:
        mentions = session.exec(select(Mention)).all()
    assert {m.sentiment_model for m in mentions} == {"count-1"}
    assert {m.label_claimed_by for m in mentions} == {None}
    assert all(m.triaged_version == m.version for m in mentions)
