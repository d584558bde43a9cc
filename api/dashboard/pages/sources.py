"""Crawl status per source: the last run, its counts, blocked or failing; "crawl now"."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.dashboard.forms import FormText, field_problems
from api.dashboard.i18n import TEXTS, language
from api.dashboard.render import CsrfField, back, flash, render
from api.dashboard.session import check_csrf, signed_in
from api.deps import RowId, SessionDep
from core.errors import Conflict, NotFound
from models import SOURCE_KINDS, Role, SourceCreate, SourceUpdate, shown_options
from services.catalog import (
    create_source,
    get_brand,
    get_source,
    list_brands,
    request_crawl,
    sources_with_last_run,
    update_source,
)

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


class SourceForm:
    """The source form's fields as posted (all text), and what the models make of them."""

    def __init__(self, **fields: str) -> None:
        self.values: dict[str, Any] = fields

    def data(self) -> dict[str, Any]:
        """The form as a `SourceCreate` / `SourceUpdate` body; ValueError for bad JSON."""
        options = self.values.get("options", "").strip()
        try:
            parsed = json.loads(options) if options else {}
        except json.JSONDecodeError as exc:
            raise ValueError(f"options: not JSON ({exc.msg})") from exc
        if not isinstance(parsed, dict):
            raise ValueError('options: a JSON object, such as {"profile": "otzovik"}')
        body = {k: v.strip() for k, v in self.values.items() if k not in ("options", "enabled")}
        return {**body, "options": parsed, "enabled": bool(self.values.get("enabled"))}


def _form_page(
    request: Request,
    db: SessionDep,
    *,
    action: str,
    values: dict[str, Any],
    source: Any = None,
    problems: list[str] | None = None,
) -> Response:
    return render(
        request,
        "source_form.html",
        status_code=422 if problems else 200,
        action=action,
        values=values,
        source=source,
        problems=problems or [],
        kinds=SOURCE_KINDS,
        brands=[b.name for b in list_brands(db)],
    )


def source_form(
    name: FormText = "",
    kind: FormText = "",
    brand: FormText = "",
    url: FormText = "",
    schedule: FormText = "",
    timezone: FormText = "",
    options: FormText = "",
    enabled: FormText = "",
) -> SourceForm:
    """The posted source form, for adding and editing alike."""
    return SourceForm(
        name=name, kind=kind, brand=brand, url=url, schedule=schedule, timezone=timezone,
        options=options, enabled=enabled,
    )  # fmt: skip


SourceFormDep = Annotated[SourceForm, Depends(source_form)]


def _save(
    request: Request,
    db: SessionDep,
    form: SourceForm,
    action: str,
    save: Callable[[dict[str, Any]], Any],
    source: Any = None,
) -> Response:
    """Store the form (`save` validates and writes it); on success back to the sources,
    else the form again with what was typed and each problem, nothing half-saved."""
    try:
        saved = save(form.data())
    except ValidationError as exc:
        problems = field_problems(exc.errors())
    except (ValueError, Conflict, NotFound) as exc:
        problems = [str(exc)]
    else:
        flash(request, TEXTS[language(request)]["source_saved"].format(name=saved.name), "ok")
        return back("/dashboard/sources")
    db.rollback()
    return _form_page(
        request, db, action=action, values=form.values, source=source, problems=problems
    )


@router.get("/sources/new", response_class=HTMLResponse)
def new_source(request: Request, db: SessionDep) -> Response:
    signed_in(request, db, Role.admin)
    values = {"kind": "feed", "schedule": "1h", "timezone": "UTC", "enabled": True}
    return _form_page(request, db, action="/dashboard/sources/new", values=values)


@router.post("/sources/new", response_class=HTMLResponse)
def add_source(
    request: Request, db: SessionDep, form: SourceFormDep, csrf: CsrfField = None
) -> Response:
    signed_in(request, db, Role.admin)
    check_csrf(request, csrf)
    return _save(
        request,
        db,
        form,
        "/dashboard/sources/new",
        lambda data: create_source(db, SourceCreate.model_validate(data)),
    )


@router.get("/sources/{source_id}/edit", response_class=HTMLResponse)
def edit_source(source_id: RowId, request: Request, db: SessionDep) -> Response:
    signed_in(request, db, Role.admin)
    source = get_source(db, source_id)
    values = {
        **source.model_dump(include={"name", "kind", "url", "schedule", "timezone", "enabled"}),
        "brand": get_brand(db, source.brand_id).name,
        "options": json.dumps(shown_options(source.options), ensure_ascii=False)
        if source.options
        else "",
    }
    return _form_page(
        request, db, action=f"/dashboard/sources/{source_id}/edit", values=values, source=source
    )


@router.post("/sources/{source_id}/edit", response_class=HTMLResponse)
def save_source(
    source_id: RowId,
    request: Request,
    db: SessionDep,
    form: SourceFormDep,
    csrf: CsrfField = None,
) -> Response:
    signed_in(request, db, Role.admin)
    check_csrf(request, csrf)
    source = get_source(db, source_id)
    return _save(
        request,
        db,
        form,
        f"/dashboard/sources/{source_id}/edit",
        lambda data: update_source(db, source, SourceUpdate.model_validate(data)),
        source,
    )
