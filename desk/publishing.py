"""Posting an approved reply through the platform's API, then moving the case exactly as
marking it posted does. What can be checked before sending is (the case's state, the promised
date, the platform's length limit): nothing goes out that the desk would then refuse."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from core.errors import Conflict, Invalid
from core.timeutil import utcnow
from desk.publishers import PublishError, publisher_for
from desk.replies import check_postable, mark_posted
from desk.timeline import add_event
from models import Case, Mention, Reply, Source

ATTEMPTS = 3  # a retryable refusal (a rate limit, a 503) is tried this often in all
MAX_PAUSE = 5.0  # seconds between tries at most, whatever the platform asks


@dataclass
class PublishOutcome:
    reply: Reply
    error: str | None = None  # the platform's words when it did not go out


def publish_reply(
    session: Session,
    case: Case,
    reply: Reply,
    *,
    needs_followup: bool = True,
    actor: str | None = None,
    now: datetime | None = None,
    pause: Callable[[float], None] = time.sleep,
) -> PublishOutcome:
    """Send the reply's text with the source's adapter; on success store the platform's id
    and URL and move the case (`mark_posted`); on a refusal keep the reply as it was, with
    the platform's message (`publish_error`) and a timeline event."""
    now = now or utcnow()
    check_postable(case, reply, needs_followup=needs_followup, now=now)
    mention = session.get(Mention, case.mention_id)
    assert mention is not None
    source = session.get(Source, mention.source_id)
    assert source is not None
    publisher = publisher_for(source)
    if publisher is None:
        raise Conflict(
            f"source {source.name!r} ({source.kind}) has no reply API set up here: post the "
            "reply on the platform by hand, then mark it posted"
        )
    if publisher.max_length is not None and len(reply.text) > publisher.max_length:
        raise Invalid(
            f"{publisher.platform} allows {publisher.max_length} characters in a reply; this "
            f"one has {len(reply.text)}",
            "text",
        )
    for attempt in range(1, ATTEMPTS + 1):
        try:
            published = publisher.publish(mention, reply.text)
            break
        except PublishError as exc:
            if exc.retryable and attempt < ATTEMPTS:
                pause(min(exc.wait, MAX_PAUSE) * attempt)
                continue
            reply.publish_error = str(exc)
            session.add(reply)
            add_event(
                session, case, "publish_failed", now, actor, reply_id=reply.id, error=str(exc)
            )
            return PublishOutcome(reply, str(exc))
    reply.platform_reply_id, reply.publish_error = published.platform_id, None
    mark_posted(
        session,
        case,
        reply,
        url=published.url,
        needs_followup=needs_followup,
        actor=actor,
        now=now,
    )
    return PublishOutcome(reply)
