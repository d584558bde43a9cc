"""The `svetofor` console script: one Typer app, one module per command group."""

from __future__ import annotations

import os

import typer

# Model downloads and loads draw progress bars on stderr; a CLI prints results, not bars.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from svetofor.commands import (
    cases,
    config,
    corrections,
    crawl,
    database,
    keys,
    mentions,
    model,
    serve,
    status,
    workers,
)

app = typer.Typer(
    help="Svetofor: brand mentions, sentiment traffic lights, replies on time.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("init")(database.init)
app.command("serve")(serve.serve)
app.command("crawl")(crawl.crawl)
app.command("classify")(model.classify)
app.command("eval")(model.evaluate)
app.command("train")(model.train)
app.command("relabel")(model.relabel)
app.command("worker")(workers.worker)
app.command("beat")(workers.beat)
app.command("status")(status.status)
app.add_typer(config.app, name="config")
app.add_typer(mentions.app, name="mentions")
app.add_typer(keys.app, name="keys")
app.add_typer(cases.app, name="cases")
app.add_typer(corrections.app, name="corrections")

if __name__ == "__main__":
    app()
