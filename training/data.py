"""Reading labelled CSVs (`text,label[,lang,source,split]`) for training and evaluation."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from classifier.labels import LABELS


@dataclass(frozen=True)
class Example:
    """One labelled text; `source` and `split` are empty for plain user CSVs."""

    text: str
    label: str
    lang: str = ""
    source: str = ""
    split: str = ""


def read_labelled_csv(
    path: str | os.PathLike[str], *, text_column: str = "text", label_column: str = "label"
) -> list[Example]:
    """Rows with a non-empty text and a label in negative/neutral/positive; others are skipped."""
    out = []
    with Path(path).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or text_column not in reader.fieldnames:
            raise ValueError(f"{path}: no '{text_column}' column")
        if label_column not in reader.fieldnames:
            raise ValueError(f"{path}: no '{label_column}' column")
        for row in reader:
            text = (row.get(text_column) or "").strip()
            label = (row.get(label_column) or "").strip().lower()
            if text and label in LABELS:
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


def read_many(paths: Iterable[str | os.PathLike[str]]) -> list[Example]:
    """Concatenate `read_labelled_csv` over several files."""
    return [ex for p in paths for ex in read_labelled_csv(p)]
