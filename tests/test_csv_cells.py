"""The CSV formula guard: text a spreadsheet would run is marked as text, and read back whole."""

from __future__ import annotations

import pytest

from core.csv_cells import guard, guard_row, unguard


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil.example","Колибри")', "+7 999 000-00-00", "-Курьер опоздал",
     "@everyone", "\tтаб", "\rвозврат", "=", "'=already quoted"],
)  # fmt: skip
def test_guarded_text_reads_back_as_it_was(text: str) -> None:
    assert unguard(guard(text)) == text


def test_only_text_that_starts_a_formula_is_guarded() -> None:
    assert guard("=1+1") == "'=1+1"
    assert guard("Колибри = лучшие") == "Колибри = лучшие"
    assert guard("'цитата'") == "'цитата'" and unguard("'цитата'") == "'цитата'"
    assert guard(-0.25) == -0.25 and guard(None) is None  # numbers stay numbers
    assert guard_row({"text": "-5% скидка", "total": -3}) == {"text": "'-5% скидка", "total": -3}
