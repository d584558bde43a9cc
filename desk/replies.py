"""Replies: drafted from templates, optionally approved, then marked posted — in two stages."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel import Session, col, select

from core.errors import Conflict, Invalid, NotFound
from core.timeutil import utcnow
from desk.cases import default_resolution_due
from desk.templates import render, unfilled_placeholders
from desk.timeline import add_event
from models import (
    Brand,
    Case,
    CaseState,
    Mention,
    Reply,
    ReplyStage,
    ReplyStatus,
    ReplyTemplate,
    Sla,
)


class ReplyPublisher(Protocol):
    """Posts a reply on the mention's platform and returns its URL; manual for now."""

    def publish(self, mention: Mention, text: str) -> str | None: ...


def pick_template(
    session: Session, stage: ReplyStage, lang: str, brand_id: int, name: str | None = None
) -> ReplyTemplate:
    """A named template, else the brand's own for the stage and language, else the default."""
    if name is not None:
        template = session.exec(select(ReplyTemplate).where(ReplyTemplate.name == name)).first()
        if template is None:
            raise NotFound(f"template {name!r} not found")
        if template.stage != stage:
            raise Conflict(f"template {name!r} is for the {template.stage.value} stage")
        return template
    candidates = session.exec(
        select(ReplyTemplate).where(
            ReplyTemplate.stage == stage,
            col(ReplyTemplate.brand_id).in_([brand_id]) | col(ReplyTemplate.brand_id).is_(None),
        )
    ).all()
    ranked = sorted(
        candidates, key=lambda t: (t.brand_id is None, t.lang != lang, t.lang != "en", t.id)
    )
    if not ranked:
        raise NotFound(f"no {stage.value} template: create one first")
    return ranked[0]


def fill_template(
    session: Session,
    case: Case,
    stage: ReplyStage,
    template_name: str | None = None,
    *,
    promised_at: datetime | None = None,
    case_link: str | None = None,
) -> tuple[ReplyTemplate, str]:
    """The template a draft would use (named, or the brand's, or the default) and its text
    filled with the case's details: what the dashboard previews and `draft` stores."""
    mention = session.get(Mention, case.mention_id)
    brand = session.get(Brand, case.brand_id)
    assert mention is not None and brand is not None
    lang = (mention.lang or "ru")[:2]
    template = pick_template(session, stage, lang, brand.id or 0, template_name)
    promised = promised_at or case.resolution_due_at
    text = render(
        template.body,
        template.lang,
        author=mention.author,
        brand=brand.name,
        promised_date=promised.date().isoformat() if promised else None,
        case_link=case_link,
    )
    return template, text


def draft(
    session: Session,
    case: Case,
    stage: ReplyStage,
    *,
    text: str | None = None,
    template_name: str | None = None,
    promised_at: datetime | None = None,
    case_link: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
    another: bool = False,
) -> Reply:
    """A draft reply: the given text, or a template filled with the case's details.

    One unposted reply per stage: a second is refused (409) unless `another` is asked for,
    so a double click never makes two identical drafts.
    """
    now = now or utcnow()
    if case.state in (CaseState.closed, CaseState.dismissed):
        raise Conflict(f"case {case.id} is {case.state.value}")
    if stage is ReplyStage.acknowledgement and case.first_replied_at is not None:
        raise Conflict(f"case {case.id} already has its first reply")
    waiting = session.exec(
        select(Reply.id).where(
            Reply.case_id == case.id, Reply.stage == stage, Reply.status != ReplyStatus.posted
        )
    ).first()
    if waiting is not None and not another:
        raise Conflict(
            f"reply {waiting} is already waiting for this stage: edit it, or ask for another"
        )
    assert case.id is not None
    template_id = None
    if text is None:
        template, text = fill_template(
            session, case, stage, template_name, promised_at=promised_at, case_link=case_link
        )
        template_id = template.id
    reply = Reply(
        case_id=case.id,
        stage=stage,
        text=text,
        template_id=template_id,
        promised_at=promised_at,
        created_at=now,
        created_by=actor,
    )
    session.add(reply)
    session.flush()
    add_event(session, case, "reply_drafted", now, actor, reply_id=reply.id, stage=stage.value)
    return reply


def edit(
    session: Session,
    case: Case,
    reply: Reply,
    text: str,
    actor: str | None,
    now: datetime | None = None,
) -> Reply:
    """Change a draft's text (filling in its placeholders, say); posted replies stay as sent."""
    if reply.status is not ReplyStatus.draft:
        raise Conflict(f"reply {reply.id} is {reply.status.value}: only drafts can be edited")
    if not text.strip():
        raise Invalid("the reply text must not be empty", "text")
    now = now or utcnow()
    reply.text = text
    session.add(reply)
    add_event(session, case, "reply_edited", now, actor, reply_id=reply.id)
    return reply


