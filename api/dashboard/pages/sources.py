"""Crawl status per source: the last run, its counts, blocked or failing; "crawl now"."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.dashboard.i18n import TEXTS, language
from api.dashboard.render import CsrfField, back, flash, render
from api.dashboard.session import check_csrf, signed_in
from api.deps import RowId, SessionDep
from core.errors import Conflict
from models import Role
from services.catalog import get_source, request_crawl, sources_with_last_run

router = APIRouter()


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request, db: SessionDep) -> Response:
    signed_in(request, db, Role.smm, Role.marketer)
    rows = sources_with_last_run(db)
    waiting = {
        source.id
        for source, _, run in rows
        if source.crawl_requested_at is not None
        and (run is None or run.started_at < source.crawl_requested_at)
    }
    return render(request, "sources.html", rows=rows, waiting=waiting)


@router.post("/sources/{source_id}/crawl")
def crawl_now(
    source_id: RowId, request: Request, db: SessionDep, csrf: CsrfField = None
) -> Response:
    signed_in(request, db, Role.smm)
    check_csrf(request, csrf)
    source = get_source(db, source_id)
    try:
        request_crawl(db, source)
        flash(request, TEXTS[language(request)]["crawl_requested"].format(name=source.name), "ok")
    except Conflict as exc:
        flash(request, str(exc))
    return back("/dashboard/sources")
