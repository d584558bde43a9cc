"""Domain errors mapped onto HTTP: NotFound → 404, Conflict → 409, Invalid → 422 in the
same field-level shape as FastAPI's own validation errors. Under /dashboard the same errors
(and 403s, bad forms, an expired CSRF token) are pages in the user's language, not JSON."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.dashboard.forms import field_problems
from api.dashboard.i18n import TEXTS, language
from api.dashboard.render import render
from api.dashboard.session import SignInRequired
from core.errors import Conflict, Invalid, NotFound


def _in_dashboard(request: Request) -> bool:
    return request.url.path.startswith("/dashboard")


def _error_page(
    request: Request, status: int, message: str, problems: list[str] | None = None
) -> Response:
    words = TEXTS[language(request)]
    if status == 403 and "csrf" in message.lower():
        message = words["error_csrf"]
    elif status == 403:
        message = words["forbidden"]
    heading = words.get(f"error_{status}", words["error_other"])
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        heading=heading,
        message=message,
        problems=problems or [],
        home="/dashboard/"
        if request.session.get("role") in ("admin", "smm")
        else ("/dashboard/mentions"),
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _exc: SignInRequired) -> RedirectResponse:
        return RedirectResponse("/dashboard/login", status_code=303)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        if _in_dashboard(request):
            return _error_page(request, 404, str(exc))
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(Invalid)
    async def _invalid(request: Request, exc: Invalid) -> Response:
        if _in_dashboard(request):
            return _error_page(request, 422, str(exc))
        location = [exc.where, exc.field] if exc.field else [exc.where]
        detail = [{"loc": location, "msg": str(exc), "type": "value_error"}]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> Response:
        if _in_dashboard(request):
            return _error_page(request, 409, str(exc))
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _in_dashboard(request) and exc.status_code >= 400 and exc.status_code != 429:
            return _error_page(request, exc.status_code, str(exc.detail))
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if _in_dashboard(request):
            words = TEXTS[language(request)]
            return _error_page(
                request, 422, words["error_422"], field_problems(exc.errors(), skip=1)
            )
        return await request_validation_exception_handler(request, exc)
