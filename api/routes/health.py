"""Liveness and database readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import EngineDep
from core.db import DatabaseUnavailable, check_connection, current_revision, head_revision

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str
    schema_revision: str | None
    schema_head: str | None


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(engine: EngineDep) -> Health | JSONResponse:
    """`ok` when the database answers and its schema is at the migrations' head."""
    head = head_revision()
    try:
        check_connection(engine)
        revision = current_revision(engine)
    except DatabaseUnavailable as exc:
        body = Health(
            status="unavailable", database=str(exc), schema_revision=None, schema_head=head
        )
        return JSONResponse(status_code=503, content=body.model_dump())
    status = "ok" if revision == head else "migrations pending"
    health = Health(status=status, database="ok", schema_revision=revision, schema_head=head)
    if revision != head:
        return JSONResponse(status_code=503, content=health.model_dump())
    return health
