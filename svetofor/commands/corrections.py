"""`svetofor corrections export`: the team's label corrections as a training file."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum

import typer

from core.csv_cells import guard_row
from core.db import check_connection, session_scope
from core.errors import NotFound
from desk.corrections import EXPORT_COLUMNS, CorrectionFilter, export_row, iter_corrections
from svetofor.context import engine_for, fail, load_settings, user_errors
from svetofor.progress import Counted, Reporter

app = typer.Typer(help="The team's label corrections.", no_args_is_help=True)


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


@app.command("export")
def export(
    brand: str | None = typer.Option(None, help="only this brand's corrections"),
    format: ExportFormat = typer.Option(ExportFormat.csv, "--format", help="csv or jsonl"),
    withdrawn: bool = typer.Option(False, help="include undone and replaced corrections"),
    output: typer.FileTextWrite = typer.Option("-", "--output", "-o", help="file; - for stdout"),
) -> None:
    """Write corrections in force, oldest first, `text,label` first: the CSV trains a model
    as it is (`svetofor train --corrections FILE`) and `svetofor eval FILE` scores one."""
    engine = engine_for(load_settings())
    with user_errors():
        check_connection(engine)
        try:
            with session_scope(engine) as session, Reporter("exporting") as report:
                found = iter_corrections(
                    session, CorrectionFilter(brand=brand, withdrawn=withdrawn)
                )
                rows = Counted((export_row(c) for c in found), report, "corrections")
                if format is ExportFormat.csv:
                    writer = csv.DictWriter(output, fieldnames=EXPORT_COLUMNS)
                    writer.writeheader()
                    writer.writerows(guard_row(row) for row in rows)
                else:
                    for row in rows:
                        output.write(json.dumps(row, ensure_ascii=False) + "\n")
                rows.done()
        except NotFound as exc:
            fail(str(exc))
        except BrokenPipeError:  # `svetofor corrections export | head`
            sys.stderr.close()
