"""A real HTTP server on loopback serving feed files, with ETag / If-None-Match like portal web servers."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"


class FeedServer:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {f"/{p.name}": p.read_bytes() for p in FIXTURES.glob("*.xml")}
        self.requests: list[tuple[str, int]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = server.files.get(self.path)
                if body is None:
                    self._reply(404, b"not found", None)
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self._reply(304, b"", etag)
                    return
                self._reply(200, body, etag)

            def _reply(self, status: int, body: bytes, etag: str | None) -> None:
                server.requests.append((self.path, status))
                self.send_response(status)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
