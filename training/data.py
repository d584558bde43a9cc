"""Reading labelled CSVs (`text,label[,lang,source,split]`) for training and evaluation."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from classifier.labels import LABELS
from core.csv_cells import unguard


@dataclass(frozen=True)
class Example:
    """One labelled text; `source` and `split` are empty for plain user CSVs."""

    text: str
    label: str
    lang: str = ""
    source: str = ""
    split: str = ""


# Why a row of a labelled CSV is left out: the key `svetofor eval` counts it under, and words.
SKIP_REASONS = {
    "no_text": "without text",
    "no_label": "without a label",
    "unknown_label": "with a label other than negative, neutral or positive",
}


@dataclass
class SkippedRows:
    """The rows of a labelled CSV that cannot be used, by reason, with their line numbers."""

    lines: dict[str, list[int]] = field(default_factory=dict)

    def add(self, reason: str, line: int) -> None:
        self.lines.setdefault(reason, []).append(line)

    @property
    def counts(self) -> dict[str, int]:
        return {reason: len(lines) for reason, lines in sorted(self.lines.items())}

    def summary(self, shown: int = 5) -> str:
        """One line for a person: "skipped 3 rows: no label (line 3), …"."""
        total = sum(self.counts.values())
        parts = []
        for reason, lines in sorted(self.lines.items()):
            where = ", ".join(str(n) for n in lines[:shown]) + (", …" if len(lines) > shown else "")
            plural = "s" if len(lines) > 1 else ""
            parts.append(f"{len(lines)} {SKIP_REASONS[reason]} (line{plural} {where})")
        return f"skipped {total} row{'s' if total != 1 else ''}: " + "; ".join(parts)


def read_labelled_csv(
    path: str | os.PathLike[str],
    *,
    text_column: str = "text",
    label_column: str = "label",
    skipped: SkippedRows | None = None,
) -> list[Example]:
    """Rows with a non-empty text and a label in negative/neutral/positive; the others are
    left out and, when `skipped` is given, recorded there with their reason and line.

    A leading byte-order mark is read as such: Excel writes one, and so does the API's CSV.
    """
    try:
        return _read(path, text_column, label_column, skipped)
    except UnicodeDecodeError as exc:
        raise ValueError(not_utf8(exc)) from exc


def not_utf8(exc: UnicodeDecodeError) -> str:
    """What to tell a person whose CSV is in another encoding (cp1251 from an old Excel)."""
    byte = exc.object[exc.start]
    return f"not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}): save the file as UTF-8 CSV"


def _read(
    path: str | os.PathLike[str],
    text_column: str,
    label_column: str,
    skipped: SkippedRows | None,
) -> list[Example]:
    out = []
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or text_column not in reader.fieldnames:
            columns = ", ".join(reader.fieldnames or []) or "none"
            raise ValueError(f"no '{text_column}' column (columns: {columns})")
        if label_column not in reader.fieldnames:
            raise ValueError(
                f"no '{label_column}' column (columns: {', '.join(reader.fieldnames)})"
            )
        for row in reader:
            text = unguard((row.get(text_column) or "").strip())  # our exports guard formulas
            label = (row.get(label_column) or "").strip().lower()
            problem = (
                "no_text"
                if not text
                else "no_label"
                if not label
                else "unknown_label"
                if label not in LABELS
                else None
            )
            if problem is not None:
                if skipped is not None:
                    skipped.add(problem, reader.line_num)
                continue
            out.append(
                Example(
                    text=text,
                    label=label,
                    lang=(row.get("lang") or "").strip(),
                    source=(row.get("source") or "").strip(),
                    split=(row.get("split") or "").strip(),
                )
            )
    return out


def read_many(
    paths: Iterable[str | os.PathLike[str]], log: Callable[[str], None] | None = None
) -> list[Example]:
    """Concatenate `read_labelled_csv` over several files; `log` hears of rows left out."""
    out: list[Example] = []
    for path in paths:
        skipped = SkippedRows()
        try:
            out += read_labelled_csv(path, skipped=skipped)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from exc
        if skipped.lines and log is not None:
            log(f"{path}: {skipped.summary()}")
    return out
