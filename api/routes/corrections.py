"""The team's label corrections, as JSON pages or as a whole file (CSV or JSON lines)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.auth import AnyRole
from api.deps import SessionDep, SettingsDep
from api.query_times import query_time
from api.routes.analytics import content_disposition
from core.csv_cells import guard_row
from desk.corrections import (
    EXPORT_COLUMNS,
    CorrectionFilter,
    export_row,
    iter_corrections,
    list_corrections,
)
from models import CorrectionPage, SentimentLabel

router = APIRouter(prefix="/corrections", tags=["corrections"])

FILE_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {}, "application/x-ndjson": {}},
        "description": "A page of JSON, or every match as CSV / JSON lines with `format`",
    }
}


def _csv_text(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens Cyrillic text as such
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(guard_row(row) for row in rows)
    return out.getvalue()


@router.get("", response_model=CorrectionPage, responses=FILE_ANSWER, dependencies=[AnyRole])
def read_corrections(
    session: SessionDep,
    settings: SettingsDep,
    brand: str | None = None,
    source: str | None = None,
    label: SentimentLabel | None = None,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
    withdrawn: bool = False,
    format: Annotated[str, Query(pattern="^(json|csv|jsonl)$")] = "json",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Corrections in force, newest first (`withdrawn=true` adds undone and replaced ones);
    `from` and `to` without an offset are read in the display time zone.

    `format=csv` or `jsonl` streams every match oldest first, `text,label` first: the file
    trains a model as it stands (`svetofor train --corrections FILE`).
    """
    filters = CorrectionFilter(
        brand=brand,
        source=source,
        label=label.value if label else None,
        since=query_time(since, settings.timezone, "from"),
        until=query_time(until, settings.timezone, "to"),
        withdrawn=withdrawn,
    )
    if format == "json":
        items, next_cursor = list_corrections(session, filters, cursor, limit)
        return CorrectionPage(items=items, next_cursor=next_cursor)
    # read while the request's session is open; corrections are people's work: thousands
    rows = [export_row(c) for c in iter_corrections(session, filters)]
    if format == "csv":
        body, media = _csv_text(rows), "text/csv; charset=utf-8"
    else:
        body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        media = "application/x-ndjson"
    name = f"corrections-{brand or 'all'}.{format}"
    return Response(
        body, media_type=media, headers={"Content-Disposition": content_disposition(name)}
    )
