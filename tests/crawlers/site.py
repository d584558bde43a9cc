"""A local HTTP site for spider tests: each path maps to a status, headers and a body."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})
    delay: float = 0.0  # seconds before answering: a slow site


class Site:
    """Pages by path (query string included); records every request it answers."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {
            "/robots.txt": Page("User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
        }
        self.requests: list[str] = []
        self.base_url = ""

    def add(
        self,
        path: str,
        body: bytes | str = b"",
        status: int = 200,
        content_type: str | None = "text/html; charset=utf-8",
        **headers: str,
    ) -> None:
        all_headers = dict(headers)
        if content_type:
            all_headers["Content-Type"] = content_type
        self.pages[path] = Page(body, status, all_headers)

    def url(self, path: str) -> str:
        return self.base_url + path


@contextmanager
def serve(site: Site) -> Iterator[Site]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.requests.append(self.path)
            page = site.pages.get(self.path) or Page("not found", 404)
            time.sleep(page.delay)
            body = page.body.encode("utf-8") if isinstance(page.body, str) else page.body
            self.send_response(page.status)
            for name, value in page.headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
