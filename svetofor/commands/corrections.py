"""`svetofor corrections export`: the team's label corrections as a training file."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum

import typer

from core.db import check_connection, session_scope
from core.errors import NotFound
from desk.corrections import EXPORT_COLUMNS, CorrectionFilter, export_row, iter_corrections
from svetofor.context import engine_for, fail, load_settings, user_errors
from svetofor.progress import Reporter

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
                rows = iter_corrections(session, CorrectionFilter(brand=brand, withdrawn=withdrawn))
                writer = csv.DictWriter(output, fieldnames=EXPORT_COLUMNS)
                if format is ExportFormat.csv:
                    writer.writeheader()
                count = 0
                for correction in rows:
                    row = export_row(correction)
                    if format is ExportFormat.csv:
                        writer.writerow(row)
                    else:
                        output.write(json.dumps(row, ensure_ascii=False) + "\n")
                    count += 1
                    if count % 1000 == 0:
                        report.update(count, line=f"exported {count} corrections so far")
                report.say(f"exported {count} corrections")
        except NotFound as exc:
            fail(str(exc))
        except BrokenPipeError:  # `svetofor corrections export | head`
            sys.stderr.close()
