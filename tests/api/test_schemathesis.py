"""Property-based requests from `/openapi.json` (Schemathesis): every operation, a bounded
number of examples each, must answer without a server error and as its schema documents."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import Engine

from api.deps import get_sentiment_classifier
from api.main import create_app
from classifier import SentimentClassifier
from core.config import Settings
from core.db import make_engine, migrate, session_scope
from desk.templates import ensure_default_templates
from models import Role
from services.keys import create_key
from tests.utils.factories import make_brand, make_source
from tests.utils.tiny_models import make_model, make_tokenizer

# per operation (about 800 requests in all, under a minute); FUZZ_EXAMPLES=200 digs deeper
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
_keys: dict[str, str] = {}


@pytest.fixture(scope="module")
def fuzzed_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One SQLite database for every generated request, with a brand and a source in it so
    that ids and names sometimes hit real rows."""
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with session_scope(engine) as session:
        ensure_default_templates(session)
        make_source(session, make_brand(session, "UTC"), "from")
        _keys["admin"] = create_key(session, Role.admin, "fuzz")[1]
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def api_schema(
    fuzzed_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> schemathesis.BaseSchema:
    data_dir = tmp_path_factory.mktemp("fuzz-data")
    settings_ = Settings(
        database_url=str(fuzzed_engine.url),
        data_dir=data_dir,
        rate_limit_per_minute=1_000_000,
        _env_file=None,
    )
    app = create_app(settings_, fuzzed_engine)
    model_dir = Path(data_dir) / "tiny"
    make_model({0: "negative", 1: "neutral", 2: "positive"}).save_pretrained(model_dir)
    make_tokenizer().save_pretrained(model_dir)
    tiny = SentimentClassifier.load(str(model_dir), precision="fp32")
    app.dependency_overrides[get_sentiment_classifier] = lambda: tiny
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def operations() -> list[tuple[str, str]]:
    """(method, path) of every operation the app documents (read without a database)."""
    spec = create_app(Settings(database_url="sqlite://", _env_file=None)).openapi()
    return [(method.upper(), path) for path, ops in spec["paths"].items() for method in ops]


@pytest.mark.parametrize(("method", "path"), operations())
def test_no_server_errors_and_every_answer_as_documented(
    api_schema: schemathesis.BaseSchema, method: str, path: str
) -> None:
    operation = api_schema[path][method]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same requests every run: a failure here is reproducible
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {_keys['admin']}"}, checks=CHECKS)

    check()
