"""The demo review site and feed (HTML and RSS, no API key, not in the OpenAPI schema)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api.demo import pages

router = APIRouter(prefix="/demo", include_in_schema=False)
templates = Jinja2Templates(directory=Path(pages.__file__).with_name("templates"))


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    anchor = request.app.state.started_at
    context = {
        "reviews": pages.reviews(anchor),
        "feed": pages.feed(anchor),
        "pages": pages.page_count(),
    }
    return templates.TemplateResponse(request, "index.html", context)


@router.get("/reviews", response_class=HTMLResponse)
def reviews(request: Request, page: Annotated[int, Query(ge=1)] = 1) -> Response:
    if page > pages.page_count():
        raise HTTPException(404, f"page {page} does not exist")
    start = (page - 1) * pages.REVIEWS_PER_PAGE
    shown = pages.reviews(request.app.state.started_at)[start : start + pages.REVIEWS_PER_PAGE]
    context = {"reviews": shown, "page": page, "pages": pages.page_count()}
    return templates.TemplateResponse(request, "reviews.html", context)


@router.get("/feed.xml")
def feed(request: Request) -> Response:
    base_url = str(request.base_url).rstrip("/")
    context = {"feed": pages.feed(request.app.state.started_at), "base_url": base_url}
    return templates.TemplateResponse(
        request, "feed.xml", context, media_type="application/rss+xml; charset=utf-8"
    )
