"""The staged reply flow against a frozen clock: open, escalate once, acknowledge, resolve."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.errors import Conflict, Invalid
from desk.alerts.delivery import maybe_digest
from desk.alerts.policy import AlertPolicy, QuietHours
from desk.cases import close, dismiss
from desk.checker import check_deadlines
from desk.replies import approve, draft, edit, mark_posted
from desk.triage import triage
from models import (
    AlertDelivery,
    CaseEvent,
    CaseState,
    DeliveryStatus,
    Mention,
    Precision,
    ReplyStage,
    ReplyTemplate,
    Sla,
)
from services.mention_store import MentionData, upsert_mention
from tests.utils.factories import make_brand, make_source

PUBLISHED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
POLICY = AlertPolicy(channels=("webhook", "telegram"))


def negative(
    session: Session,
    source,
    external_id: str = "m1",
    *,
    published: datetime | None = PUBLISHED,
    discovered: datetime | None = None,
    author: str = "Анна",
    **fields,
) -> Mention:
    mention, _ = upsert_mention(
        session,
        source,
        MentionData(
            external_id=external_id,
            text="Курьер опоздал на два часа, суп холодный",
            author=author,
            published_at=published,
            lang="ru",
            published_precision=Precision.exact if published else None,
            **fields,
        ),
        now=discovered or (published or PUBLISHED) + timedelta(minutes=20),
    )
    mention.sentiment_label, mention.sentiment_score = "negative", 0.97
    return mention


def alert_keys(session: Session) -> list[tuple[str, str]]:
    rows = session.exec(select(AlertDelivery).order_by(col(AlertDelivery.id))).all()
    return [(d.event_key, d.channel) for d in rows]


def events(session: Session, case_id: int) -> list[str]:
    rows = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(col(CaseEvent.id))
    ).all()
    return [e.kind for e in rows]


def test_full_staged_flow(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        mention = negative(session, source)
        case = triage(session, mention, POLICY, now=PUBLISHED + timedelta(minutes=21))
        assert case is not None and case.id is not None
        assert (case.state, case.reason, case.priority.value) == (CaseState.new, "negative", "high")
        assert case.first_reply_due_at == PUBLISHED + timedelta(hours=24)
        assert mention.case_id == case.id
        assert alert_keys(session) == [
            (f"case:{case.id}:opened", "webhook"),
            (f"case:{case.id}:opened", "telegram"),
        ]

        # Four hours before the deadline it is at risk — escalated once, however often we check.
        at_risk_time = PUBLISHED + timedelta(hours=20, minutes=1)
        assert check_deadlines(session, POLICY, now=at_risk_time) == 1
        assert check_deadlines(session, POLICY, now=at_risk_time + timedelta(minutes=5)) == 0
        assert case.first_reply_sla == Sla.at_risk
        assert len(alert_keys(session)) == 4

        # The first reply promises news in three days and meets the first deadline...
        promised = PUBLISHED + timedelta(days=3)
        ack = draft(
            session,
            case,
            ReplyStage.acknowledgement,
            promised_at=promised,
            now=at_risk_time + timedelta(minutes=10),
        )
        assert ack.text.startswith("Анна, спасибо, что рассказали нам об этом")
        assert "не позднее 2026-11-23" in ack.text
        approve(session, case, ack, "lead", now=at_risk_time + timedelta(minutes=15))
        mark_posted(
            session,
            case,
            ack,
            url="https://example.com/r/1#reply",
            now=at_risk_time + timedelta(minutes=20),
        )
        assert case.state == CaseState.acknowledged
        assert case.first_reply_sla == Sla.met
        # ...and never the resolution deadline, which is the promised date.
        assert (case.resolution_due_at, case.resolved_at) == (promised, None)
        assert case.resolution_sla == Sla.on_track

        # The promise slips: the resolution deadline is breached and reported once.
        assert check_deadlines(session, POLICY, now=promised - timedelta(hours=1)) == 1
        assert check_deadlines(session, POLICY, now=promised + timedelta(minutes=1)) == 1
        assert check_deadlines(session, POLICY, now=promised + timedelta(hours=5)) == 0
        assert case.resolution_sla == Sla.breached
        assert (f"case:{case.id}:breached:resolution:0", "webhook") in alert_keys(session)

        resolution = draft(session, case, ReplyStage.resolution, now=promised + timedelta(hours=6))
        assert "[что мы выяснили]" in resolution.text  # for the SMM team to fill in
        with pytest.raises(Invalid, match=r"fill in the placeholders .*\[что мы выяснили\]"):
            mark_posted(session, case, resolution, url=None, now=promised + timedelta(hours=7))
        with pytest.raises(Invalid, match="fill in the placeholders"):
            approve(session, case, resolution, "lead")
        filled = resolution.text.replace("[что мы выяснили]", "курьер перепутал адрес").replace(
            "[что мы изменили]", "теперь адрес подтверждают по телефону"
        )
        edit(
            session, case, resolution, filled, "anna", now=promised + timedelta(hours=6, minutes=30)
        )
        mark_posted(session, case, resolution, url=None, now=promised + timedelta(hours=7))
        assert case.state == CaseState.resolved
        assert case.resolution_sla == Sla.missed
        close(session, case, "lead", now=promised + timedelta(hours=8))
        assert case.state == CaseState.closed
        assert events(session, case.id) == [
            "opened",
            "sla_changed",
            "reply_drafted",
            "reply_approved",
            "reply_posted",
            "sla_changed",
            "sla_changed",
            "reply_drafted",
            "reply_edited",
            "reply_posted",
            "closed",
        ]


def test_a_slow_fix_needs_a_promised_date(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        case = triage(session, negative(session, source), POLICY, now=PUBLISHED)
        assert case is not None
        ack = draft(session, case, ReplyStage.acknowledgement, text="Разбираемся")
        with pytest.raises(ValueError, match="promised_at is required"):
            mark_posted(session, case, ack, url=None, now=PUBLISHED + timedelta(hours=1))
        # Fixed at once ("resolved at once, no second reply needed"): the case is resolved,
        # no resolution deadline is left to breach.
        answered = PUBLISHED + timedelta(hours=1)
        mark_posted(session, case, ack, url=None, needs_followup=False, now=answered)
        assert case.state == CaseState.resolved
        assert (case.resolved_at, case.resolution_due_at) == (answered, answered)
        assert (case.first_reply_sla, case.resolution_sla) == (Sla.met, Sla.met)
        assert check_deadlines(session, POLICY, now=answered + timedelta(days=30)) == 0


def test_late_discovery_opens_breached_and_alerts_breach_at_once(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        late = PUBLISHED + timedelta(hours=30)
        case = triage(session, negative(session, source, discovered=late), POLICY, now=late)
        assert case is not None
        assert case.first_reply_sla == Sla.breached
        assert case.discovery_lag_seconds == 30 * 3600
        assert case.priority.value == "urgent"
        assert [k for k, c in alert_keys(session) if c == "webhook"] == [
            f"case:{case.id}:opened",
            f"case:{case.id}:breached:first_reply",
        ]
        assert check_deadlines(session, POLICY, now=late + timedelta(hours=1)) == 0


def test_unknown_publication_time_counts_from_discovery(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        found = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
        case = triage(
            session, negative(session, source, published=None, discovered=found), POLICY, now=found
        )
        assert case is not None
        assert (case.first_reply_basis, case.first_reply_due_at) == (
            "discovered",
            found + timedelta(hours=24),
        )
        assert case.first_reply_note == "publication time unknown: counted from discovery"


def test_same_author_on_the_same_thread_extends_then_reopens(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        case = triage(session, negative(session, source, "m1"), POLICY, now=PUBLISHED)
        assert case is not None
        again = negative(session, source, "m2", published=PUBLISHED + timedelta(hours=1))
        assert triage(session, again, POLICY, now=PUBLISHED + timedelta(hours=1)) is case
        assert again.case_id == case.id

        reply = draft(session, case, ReplyStage.resolution, text="Исправили, вот что сделали")
        mark_posted(session, case, reply, url=None, now=PUBLISHED + timedelta(hours=2))
        later = PUBLISHED + timedelta(days=2)
        third = negative(session, source, "m3", published=later)
        reopened = triage(session, third, POLICY, now=later)
        assert reopened is case
        assert case.state == CaseState.new
        assert case.first_reply_due_at == later + timedelta(hours=24)
        assert case.first_replied_at is None and case.resolved_at is None
        assert events(session, case.id)[-1] == "reopened"
        # Another author gets a case of their own.
        other = triage(session, negative(session, source, "m4", author="Олег"), POLICY, now=later)
        assert other is not None and other.id != case.id


def test_dismissed_cases_stay_dismissed_and_closed_needs_resolution(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        case = triage(session, negative(session, source), POLICY, now=PUBLISHED)
        assert case is not None
        with pytest.raises(Conflict, match="post the resolution reply"):
            close(session, case, "lead")
        dismiss(session, case, "spam", "lead", now=PUBLISHED + timedelta(hours=1))
        assert (case.state, case.dismiss_reason) == (CaseState.dismissed, "spam")
        assert check_deadlines(session, POLICY, now=PUBLISHED + timedelta(days=2)) == 0
        with pytest.raises(Conflict):
            dismiss(session, case, "again", "lead")


def test_rating_rule_and_non_negative_mentions(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        happy, _ = upsert_mention(
            session, source, MentionData(external_id="h", text="Отлично!", rating=5)
        )
        happy.sentiment_label = "positive"
        assert triage(session, happy, POLICY, now=PUBLISHED) is None
        low, _ = upsert_mention(
            session, source, MentionData(external_id="l", text="Ну такое", rating=2)
        )
        low.sentiment_label = "neutral"
        case = triage(session, low, POLICY, now=PUBLISHED)
        assert case is not None and case.reason == "rating 2"


def test_quiet_hours_hold_new_cases_for_the_digest_but_never_a_breach(engine: Engine) -> None:
    quiet = AlertPolicy(
        channels=("webhook",), quiet_hours=QuietHours.parse("22:00-08:00", "Europe/Moscow")
    )
    night = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # 00:00 in Moscow
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        mention = negative(session, source, published=night - timedelta(minutes=5))
        mention.sentiment_score = 0.6  # normal priority
        case = triage(session, mention, quiet, now=night)
        assert case is not None
        late = negative(
            session,
            source,
            "m2",
            author="Олег",
            published=night - timedelta(hours=30),
            discovered=night,
        )
        triage(session, late, quiet, now=night)
        statuses = {d.event_key: d.status for d in session.exec(select(AlertDelivery))}
        assert statuses[f"case:{case.id}:opened"] == DeliveryStatus.held
        assert statuses[f"case:{late.case_id}:breached:first_reply"] == DeliveryStatus.pending

        morning = datetime(2026, 11, 21, 6, 5, tzinfo=UTC)  # 09:05 in Moscow
        assert maybe_digest(session, quiet, time(9), "Europe/Moscow", now=morning)
        assert not maybe_digest(session, quiet, time(9), "Europe/Moscow", now=morning)
        digest = session.exec(
            select(AlertDelivery).where(AlertDelivery.event_key == "digest:2026-11-21")
        ).one()
        assert digest.status == DeliveryStatus.pending
        assert digest.payload["open_cases"] == 2 and digest.payload["breached"] == 1
        # The late case is urgent: even its "opened" alert went out at night.
        assert [h["case_id"] for h in digest.payload["held"]] == [case.id]
        statuses = {d.event_key: d.status for d in session.exec(select(AlertDelivery))}
        assert statuses[f"case:{case.id}:opened"] == DeliveryStatus.digested


class RecordingPublisher:
    """A platform adapter that records what it posts (the real ones talk to platforms)."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, str]] = []

    def publish(self, mention: Mention, text: str) -> str | None:
        self.posted.append((mention.external_id, text))
        return f"https://platform.example/answers/{len(self.posted)}"


