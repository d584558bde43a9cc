"""The words people use when they complain: top lemmas in negative mentions."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import cache
from typing import Any

from sqlmodel import Session, col, select
from stop_words import get_stop_words

from core.lemmas import normal_form, tokens
from models import Mention

SAMPLE = 5_000  # the most recent negative mentions read: enough for a stable top list
MIN_LENGTH = 3


@cache
def _stop_words() -> frozenset[str]:
    words = {*get_stop_words("ru"), *get_stop_words("en")}
    return frozenset(w.replace("ё", "е") for w in words)


def top_terms(
    texts: list[str],
    *,
    limit: int = 20,
    ignore: set[str] | None = None,
) -> list[dict[str, Any]]:
    """Lemmas by the number of texts using them (a rant repeating a word counts once)."""
    stop = _stop_words() | (ignore or set())
    documents: Counter[str] = Counter()
    for text in texts:
        lemmas = {normal_form(t) for t in tokens(text) if len(t) >= MIN_LENGTH and not t.isdigit()}
        documents.update(lemma for lemma in lemmas if lemma not in stop)
    return [{"term": term, "mentions": n} for term, n in documents.most_common(limit)]


def negative_terms(
    session: Session,
    *,
    brand_id: int,
    keywords: list[str],
    since: datetime,
    until: datetime,
    limit: int = 20,
) -> list[dict[str, Any]]:
    texts = session.exec(
        select(Mention.text)
        .where(
            Mention.brand_id == brand_id,
            Mention.sentiment_label == "negative",
            col(Mention.occurred_at) >= since,
            col(Mention.occurred_at) < until,
        )
        .order_by(col(Mention.occurred_at).desc())
        .limit(SAMPLE)
    ).all()
    # The brand's own name is in every mention: it says nothing about the complaint.
    brand_words = {normal_form(t) for keyword in keywords for t in tokens(keyword)}
    return top_terms(list(texts), limit=limit, ignore=brand_words)
