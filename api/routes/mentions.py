"""Mentions: filtered keyset listing, one mention with its revisions, and ingestion."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response, status

from api.auth import AnyRole, CurrentKey, SmmRole, actor_name
from api.deps import PolicyDep, RowId, SessionDep, SettingsDep
from api.query_times import query_time
from desk.corrections import correct_label, withdraw_label
from models import (
    LabelCorrectionCreate,
    MentionIngest,
    MentionPage,
    MentionPublic,
    MentionRevisionPublic,
    SentimentLabel,
)
from services import catalog, mention_queries, mention_store
from services.mention_queries import MentionFilter
from services.mention_store import MentionData, Outcome

router = APIRouter(prefix="/mentions", tags=["mentions"])


@router.get("", response_model=MentionPage, dependencies=[AnyRole])
def list_mentions(
    session: SessionDep,
    settings: SettingsDep,
    brand: str | None = None,
    source: str | None = None,
    sentiment: SentimentLabel | None = None,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    q: Annotated[str | None, Query(max_length=200)] = None,
    uncertain: bool | None = None,
    rating: Annotated[int | None, Query(ge=1, le=5)] = None,
) -> MentionPage:
    """Newest first (by publication time, or discovery when unknown); follow `next_cursor`.

    `q`: full-text search, every word in any inflected form ("курьера" finds "курьер"),
    through the database's own index.
    """
    filters = MentionFilter(
        brand=brand,
        source=source,
        sentiment=sentiment.value if sentiment else None,
        since=query_time(since, settings.timezone, "from"),
        until=query_time(until, settings.timezone, "to"),
        q=q,
        uncertain=uncertain,
        rating=rating,
    )
    rows, next_cursor = mention_queries.list_mentions(
        session, filters=filters, cursor=cursor, limit=limit
    )
    items = [mention_queries.mention_public(m, b, s) for m, b, s in rows]
    return MentionPage(items=items, next_cursor=next_cursor)


@router.get("/{mention_id}", response_model=MentionPublic, dependencies=[AnyRole])
def read_mention(mention_id: RowId, session: SessionDep) -> MentionPublic:
    return mention_queries.mention_public(*mention_queries.get_mention(session, mention_id))


@router.get(
    "/{mention_id}/revisions", response_model=list[MentionRevisionPublic], dependencies=[AnyRole]
)
def read_revisions(mention_id: RowId, session: SessionDep) -> list[MentionRevisionPublic]:
    """Earlier versions of an edited mention, oldest first."""
    mention_queries.get_mention(session, mention_id)
    return [
        MentionRevisionPublic.model_validate(r)
        for r in mention_queries.revisions(session, mention_id)
    ]


@router.post(
    "",
    response_model=MentionPublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "model": MentionPublic,
            "description": "Already stored: updated in place or unchanged",
        }
    },
    dependencies=[SmmRole],
)
def ingest_mention(
    body: MentionIngest,
    session: SessionDep,
    request: Request,
    response: Response,
    after: BackgroundTasks,
) -> MentionPublic:
    """Store a mention from an integration; the same (source, external_id) is one mention.

    201 when new, 200 when it was already stored; `X-Svetofor-Outcome` says
    `created`, `updated` (content changed: previous version kept) or `unchanged`.
    """
    source = catalog.source_by_name(session, body.source)
    data = MentionData(**body.model_dump(exclude={"source"}))
    mention, outcome = mention_store.upsert_mention(session, source, data)
    if outcome is not Outcome.unchanged:  # after the commit: a worker must find it stored
        after.add_task(request.app.state.labelling_nudge)
    if outcome is not Outcome.created:
        response.status_code = status.HTTP_200_OK
    response.headers["X-Svetofor-Outcome"] = outcome.value
    return mention_queries.mention_public(*mention_queries.get_mention(session, mention.id))  # type: ignore[arg-type]


@router.put("/{mention_id}/label", response_model=MentionPublic, dependencies=[AnyRole])
def correct_mention_label(
    mention_id: RowId,
    body: LabelCorrectionCreate,
    session: SessionDep,
    key: CurrentKey,
    policy: PolicyDep,
) -> MentionPublic:
    """A person's label for the mention: it wins in the traffic light, analytics, exports and
    the queue, and no model re-labelling overrides it (`sentiment.model_label` keeps the
    model's answer). To negative it opens a case as a new negative does; away from negative,
    an untouched case is offered for dismissal "not negative" (`GET /cases/{id}`,
    `suggestion`)."""
    mention, _, _ = mention_queries.get_mention(session, mention_id)
    correct_label(session, mention, body.label.value, body.note, actor_name(key), policy)
    return mention_queries.mention_public(*mention_queries.get_mention(session, mention_id))


@router.delete("/{mention_id}/label", response_model=MentionPublic, dependencies=[AnyRole])
def undo_label_correction(mention_id: RowId, session: SessionDep, key: CurrentKey) -> MentionPublic:
    """Undo the correction in force: the model's label counts again (404 when there is
    none); a case the correction opened is dismissed again if nobody has touched it."""
    mention, _, _ = mention_queries.get_mention(session, mention_id)
    withdraw_label(session, mention, actor_name(key))
    return mention_queries.mention_public(*mention_queries.get_mention(session, mention_id))
