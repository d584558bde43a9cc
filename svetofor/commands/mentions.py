"""`svetofor mentions export`: one mention per line, JSON lines or CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from enum import StrEnum
from typing import Any, TextIO

import typer
from sqlalchemy.engine import Engine

from core.csv_cells import guard_row
from core.db import check_connection, session_scope
from core.errors import NotFound
from services.mention_queries import MentionFilter, list_mentions, mention_public
from svetofor.context import engine_for, fail, load_settings, user_errors
from svetofor.progress import Counted, Reporter

app = typer.Typer(help="Stored mentions.", no_args_is_help=True)

CSV_COLUMNS = [
    "id", "brand", "source", "external_id", "url", "author", "author_url", "title", "text",
    "rating", "lang", "published_at", "published_precision", "discovered_at",
    "sentiment_label", "sentiment_score", "sentiment_model", "sentiment_source",
    "sentiment_model_label", "case_id",
]  # fmt: skip


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def iter_mentions(engine: Engine, filters: MentionFilter) -> Iterator[dict[str, Any]]:
    """Every matching mention as its public JSON shape, page by page."""
    cursor = None
    while True:
        with session_scope(engine) as session:
            rows, cursor = list_mentions(session, filters=filters, cursor=cursor, limit=500)
            page = [mention_public(*row).model_dump(mode="json") for row in rows]
        yield from page
        if cursor is None:
            return


def _write_csv(rows: Iterator[dict[str, Any]], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        sentiment = row.pop("sentiment") or {}
        row.update({f"sentiment_{k}": v for k, v in sentiment.items()})
        writer.writerow(guard_row(row))


@app.command("export")
def export(
    brand: str | None = typer.Option(None, help="only this brand's mentions"),
    source: str | None = typer.Option(None, help="only this source's mentions"),
    format: ExportFormat = typer.Option(ExportFormat.jsonl, "--format", help="jsonl or csv"),
    output: typer.FileTextWrite = typer.Option("-", "--output", "-o", help="file; - for stdout"),
) -> None:
    """Write mentions newest first, one per line."""
    engine = engine_for(load_settings())
    with user_errors():
        check_connection(engine)
        try:
            with Reporter("exporting") as report:
                rows = Counted(
                    iter_mentions(engine, MentionFilter(brand=brand, source=source)),
                    report,
                    "mentions",
                )
                if format is ExportFormat.csv:
                    _write_csv(rows, output)
                else:
                    for row in rows:
                        output.write(json.dumps(row, ensure_ascii=False) + "\n")
                rows.done()
        except NotFound as exc:
            fail(str(exc))
        except BrokenPipeError:  # `svetofor mentions export | head`
            sys.stderr.close()
