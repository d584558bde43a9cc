"""Input no handler should see, refused at the door: bodies over the size limit (413), and
NUL characters or lone UTF-16 surrogates in JSON bodies, forms and query strings (422, in
FastAPI's field-level shape) — PostgreSQL cannot store them and SQLite cannot encode them.
Dashboard pages also get their Content-Security-Policy here.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 2_000_000  # a review is kilobytes; 64 texts of 5,000 characters fit easily
DASHBOARD_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def bad_characters(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Where in a parsed JSON value a string holds NUL or a lone surrogate."""
    if isinstance(value, str):
        if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from bad_characters(key, (*path, key))
            yield from bad_characters(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from bad_characters(item, (*path, index))


class InputGuard:
    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            await _refuse(send, 422, _invalid(["query"], "NUL characters are not accepted"))
            return
        body, too_big = await _read_body(receive, self.max_body)
        if too_big:
            await _refuse(send, 413, {"detail": f"the body is over {self.max_body} bytes"})
            return
        problem = _body_problem(_content_type(scope), body)
        if problem is not None:
            await _refuse(send, 422, problem)
            return
        await self.app(scope, _replay(body, receive), _with_csp(scope, send))


def _content_type(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return str(value.decode("latin-1").split(";")[0].strip().lower())
    return ""


def _body_problem(content_type: str, body: bytes) -> dict[str, Any] | None:
    if not body:
        return None
    if content_type == "application/x-www-form-urlencoded" and b"%00" in body:
        return _invalid(["body"], "NUL characters are not accepted")
    if content_type != "application/json":
        return None
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None  # FastAPI answers malformed JSON itself
    where = next(bad_characters(parsed), None)
    if where is None:
        return None
    return _invalid(
        ["body", *where], "NUL characters and unpaired UTF-16 surrogates are not accepted"
    )


def _invalid(location: list[Any], message: str) -> dict[str, Any]:
    return {"detail": [{"loc": location, "msg": message, "type": "value_error"}]}


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # the disconnect, when it comes

    return replay


def _with_csp(scope: Scope, send: Send) -> Send:
    if not str(scope.get("path", "")).startswith("/dashboard"):
        return send

    async def send_with_csp(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"content-security-policy", DASHBOARD_CSP.encode()))
            headers.append((b"x-content-type-options", b"nosniff"))
            message["headers"] = headers
        await send(message)

    return send_with_csp


async def _refuse(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
