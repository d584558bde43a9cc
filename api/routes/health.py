"""Liveness and database readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlmodel import Session

from api.deps import EngineDep
from core.db import DatabaseUnavailable, check_connection, current_revision, head_revision
from services.label_store import labelling_backlog
from services.labelling import MODEL_STATUS

router = APIRouter(tags=["health"])


class Labelling(BaseModel):
    unlabelled: int = Field(description="mentions waiting for a label")
    set_aside: int = Field(description="mentions that failed too often and wait for a person")
    set_aside_examples: list[dict[str, Any]]
    model_loaded: bool = Field(description="this process's labelling worker has its model")
    model_error: str | None = Field(description="why the model could not be loaded")


class Health(BaseModel):
    status: str
    database: str
    schema_revision: str | None
    schema_head: str | None
    labelling: Labelling | None = None


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
def healthz(engine: EngineDep) -> Health | JSONResponse:
    """`ok` when the database answers and its schema is at the migrations' head; `labelling`
    says what waits for a label, what was set aside, and whether the model loaded."""
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
    with Session(engine) as session:
        backlog = labelling_backlog(session)
    health.labelling = Labelling(
        **backlog, model_loaded=MODEL_STATUS["loaded"], model_error=MODEL_STATUS["error"]
    )
    return health
