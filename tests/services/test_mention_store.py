"""Idempotent upserts, edits kept as revisions, and publication-time refinement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from models import Mention, Precision
from services.mention_queries import revisions
from services.mention_store import MentionData, Outcome, content_hash, upsert_mention
from tests.utils.factories import make_brand, make_source

NOON = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)


def test_same_mention_twice_is_one_row(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        data = MentionData(external_id="42", text="Acme lost my parcel", rating=1)
        first, outcome1 = upsert_mention(session, source, data, now=NOON)
        second, outcome2 = upsert_mention(session, source, data, now=NOON + timedelta(hours=1))
        session.commit()

        assert (outcome1, outcome2) == (Outcome.created, Outcome.unchanged)
        assert first.id == second.id
        assert session.exec(select(func.count()).select_from(Mention)).one() == 1
        assert second.discovered_at == NOON


def test_edit_updates_in_place_and_keeps_previous_version(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        mention, _ = upsert_mention(
            session, source, MentionData(external_id="7", text="Slow delivery", rating=2), now=NOON
        )
        mention.sentiment_label, mention.sentiment_score = "negative", 0.9
        later = NOON + timedelta(days=1)
        edited, outcome = upsert_mention(
            session,
            source,
            MentionData(external_id="7", text="Slow delivery, but they refunded", rating=4),
            now=later,
        )
        session.commit()

        assert outcome is Outcome.updated
        assert edited.id == mention.id
        assert (edited.text, edited.rating, edited.version) == (
            "Slow delivery, but they refunded",
            4,
            2,
        )
        assert edited.sentiment_label is None  # re-classified by the worker
        [old] = revisions(session, edited.id)
        assert (old.version, old.text, old.rating, old.replaced_at) == (
            1,
            "Slow delivery",
            2,
            later,
        )
        assert old.content_hash == content_hash(None, "Slow delivery", 2)


def test_whitespace_only_changes_are_not_edits(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        upsert_mention(session, source, MentionData(external_id="1", text="Good  service"))
        _, outcome = upsert_mention(
            session, source, MentionData(external_id="1", text="Good service\n")
        )
        assert outcome is Outcome.unchanged


def test_coarse_relative_time_never_overwrites_a_precise_one(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        exact = MentionData(
            external_id="9", text="hi", published_at=NOON, published_precision=Precision.exact
        )
        mention, _ = upsert_mention(session, source, exact)
        drifted = MentionData(
            external_id="9",
            text="hi",
            published_at=NOON + timedelta(hours=2),
            published_precision=Precision.approximate,
            published_raw="2 hours ago",
        )
        upsert_mention(session, source, drifted)
        assert mention.published_at == NOON
        assert mention.occurred_at == NOON


def test_unknown_publication_time_is_refined_when_found(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        mention, _ = upsert_mention(
            session,
            source,
            MentionData(external_id="5", text="hi", published_raw="??"),
            now=NOON,
        )
        assert (mention.published_at, mention.occurred_at) == (None, NOON)
        upsert_mention(
            session,
            source,
            MentionData(
                external_id="5",
                text="hi",
                published_at=NOON - timedelta(days=1),
                published_precision=Precision.day,
            ),
        )
        assert mention.published_at == NOON - timedelta(days=1)
        assert mention.published_precision == Precision.day
        assert mention.occurred_at == NOON - timedelta(days=1)


def test_times_come_back_as_aware_utc(engine: Engine) -> None:
    moscow = datetime(2026, 11, 22, 18, 30, tzinfo=ZoneInfo("Europe/Moscow"))
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        upsert_mention(session, source, MentionData(external_id="t", text="x", published_at=moscow))
        session.commit()
    with Session(engine) as session:
        stored = session.exec(select(Mention)).one()
        assert stored.published_at == datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
        assert stored.published_at.utcoffset() == timedelta(0)
