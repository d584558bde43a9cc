"""A reply the team posted on the platform by hand, seen by the crawler as the review's owner
reply, moves the case as a reply posted through Svetofor would: the first one answers the
first stage, a new text after it the resolution, each with the platform's time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from desk.alerts.policy import AlertPolicy
from desk.owner_replies import PLATFORM, notice_owner_replies
from desk.replies import draft, mark_posted
from desk.triage import triage
from models import Case, CaseEvent, CaseState, Mention, Reply, ReplyStage, Sla
from services.mention_store import MentionData, upsert_mention
from tests.utils.factories import make_brand, make_source

PUBLISHED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def review(session: Session, source, reply: str | None = None, reply_at: str | None = None):
    mention, _ = upsert_mention(
        session,
        source,
        MentionData(
            external_id="g1",
            text="Ждали столик сорок минут, официант нагрубил",
            rating=1,
            published_at=PUBLISHED,
            url="https://maps.example/review/g1",
            business_reply=reply,
            raw={"reply_at": reply_at} if reply_at else {},
        ),
        now=PUBLISHED + timedelta(minutes=30),
    )
    mention.sentiment_label, mention.sentiment_score = "negative", 0.95
    return mention


@contextmanager
def opened(engine: Engine) -> Iterator[tuple[Session, Case, object]]:
    """A session with a case open on a one-star review; closed after the test (on PostgreSQL
    an open one would hold its locks over the next test's clean-up)."""
    with Session(engine) as session:
        source = make_source(session, make_brand(session), kind="google_maps")
        mention = review(session, source)
        case = triage(session, mention, AlertPolicy(), now=PUBLISHED + timedelta(minutes=31))
        assert case is not None
        session.commit()
        yield session, case, source


def test_the_first_owner_reply_is_the_first_reply_at_the_platforms_time(engine: Engine) -> None:
    with opened(engine) as (session, case, source):
        review(session, source, "Анна, простите нас! Разберёмся.", "2026-11-20T12:15:00+00:00")
        session.commit()
        assert notice_owner_replies(session, now=PUBLISHED + timedelta(hours=5)) == 1
        session.commit()
        session.refresh(case)
        assert case.state is CaseState.acknowledged
        assert case.first_replied_at == datetime(2026, 11, 20, 12, 15, tzinfo=UTC)
        assert case.first_reply_sla is Sla.met
        # the platform reply promised no date: the brand's default deadline for the fix
        assert case.resolution_due_at == case.first_replied_at + timedelta(
            days=3
        )  # resolution_days
        assert not case.resolution_promised
        [reply] = session.exec(select(Reply).where(Reply.case_id == case.id)).all()
        assert (reply.stage, reply.created_by, reply.posted_url) == (
            ReplyStage.acknowledgement,
            PLATFORM,
            "https://maps.example/review/g1",
        )
        # seen again on the next crawl: counted once
        assert notice_owner_replies(session, now=PUBLISHED + timedelta(hours=6)) == 0


def test_a_new_owner_text_after_the_first_reply_is_the_resolution(engine: Engine) -> None:
    with opened(engine) as (session, case, source):
        acknowledgement = draft(
            session,
            case,
            ReplyStage.acknowledgement,
            text="Разбираемся",
            promised_at=PUBLISHED + timedelta(days=2),
        )
        mark_posted(session, case, acknowledgement, url=None, now=PUBLISHED + timedelta(hours=1))
        session.commit()
        # the team pasted the same text on the platform: nothing new
        review(session, source, "Разбираемся")
        assert notice_owner_replies(session, now=PUBLISHED + timedelta(hours=2)) == 0
        # later they edit the platform reply: that is the resolution
        review(session, source, "Поговорили с администратором, столик для вас — за наш счёт.")
        session.commit()
        assert notice_owner_replies(session, now=PUBLISHED + timedelta(days=1)) == 1
        session.commit()
        session.refresh(case)
        assert case.state is CaseState.resolved
        assert case.resolved_at == PUBLISHED + timedelta(days=1)  # no platform time: when seen
        assert case.resolution_sla is Sla.met
        stages = session.exec(
            select(Reply.stage).where(Reply.case_id == case.id).order_by(col(Reply.id))
        ).all()
        assert stages == [ReplyStage.acknowledgement, ReplyStage.resolution]
        posted = session.exec(
            select(CaseEvent.actor).where(
                CaseEvent.case_id == case.id, CaseEvent.kind == "reply_posted"
            )
        ).all()
        assert posted == [None, PLATFORM]


def test_a_reply_on_a_review_without_an_open_case_changes_nothing(engine: Engine) -> None:
    with Session(engine) as session:
        source = make_source(session, make_brand(session))
        mention = review(session, source, "Спасибо за отзыв!")
        mention.sentiment_label = "positive"
        session.commit()
        assert notice_owner_replies(session) == 0
        assert session.exec(select(Reply)).all() == []
        assert session.exec(select(Mention.case_id)).one() is None


def test_a_review_re_rated_after_our_reply_shows_on_its_case_and_in_the_kpis(
    engine: Engine, client: object
) -> None:
    from analytics.kpis import rating_after_reply, response_kpis
    from tests.utils.dashboard import signed_in

    with opened(engine) as (session, case, source):
        review(session, source, "Простите нас! Столик для вас — за наш счёт.")
        session.commit()
        notice_owner_replies(session, now=PUBLISHED + timedelta(hours=3))
        session.commit()
        assert rating_after_reply(session, case) is None  # not re-rated yet
        # the author comes back and changes 1 star to 4 (a re-crawl stores the new version)
        upsert_mention(
            session,
            source,
            MentionData(
                external_id="g1",
                text="Ждали столик сорок минут, официант нагрубил. Но извинились и всё исправили!",
                rating=4,
                published_at=PUBLISHED,
                business_reply="Простите нас! Столик для вас — за наш счёт.",
            ),
            now=PUBLISHED + timedelta(days=1),
        )
        session.commit()
        session.refresh(case)
        assert rating_after_reply(session, case) == (1, 4)
        kpis = response_kpis(
            session,
            brand_id=case.brand_id,
            since=PUBLISHED - timedelta(days=1),
            until=PUBLISHED + timedelta(days=2),
        )
        assert (kpis["reviews_rerated_after_reply"], kpis["reviews_improved_after_reply"]) == (1, 1)
        page = signed_in(client, engine).get(f"/dashboard/cases/{case.id}").text
        assert "Оценка 1 → 4 после нашего ответа" in page