def test_a_platform_adapter_posts_and_its_url_is_kept(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        case = triage(session, negative(session, source), POLICY, now=PUBLISHED)
        assert case is not None
        reply = draft(session, case, ReplyStage.resolution, text="Исправили")
        publisher = RecordingPublisher()
        mark_posted(
            session, case, reply, url=None, publisher=publisher, now=PUBLISHED + timedelta(hours=1)
        )
        assert publisher.posted == [("m1", "Исправили")]
        assert reply.posted_url == "https://platform.example/answers/1"


def test_an_english_review_on_a_russian_feed_gets_the_english_template(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        mention, _ = upsert_mention(
            session,
            source,
            MentionData(
                external_id="en1",
                text="The courier was two hours late and the soup was cold",
                author="John",
                lang="ru",  # what the feed says for every item
                published_at=PUBLISHED,
            ),
            now=PUBLISHED,
        )
        mention.sentiment_label = "negative"
        case = triage(session, mention, POLICY, now=PUBLISHED)
        assert case is not None
        assert mention.lang == "en"
        reply = draft(session, case, ReplyStage.acknowledgement, now=PUBLISHED)
        template = session.get(ReplyTemplate, reply.template_id)
        assert template is not None and template.name == "default-acknowledgement-en"
        assert reply.text.startswith("John")
        short, _ = upsert_mention(
            session, source, MentionData(external_id="ok", text="ok", lang="ru"), now=PUBLISHED
        )
        assert short.lang == "ru"  # two letters say nothing: the source's language stays
