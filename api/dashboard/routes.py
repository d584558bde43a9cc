"""The dashboard: HTML pages under /dashboard, one module per resource in `pages/`."""

from __future__ import annotations

from fastapi import APIRouter

from api.dashboard.pages import alerts, brands, cases, login, mentions, settings, sources

router = APIRouter(prefix="/dashboard", include_in_schema=False)
for page in (login, cases, mentions, brands, sources, alerts, settings):
    router.include_router(page.router)
