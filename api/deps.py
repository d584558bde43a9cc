"""Request dependencies as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from classifier import SentimentClassifier, load_configured_classifier
from core.config import Settings
from core.cursors import MAX_ID
from core.db import session_scope
from desk.alerts.policy import AlertPolicy
from desk.alerts.setup import alert_policy


def get_engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with session_scope(engine) as session:
        yield session


# scope="function": commit before the response is sent, so a client (or a browser following
# a redirect) that reads right after a write always sees it.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def get_sentiment_classifier(settings: SettingsDep) -> SentimentClassifier:
    """The configured model: loaded once per process (the service warms it in its lifespan),
    then shared; tests swap it through `app.dependency_overrides`."""
    return load_configured_classifier(settings)


ClassifierDep = Annotated[SentimentClassifier, Depends(get_sentiment_classifier)]


# Row ids are 64-bit integers in the database: a larger id in a path is a 422, not a crash.
MAX_ROW_ID = MAX_ID  # one 64-bit bound for paths, queries, forms and cursors
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def get_alert_policy(settings: SettingsDep, session: SessionDep) -> AlertPolicy:
    """Where the desk sends alerts (a correction to negative may open a case and alert)."""
    return alert_policy(settings, session)


PolicyDep = Annotated[AlertPolicy, Depends(get_alert_policy)]
