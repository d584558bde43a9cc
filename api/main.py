"""Application factory and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from sqlalchemy.engine import Engine
from starlette.middleware.sessions import SessionMiddleware

from api.background import labelling_nudge, start_background_jobs, warm_classifier
from api.dashboard import routes as dashboard
from api.errors import install_error_handlers
from api.guards import InputGuard
from api.ratelimit import rate_limiter
from api.routes import (
    alerts,
    analytics,
    brands,
    cases,
    classify,
    corrections,
    demo,
    health,
    keys,
    mentions,
    sources,
    telegram,
    templates,
)
from core.config import Settings, get_settings
from core.db import check_connection, make_engine
from core.timeutil import utcnow
from models.problems import error_answers

API_PREFIX = "/api/v1"
DASHBOARD_STATIC = Path(dashboard.__file__).with_name("static")


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, *, background: bool = False
) -> FastAPI:
    """Build the service; tests pass their own settings and engine.

    `background` starts the crawl scheduler and the desk's deadline checker and alert
    delivery (what `svetofor serve` runs); tests leave it off. With a broker configured the
    service only serves: `svetofor worker` and `svetofor beat` run that work.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        check_connection(app.state.engine)
        jobs = None
        # With a broker, Celery workers label and do the background work: an API replica
        # loads the model only if `/classify` is called.
        if background and not settings.distributed:
            warm_classifier(settings)  # loads in a thread: the service answers meanwhile
            jobs = start_background_jobs(app.state.engine, settings)
        yield
        if jobs is not None:
            jobs.shutdown(wait=False)
        if engine is None:  # we created it, we dispose of it
            app.state.engine.dispose()

    # Swagger UI and ReDoc from the service itself: a self-hosted, offline install keeps its docs
    app = FastAPIOffline(
        title="Svetofor",
        summary="Brand mentions, sentiment traffic lights and response deadlines.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(
        settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    # Demo pages date their sample reviews relative to this moment.
    app.state.started_at = utcnow()
    app.state.labelling_nudge = labelling_nudge(settings)
    app.state.rate_limiter = rate_limiter(
        settings.rate_limit_storage, settings.rate_limit_per_minute
    )
    install_error_handlers(app)
    # The dashboard's session: signed, HttpOnly; SameSite=Lax keeps links from alert emails
    # working while cross-site form posts carry no cookie (forms also carry a CSRF token).
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="svetofor_session",
        same_site="lax",
        https_only=settings.environment == "production",
        max_age=12 * 3600,
    )
    app.add_middleware(InputGuard)  # outermost: bad bytes never reach a handler
    app.mount("/dashboard/static", StaticFiles(directory=DASHBOARD_STATIC), name="static")

    api = APIRouter(prefix=API_PREFIX, responses=error_answers())
    api.include_router(health.router)
    api.include_router(brands.router)
    api.include_router(sources.router)
    api.include_router(mentions.router)
    api.include_router(corrections.router)
    api.include_router(cases.router)
    api.include_router(templates.router)
    api.include_router(alerts.router)
    api.include_router(telegram.router)
    api.include_router(keys.router)
    api.include_router(classify.router)
    api.include_router(analytics.router)
    app.include_router(health.router)
    app.include_router(api)
    app.include_router(demo.router)
    app.include_router(dashboard.router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/dashboard/")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        # the traffic light in the browser's tab; pages without <link rel="icon"> ask here
        return FileResponse(DASHBOARD_STATIC / "favicon.svg", media_type="image/svg+xml")

    return app
