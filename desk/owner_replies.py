"""Replies the team posted on the platform itself, noticed by the crawler.

A review's owner reply (Google Maps' response, a Play Store developer reply, an otzovik
official answer…) is stored as the mention's `business_reply`. When a case waits for a reply,
that text satisfies the stage it answers: the first reply when none was posted, the resolution
when it follows an acknowledgement (the platform keeps one owner reply per review, so a new
text there is the follow-up). The time is the platform's where the source gives it
(`raw.reply_at`), else the moment the crawler saw it. Each text counts once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from core.timeutil import utcnow
from desk.cases import default_resolution_due
from desk.replies import mark_posted
from models import Brand, Case, CaseState, Mention, Reply, ReplyStage, ReplyStatus

PLATFORM = "platform"  # who a reply noticed on the platform is recorded as


def _platform_time(mention: Mention, earliest: datetime, now: datetime) -> datetime:
    raw = (mention.raw or {}).get("reply_at")
    try:
        moment = datetime.fromisoformat(str(raw)) if raw else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        return now
    return min(max(moment, earliest), now)  # never before the review, never in the future


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def notice_owner_reply(
    session: Session, case: Case, mention: Mention, now: datetime | None = None
) -> Reply | None:
    """Record the mention's owner reply on its case if it answers a stage still owed."""
    now = now or utcnow()
    text = (mention.business_reply or "").strip()
    if not text or case.state not in (CaseState.new, CaseState.acknowledged):
        return None
    posted = session.exec(
        select(Reply.text).where(Reply.case_id == case.id, Reply.status == ReplyStatus.posted)
    ).all()
    if any(_same(text, earlier) for earlier in posted):
        return None  # already counted (or the team's own reply, pasted on the platform)
    first = case.first_replied_at is None
    stage = ReplyStage.acknowledgement if first else ReplyStage.resolution
    at = _platform_time(mention, mention.published_at or case.opened_at, now)
    if not first and case.first_replied_at is not None and at < case.first_replied_at:
        at = now  # a platform clock behind ours must not predate the first reply
    brand = session.get(Brand, case.brand_id)
    assert brand is not None and case.id is not None
    reply = Reply(
        case_id=case.id,
        stage=stage,
        text=text,
        created_at=at,
        created_by=PLATFORM,
        # the platform reply promised no date: the brand's default deadline for the fix
        promised_at=default_resolution_due(brand, at) if first else None,
    )
    session.add(reply)
    session.flush()
    mark_posted(session, case, reply, url=mention.url, posted_at=at, actor=PLATFORM, now=now)
    if first:
        case.resolution_promised = False
        session.add(case)
    return reply


def notice_owner_replies(session: Session, now: datetime | None = None) -> int:
    """Every open case whose mention carries an owner reply (the desk tick runs this)."""
    now = now or utcnow()
    rows = session.exec(
        select(Case, Mention)
        .join(Mention, col(Mention.id) == col(Case.mention_id))
        .where(
            col(Case.state).in_([CaseState.new, CaseState.acknowledged]),
            col(Mention.business_reply).is_not(None),
        )
        .order_by(col(Case.id))
    ).all()
    noticed = [notice_owner_reply(session, case, mention, now) for case, mention in rows]
    return sum(reply is not None for reply in noticed)
