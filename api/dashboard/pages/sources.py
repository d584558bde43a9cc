"""Crawl status per source: the last run, its counts, blocked or failing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.dashboard.render import render
from api.dashboard.session import signed_in
from api.deps import SessionDep
from models import Role
from services.catalog import sources_with_last_run

router = APIRouter()


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request, db: SessionDep) -> Response:
    signed_in(request, db, Role.smm, Role.marketer)
    rows = sources_with_last_run(db)
    return render(request, "sources.html", rows=rows)
