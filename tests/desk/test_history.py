"""A site's history is history: its old reviews are stored and counted, open no case, and the
team hears about them once, in one summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desk.alerts.policy import AlertPolicy
from desk.history import summarize_history_imports
from desk.triage import triage
from models import AlertDelivery, AlertKind, Brand, Case, CrawlRun, CrawlStatus, Mention, Sla
from services.label_store import triage_labelled
from services.mention_store import MentionData, upsert_mentions
from tests.utils.factories import make_brand, make_source

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
POLICY = AlertPolicy(channels=("webhook",))


def import_history(engine: Engine, *, entries: int = 300, recent: int = 10) -> None:
    """A first crawl of a feed with two years of entries, `recent` of them from this week;
    four in five are negative."""
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        assert source.id is not None
        run = CrawlRun(source_id=source.id, started_at=NOW - timedelta(minutes=5), worker="t")
        session.add(run)
        session.flush()
        batch = []
        for i in range(entries):
            age = timedelta(hours=2 + i) if i < recent else timedelta(days=8 + i * 2.4)
            batch.append(
                MentionData(
                    external_id=f"e{i}",
                    text=f"Acme entry {i}",
                    author=f"author{i}",
                    published_at=NOW - age,
                )
            )
        upsert_mentions(session, source, batch, now=NOW - timedelta(minutes=1))
        for n, mention in enumerate(session.exec(select(Mention).order_by(Mention.id))):
            mention.sentiment_label = "negative" if n % 5 else "positive"
            session.add(mention)
        run.status, run.finished_at = CrawlStatus.ok, NOW
        session.add(run)
        session.commit()


def test_an_imported_archive_opens_cases_only_inside_the_window_and_one_summary(
    engine: Engine,
) -> None:
    import_history(engine)
    triaged = triage_labelled(engine, lambda s, m: triage(s, m, POLICY, now=NOW))
    assert triaged == 300
    with Session(engine) as session:
        cases = session.exec(select(Case)).all()
        # 8 of the 10 recent entries are negative; none of the 290 older ones opens a case
        assert len(cases) == 8
        assert all(c.first_reply_sla == Sla.on_track for c in cases)  # none opened breached
        assert summarize_history_imports(session, POLICY, threshold=10, now=NOW) == 1
        assert summarize_history_imports(session, POLICY, threshold=10, now=NOW) == 0  # once
        session.commit()
        alerts = session.exec(select(AlertDelivery)).all()
    kinds = sorted(a.kind.value for a in alerts)
    assert kinds == ["history_import"] + ["new_case"] * 8  # 9 messages, not 481
    [summary] = [a for a in alerts if a.kind == AlertKind.history_import]
    assert summary.payload["imported"] == 290
    assert summary.payload["negative"] == 232
    assert summary.payload["text"] == (
        "acme-news: 290 older mentions imported, 232 negative — see the dashboard"
    )
    assert summary.payload["event_id"] == summary.event_key


def test_a_zero_window_alerts_on_everything_and_a_small_import_sends_no_summary(
    engine: Engine,
) -> None:
    import_history(engine, entries=12, recent=2)
    with Session(engine) as session:
        acme = session.exec(select(Brand)).one()
        acme.alert_window = 0
        session.add(acme)
        session.commit()
    triage_labelled(engine, lambda s, m: triage(s, m, POLICY, now=NOW))
    with Session(engine) as session:
        assert len(session.exec(select(Case)).all()) == 9  # every negative, old ones breached
        assert summarize_history_imports(session, POLICY, threshold=10, now=NOW) == 0
