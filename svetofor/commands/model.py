"""`svetofor classify`, `svetofor eval`, `svetofor train`: the sentiment model from the shell."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import typer

from classifier import SentimentClassifier
from core.config import Settings
from core.csv_cells import unguard
from core.errors import NotFound
from svetofor.context import fail, load_settings
from svetofor.progress import Reporter
from training.data import SkippedRows, not_utf8
from training.options import TrainOptions

CLASSIFY_CHUNK = 256  # texts read and labelled at a time: a big CSV never sits in memory


def _classifier(settings: Settings) -> SentimentClassifier:
    from classifier import load_configured_classifier

    try:
        return load_configured_classifier(settings)
    except (OSError, ValueError) as exc:
        fail(f"cannot load model {settings.model!r}: {exc}")


def _csv_texts(path: Path, column: str) -> Iterator[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or column not in reader.fieldnames:
                fail(
                    f"{path}: no {column!r} column (columns: {', '.join(reader.fieldnames or [])})"
                )
            for row in reader:
                yield unguard(row[column] or "")  # a text our own export guarded
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    except UnicodeDecodeError as exc:
        fail(f"{path}: {not_utf8(exc)}")


def classify(
    texts: list[str] = typer.Argument(None, help="texts to label"),
    file: Path | None = typer.Option(None, "--file", "-f", help="a CSV of texts"),
    text_column: str = typer.Option("text", help="the CSV column holding the text"),
    batch_size: int = typer.Option(32, min=1, max=1024),
) -> None:
    """Label texts: one JSON line each, {"label", "score", "probs", "uncertain"}."""
    from classifier import classify_texts

    if bool(texts) == bool(file):
        fail("give texts or --file, not both", code=2)
    source: Iterator[str] = iter(texts) if texts else _csv_texts(file, text_column)  # type: ignore[arg-type]
    first = next(source, None)  # reads the CSV header: a wrong column fails before the model
    if first is None:
        return
    classifier = _classifier(load_settings())
    chunk: list[str] = []
    for text in [first, *source, None]:
        if text is not None:
            chunk.append(text)
        if chunk and (text is None or len(chunk) >= CLASSIFY_CHUNK):
            for result in classify_texts(chunk, classifier, batch_size=batch_size):
                sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
            chunk = []


def evaluate(
    file: Path = typer.Argument(..., help="labelled CSV: text,label[,lang]"),
    text_column: str = typer.Option("text"),
    label_column: str = typer.Option("label"),
    batch_size: int = typer.Option(32, min=1, max=1024),
) -> None:
    """Accuracy of the configured model on a labelled CSV, as JSON (macro_f1, negative_f1, …)."""
    from training import evaluate as run_evaluation

    if not file.is_file():
        fail(f"cannot read {file}: no such file")
    classifier = _classifier(load_settings())
    skipped = SkippedRows()
    try:
        with Reporter("labelling") as report:
            result = run_evaluation(
                file,
                classifier,
                text_column=text_column,
                label_column=label_column,
                batch_size=batch_size,
                progress=lambda done, total: report.update(
                    done, total, line=f"labelled {done} of {total} texts"
                ),
                skipped=skipped,
            )
    except (KeyError, ValueError) as exc:
        fail(f"{file}: {exc}")
    if skipped.lines:
        typer.echo(f"{file}: {skipped.summary()}", err=True)
    if result["n"] == 0:
        fail(f"{file}: no row has both a text and a label negative, neutral or positive")
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


def _bar_steps(report: Reporter) -> Callable[[int, int, float], None]:
    def on_step(step: int, total: int, loss: float) -> None:
        report.update(step, total, line=f"step {step}/{total}", detail=f"loss {loss:.4f}")

    return on_step


RECIPE = TrainOptions()  # the bundled model's hyper-parameters are the CLI's defaults


def train(
    files: list[Path] = typer.Argument(
        None, help="labelled CSVs: text,label[,lang,source,split]", show_default=False
    ),
    out: Path = typer.Option(..., "--out", help="where the model goes (then SVETOFOR_MODEL)"),
    epochs: float = typer.Option(RECIPE.epochs, min=0.01),
    trainable_layers: int = typer.Option(
        RECIPE.trainable_layers, min=0, max=12, help="top e5 layers fine-tuned"
    ),
    max_length: int = typer.Option(RECIPE.max_length, min=16, max=512),
    head_and_tail: bool = typer.Option(
        RECIPE.head_and_tail,
        help="cut long texts in the middle, as inference does, instead of at the end",
    ),
    batch_size: int = typer.Option(RECIPE.batch_size, min=1),
    lr: float = typer.Option(RECIPE.lr),
    seed: int = typer.Option(RECIPE.seed),
    threads: int = typer.Option(RECIPE.threads, min=1),
    use_recipe: bool = typer.Option(True, help="the bundled model's sampling recipe"),
    init: str = typer.Option(
        "",
        help="continue from this checkpoint (`svetofor train` output, `bundled`, or git:REV:"
        " the bundled model of commit REV)",
    ),
    layers: int = typer.Option(
        RECIPE.layers, min=0, max=12, help="keep only the first N e5 layers (0: all 12)"
    ),
    teacher: str = typer.Option(
        "",
        help="distil from this checkpoint (`svetofor train` output, `bundled`, or git:REV:"
        " the bundled model of commit REV)",
    ),
    distill_weight: float = typer.Option(RECIPE.distill_weight, min=0.0, max=1.0),
    temperature: float = typer.Option(RECIPE.temperature, min=0.1),
    bf16: bool = typer.Option(
        RECIPE.bf16, help="bf16 autocast (faster only where the CPU has native bf16)"
    ),
    oversample: str = typer.Option(
        RECIPE.oversample, help="SOURCE=K[,SOURCE=K]: see each row of SOURCE K times per epoch"
    ),
    device: str = typer.Option(
        RECIPE.device, help="auto (a CUDA GPU if there is one, else the CPU), cpu, cuda, cuda:N"
    ),
    corrections: list[Path] = typer.Option(
        [],
        "--corrections",
        help="the team's corrections (`svetofor corrections export`) to fold in; alone, the "
        "bundled model is continued on them",
    ),
    corrections_weight: int = typer.Option(
        RECIPE.corrections_weight, min=1, help="times each correction is seen per epoch"
    ),
) -> None:
    """Fine-tune the multilingual e5 base on labelled CSVs into a small delta checkpoint."""
    from training import train as run_training

    files = list(files or [])
    if not files and not corrections:
        fail("give labelled CSVs to train on, or --corrections FILE")
    if not files and not init:
        init = "bundled"  # corrections alone are a second stage, not a model from scratch
    for file in [*files, *corrections]:
        if not file.is_file():
            fail(f"cannot read {file}: no such file")
    settings = load_settings()
    try:
        with Reporter("training") as report:
            summary = run_training(
                files,
                out,
                models_dir=settings.models_dir,
                # the log's lines stay (above the bar on a terminal); off a terminal they are
                # the progress, a line every 50 steps
                log=report.say,
                on_step=_bar_steps(report) if report.live else None,
                epochs=epochs,
                trainable_layers=trainable_layers,
                max_length=max_length,
                head_and_tail=head_and_tail,
                batch_size=batch_size,
                lr=lr,
                seed=seed,
                threads=threads,
                use_recipe=use_recipe,
                init=init,
                layers=layers,
                teacher=teacher,
                distill_weight=distill_weight,
                temperature=temperature,
                bf16=bf16,
                oversample=oversample,
                device=device,
                corrections=corrections,
                corrections_weight=corrections_weight,
            )
    except ValueError as exc:
        fail(str(exc))
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))


def relabel(
    brand: str = typer.Option(..., "--brand", help="the brand whose stored mentions to redo"),
    batch_size: int = typer.Option(32, min=1),
) -> None:
    """Label a brand's stored mentions again with the configured model and the brand's
    adapter; people's corrections stay, and no case is opened, moved or alerted."""
    from core.db import check_connection, session_scope
    from services.adaptation import Adapters
    from services.catalog import brand_by_name
    from services.labelling import RelabelSummary, relabel_brand
    from svetofor.context import engine_for, user_errors

    settings = load_settings()
    engine = engine_for(settings)
    with user_errors():
        check_connection(engine)
        with session_scope(engine) as session:
            try:
                brand_by_name(session, brand)  # before the model takes seconds to load
            except NotFound as exc:
                fail(str(exc))
        clf = _classifier(settings)

        with Reporter(f"relabelling {brand}") as report:

            def progress(summary: RelabelSummary) -> None:
                report.update(
                    summary.mentions,
                    summary.total,
                    line=f"{summary.mentions} of {summary.total} mentions relabelled so far",
                    detail=f"{summary.changed} changed",
                )

            done = relabel_brand(
                engine, clf, brand, Adapters(engine), batch_size=batch_size, progress=progress
            )
    adapter = f"adapter v{done.adapter}" if done.adapter else "no adapter"
    typer.echo(
        f"{done.brand}: {done.mentions} mentions relabelled with {done.model} ({adapter}); "
        f"{done.changed} changed label, {done.kept_human} kept a person's label"
    )