def check_filled(reply: Reply) -> None:
    """A reply still holding a template's placeholders is not ready to go out."""
    left = unfilled_placeholders(reply.text)
    if left:
        raise Invalid(f"fill in the placeholders before it goes out: {', '.join(left)}", "text")


def check_postable(
    case: Case,
    reply: Reply,
    *,
    needs_followup: bool,
    posted_at: datetime | None = None,
    now: datetime,
) -> None:
    """Everything that must hold before a reply goes out (by hand or through a platform's
    API): checked first, so nothing is sent that the desk would then refuse to record."""
    if reply.status is ReplyStatus.posted:
        raise Conflict(f"reply {reply.id} is already posted")
    check_filled(reply)
    if posted_at is not None and not reply.created_at <= posted_at <= now:
        raise Invalid(
            f"posted_at must be between the draft ({reply.created_at.isoformat()}) and now",
            "posted_at",
        )
    if case.state in (CaseState.closed, CaseState.dismissed):
        raise Conflict(f"case {case.id} is {case.state.value}")
    if reply.stage is ReplyStage.acknowledgement:
        if needs_followup and reply.promised_at is None:
            raise Invalid(
                "promised_at is required when the fix takes time: say by when", "promised_at"
            )
        if case.first_replied_at is not None:
            raise Conflict(f"case {case.id} already has its first reply")


def approve(
    session: Session, case: Case, reply: Reply, actor: str | None, now: datetime | None = None
) -> Reply:
    if reply.status is not ReplyStatus.draft:
        raise Conflict(f"reply {reply.id} is {reply.status.value}, not a draft")
    check_filled(reply)
    now = now or utcnow()
    reply.status, reply.approved_at, reply.approved_by = ReplyStatus.approved, now, actor
    session.add(reply)
    add_event(session, case, "reply_approved", now, actor, reply_id=reply.id)
    return reply


def mark_posted(
    session: Session,
    case: Case,
    reply: Reply,
    *,
    url: str | None,
    needs_followup: bool = True,
    posted_at: datetime | None = None,
    actor: str | None = None,
    now: datetime | None = None,
    publisher: ReplyPublisher | None = None,
) -> Reply:
    """Record that a reply went out; this is what moves the case and its deadlines.

    With a `publisher` (a platform adapter) the reply is posted by it first, and the URL it
    returns is recorded; without one, a person posted it by hand and gives the URL.

    An acknowledgement meets the first-reply deadline and sets the resolution deadline to
    the promised date (required when the fix takes time, the brand's default otherwise);
    it never meets the resolution deadline. A resolution reply meets both.
    """
    now = now or utcnow()
    check_postable(case, reply, needs_followup=needs_followup, posted_at=posted_at, now=now)
    posted_at = posted_at or now
    brand = session.get(Brand, case.brand_id)
    assert brand is not None
    if publisher is not None:
        mention = session.get(Mention, case.mention_id)
        assert mention is not None
        url = publisher.publish(mention, reply.text) or url
    if reply.stage is ReplyStage.acknowledgement:
        if needs_followup:
            case.resolution_due_at = reply.promised_at or default_resolution_due(brand, posted_at)
            case.resolution_promised = reply.promised_at is not None
            case.resolution_sla = Sla.on_track
            case.state = CaseState.acknowledged
        else:  # answered and resolved in one reply: no second reply is owed
            case.resolved_at = case.resolution_due_at = posted_at
            case.resolution_sla = Sla.met
            case.state = CaseState.resolved
    else:
        case.resolved_at = posted_at
        if case.resolution_due_at is None:  # solved straight away, no promise was made
            case.resolution_due_at = posted_at
        case.resolution_sla = Sla.met if posted_at <= case.resolution_due_at else Sla.missed
        case.state = CaseState.resolved
    if case.first_replied_at is None:
        case.first_replied_at = posted_at
        case.first_reply_sla = Sla.met if posted_at <= case.first_reply_due_at else Sla.missed
    reply.status, reply.posted_at, reply.posted_url = ReplyStatus.posted, posted_at, url
    case.updated_at = now
    session.add_all([reply, case])
    add_event(
        session,
        case,
        "reply_posted",
        now,
        actor,
        reply_id=reply.id,
        stage=reply.stage.value,
        url=url,
        first_reply_sla=case.first_reply_sla.value,
        resolution_due_at=case.resolution_due_at.isoformat() if case.resolution_due_at else None,
    )
    return reply
