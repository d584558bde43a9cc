"""The YAML config loader: upsert by name, idempotence, and errors naming entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Brand, Source
from services.configfile import ConfigError, load_config, read_config

GOOD = """
brands:
  - name: Acme
    keywords: ["Acme", "Акме"]
    exclude: ["acme jobs"]
    response_hours: 24
sources:
  - name: acme-news
    kind: feed
    url: https://example.com/rss.xml
    brand: Acme
    schedule: 15m
    timezone: Europe/Moscow
  - name: acme-otzovik
    kind: html
    url: https://otzovik.com/reviews/acme/
    brand: Acme
    schedule: "0 */2 * * *"
    options: {profile: otzovik}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "svetofor.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_twice_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    with Session(engine) as session:
        first = load_config(session, path)
        session.commit()
        second = load_config(session, path)
        session.commit()
        assert dict(first["brands"]) == {"created": 1}
        assert dict(first["sources"]) == {"created": 2}
        assert dict(second["brands"]) == {"unchanged": 1}
        assert dict(second["sources"]) == {"unchanged": 2}
        sources = {s.name: s for s in session.exec(select(Source))}
        assert sources["acme-otzovik"].options == {"profile": "otzovik"}
        assert sources["acme-news"].timezone == "Europe/Moscow"
        assert sources["acme-otzovik"].timezone == "UTC"


def test_changed_entry_is_updated_by_name(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        load_config(session, write(tmp_path, GOOD))
        summary = load_config(
            session, write(tmp_path, GOOD.replace("response_hours: 24", "response_hours: 12"))
        )
        assert dict(summary["brands"]) == {"updated": 1}
        assert session.exec(select(Brand)).one().response_hours == 12


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("brands: [\n  - name: Acme\n    keywords: [oops\n", "invalid YAML at line"),
        ("- just\n- a list\n", "top level must be a mapping"),
        ("brands:\n  - name: Acme\n    colour: red\n", "brands[0] (Acme).colour: unknown field"),
        ("widgets: []\n", "widgets: unknown field"),
        (
            GOOD.replace("schedule: 15m", "schedule: every day"),
            "sources[0] (acme-news).schedule: invalid schedule 'every day'",
        ),
        (GOOD.replace("kind: feed", "kind: fax"), "sources[0] (acme-news).kind: unknown kind"),
        (
            GOOD.replace("Europe/Moscow", "Europe/Atlantis"),
            "sources[0] (acme-news).timezone: unknown time zone 'Europe/Atlantis'",
        ),
        (GOOD.replace("0 */2 * * *", "0 */2 * * * *"), "sources[1] (acme-otzovik).schedule"),
        (
            GOOD.replace("response_hours: 24", "response_hours: soon"),
            "brands[0] (Acme).response_hours",
        ),
        (
            GOOD.replace("name: acme-otzovik", "name: acme-news"),
            "sources: name 'acme-news' appears 2 times",
        ),
    ],
)
def test_bad_files_are_refused_naming_entry_and_field(
    tmp_path: Path, text: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as error:
        read_config(write(tmp_path, text))
    assert any(problem in p for p in error.value.problems), error.value.problems


def test_unknown_brand_is_refused_and_nothing_is_stored(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path, GOOD.replace("brand: Acme\n    schedule: 15m", "brand: Globex\n    schedule: 15m")
    )
    with Session(engine) as session, pytest.raises(ConfigError) as error:
        load_config(session, path)
    assert error.value.problems == ["sources[0] (acme-news).brand: brand 'Globex' not found"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read file"):
        read_config(tmp_path / "nope.yaml")


def test_the_demo_config_is_valid() -> None:
    config = read_config(Path(__file__).resolve().parents[2] / "examples" / "demo.yaml")
    assert [b.name for b in config.brands] == ["Колибри"]
    assert {s.kind for s in config.sources} == {"html", "feed"}
