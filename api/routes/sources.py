"""Sources: list, create, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.auth import AdminRole, AnyRole, SmmRole
from api.deps import RowId, SessionDep
from models import SourceCreate, SourcePublic, SourceUpdate
from services import catalog

router = APIRouter(prefix="/sources", tags=["sources"])


def _public(session: SessionDep, source_id: RowId) -> SourcePublic:
    source = catalog.get_source(session, source_id)
    return catalog.source_public(source, catalog.get_brand(session, source.brand_id).name)


@router.get("", response_model=list[SourcePublic], dependencies=[AnyRole])
def list_sources(session: SessionDep, brand: str | None = None) -> list[SourcePublic]:
    return [catalog.source_public(s, b) for s, b in catalog.list_sources(session, brand=brand)]


@router.post(
    "", response_model=SourcePublic, status_code=status.HTTP_201_CREATED, dependencies=[AdminRole]
)
def create_source(body: SourceCreate, session: SessionDep) -> SourcePublic:
    return catalog.source_public(catalog.create_source(session, body), body.brand)


@router.get("/{source_id}", response_model=SourcePublic, dependencies=[AnyRole])
def read_source(source_id: RowId, session: SessionDep) -> SourcePublic:
    return _public(session, source_id)


@router.post(
    "/{source_id}/crawl",
    response_model=SourcePublic,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[SmmRole],
)
def crawl_now(source_id: RowId, session: SessionDep) -> SourcePublic:
    """Crawl the source on the scheduler's next tick (seconds), whatever its schedule;
    `crawl_requested_at` says when it was asked; 409 for a disabled source."""
    catalog.request_crawl(session, catalog.get_source(session, source_id))
    return _public(session, source_id)


@router.patch("/{source_id}", response_model=SourcePublic, dependencies=[AdminRole])
def update_source(source_id: RowId, body: SourceUpdate, session: SessionDep) -> SourcePublic:
    catalog.update_source(session, catalog.get_source(session, source_id), body)
    return _public(session, source_id)


@router.delete(
    "/{source_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    dependencies=[AdminRole],
)
def delete_source(source_id: RowId, session: SessionDep) -> None:
    catalog.delete_source(session, catalog.get_source(session, source_id))
