"""A person's label for a mention: it wins everywhere, the model's own stays beside it, and
the desk acts on it as on a label (a correction to negative opens a case as a new negative
does; away from negative, an untouched case is offered for dismissal "not negative")."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from core import cursors
from core.errors import NotFound
from core.timeutil import utcnow
from desk.alerts.policy import AlertPolicy
from desk.cases import dismiss
from desk.timeline import add_event
from desk.triage import triage
from models import (
    OPEN_STATES,
    Brand,
    Case,
    CaseState,
    CaseSuggestion,
    CorrectionPublic,
    LabelCorrection,
    Mention,
    Reply,
    Source,
)
from services.catalog import brand_by_name, source_by_name
from services.labelling import mention_text
from services.mention_store import withdraw_corrections

NOT_NEGATIVE = "not negative"
UNDONE = "label correction undone"
HUMAN_SCORE = 1.0  # a person's label is certain as far as the service is concerned


def in_force(session: Session, mention_id: int) -> LabelCorrection | None:
    return session.exec(
        select(LabelCorrection).where(
            LabelCorrection.mention_id == mention_id, col(LabelCorrection.withdrawn_at).is_(None)
        )
    ).first()


def _case_of(session: Session, mention: Mention) -> Case | None:
    return session.get(Case, mention.case_id) if mention.case_id is not None else None


def _untouched(session: Session, case: Case) -> bool:
    """Nobody has answered, drafted or taken it yet."""
    if case.state != CaseState.new or case.assignee:
        return False
    return session.exec(select(Reply.id).where(Reply.case_id == case.id)).first() is None


def correct_label(
    session: Session,
    mention: Mention,
    label: str,
    note: str | None,
    actor: str,
    policy: AlertPolicy,
    now: datetime | None = None,
) -> LabelCorrection:
    """Store a person's label for a mention (replacing one in force) and act on it."""
    assert mention.id is not None
    now = now or utcnow()
    withdraw_corrections(session, mention.id, actor, now)
    session.flush()  # the unique "one in force" index sees the withdrawal first
    correction = LabelCorrection(
        mention_id=mention.id,
        brand_id=mention.brand_id,
        label=label,  # type: ignore[arg-type]
        note=note,
        model_label=mention.model_label,
        model_score=mention.model_score,
        model=mention.sentiment_model,
        corrected_by=actor,
        created_at=now,
    )
    previous = mention.sentiment_label
    mention.human_label = mention.sentiment_label = label
    mention.sentiment_score = HUMAN_SCORE
    session.add(mention)
    case = _case_of(session, mention)
    if label == "negative" and (case is None or case.state not in OPEN_STATES):
        opened = triage(session, mention, policy, now)
        if opened is not None and opened.id != (case.id if case else None):
            correction.opened_case_id = opened.id
        case = opened or case
    if case is not None:
        add_event(
            session,
            case,
            "label_corrected",
            now,
            actor,
            mention_id=mention.id,
            label=label,
            previous=previous,
            model_label=mention.model_label,
            note=note,
        )
    session.add(correction)
    session.flush()
    return correction


def withdraw_label(
    session: Session, mention: Mention, actor: str, now: datetime | None = None
) -> None:
    """Undo: the model's label is in force again; a case the correction opened is dismissed
    again if nobody has touched it. NotFound when no correction is in force."""
    assert mention.id is not None
    now = now or utcnow()
    correction = in_force(session, mention.id)
    if correction is None:
        raise NotFound(f"mention {mention.id} has no label correction to undo")
    withdraw_corrections(session, mention.id, actor, now)
    mention.human_label = None
    mention.sentiment_label, mention.sentiment_score = mention.model_label, mention.model_score
    session.add(mention)
    case = _case_of(session, mention)
    if case is not None:
        add_event(
            session,
            case,
            "label_correction_undone",
            now,
            actor,
            mention_id=mention.id,
            label=mention.sentiment_label,
        )
        if case.id == correction.opened_case_id and _untouched(session, case):
            dismiss(session, case, UNDONE, actor, now)


def suggestion(session: Session, case: Case) -> CaseSuggestion | None:
    """Offer dismissal "not negative" when a person relabelled the case's own mention away
    from negative and nobody has worked on the case yet."""
    if not _untouched(session, case):
        return None
    mention = session.get(Mention, case.mention_id)
    if mention is None or mention.human_label in (None, "negative"):
        return None
    if case.reason != "negative":
        return None  # opened for its stars or a question: the label does not decide it
    correction = in_force(session, case.mention_id)
    by = correction.corrected_by if correction is not None else ""
    return CaseSuggestion(action="dismiss", reason=NOT_NEGATIVE, label=mention.human_label, by=by)


@dataclass
class CorrectionFilter:
    brand: str | None = None
    source: str | None = None
    label: str | None = None
    since: datetime | None = None  # corrected at or after
    until: datetime | None = None  # corrected before
    withdrawn: bool = False  # include withdrawn ones (history) too


def _query(session: Session, filters: CorrectionFilter):  # type: ignore[no-untyped-def]
    query = (
        select(LabelCorrection, Mention, Brand.name, Source.name)
        .join(Mention, col(Mention.id) == col(LabelCorrection.mention_id))
        .join(Brand, col(Brand.id) == col(LabelCorrection.brand_id))
        .join(Source, col(Source.id) == col(Mention.source_id))
    )
    if filters.brand is not None:
        query = query.where(LabelCorrection.brand_id == brand_by_name(session, filters.brand).id)
    if filters.source is not None:
        query = query.where(Mention.source_id == source_by_name(session, filters.source).id)
    if filters.label is not None:
        query = query.where(LabelCorrection.label == filters.label)
    if filters.since is not None:
        query = query.where(LabelCorrection.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(LabelCorrection.created_at < filters.until)
    if not filters.withdrawn:
        query = query.where(col(LabelCorrection.withdrawn_at).is_(None))
    return query


def _public(row: LabelCorrection, mention: Mention, brand: str, source: str) -> CorrectionPublic:
    assert row.id is not None
    return CorrectionPublic(
        id=row.id,
        mention_id=row.mention_id,
        brand=brand,
        source=source,
        text=mention_text(mention),
        lang=mention.lang,
        rating=mention.rating,
        label=row.label,
        model_label=row.model_label,
        model_score=row.model_score,
        model=row.model,
        note=row.note,
        corrected_by=row.corrected_by,
        corrected_at=row.created_at,
        withdrawn_at=row.withdrawn_at,
    )


def list_corrections(
    session: Session, filters: CorrectionFilter, cursor: str | None = None, limit: int = 100
) -> tuple[list[CorrectionPublic], str | None]:
    """Newest first; `cursor` is the previous page's `next_cursor`."""
    query = _query(session, filters)
    if cursor is not None:
        query = query.where(col(LabelCorrection.id) < cursors.read_plain_id(cursor))
    rows = list(session.exec(query.order_by(col(LabelCorrection.id).desc()).limit(limit + 1)))
    items = [_public(*row) for row in rows[:limit]]
    next_cursor = str(items[-1].id) if len(rows) > limit else None
    return items, next_cursor


def iter_corrections(
    session: Session, filters: CorrectionFilter, chunk: int = 500
) -> Iterator[CorrectionPublic]:
    """Every matching correction, oldest first, read in chunks (for exports of any size).

    The filter's brand and source are looked up now, not at the first row: an unknown name
    is NotFound before an export has written its header.
    """
    return _in_chunks(session, _query(session, filters), chunk)


def _in_chunks(session: Session, query: Any, chunk: int) -> Iterator[CorrectionPublic]:
    last = 0
    while True:
        page = query.where(col(LabelCorrection.id) > last).order_by(col(LabelCorrection.id))
        rows = list(session.exec(page.limit(chunk)))
        for row in rows:
            yield _public(*row)
        if len(rows) < chunk:
            return
        last = rows[-1][0].id or last


# Export columns: `text,label` first, so the file is a training set as it stands
# (`svetofor train --corrections FILE`, `svetofor eval FILE`).
EXPORT_COLUMNS = [
    "text", "label", "model_label", "model_score", "model", "mention_id", "brand", "source",
    "lang", "rating", "note", "corrected_by", "corrected_at", "withdrawn_at", "id",
]  # fmt: skip


def export_row(correction: CorrectionPublic) -> dict[str, object]:
    """One correction as a flat, JSON-ready row in `EXPORT_COLUMNS` order."""
    data = correction.model_dump(mode="json")
    return {name: data[name] for name in EXPORT_COLUMNS}
