"""A local fake of the Zalo OA API (customer-service messages and OAuth token refresh), speaking its wire format.

It records every call and fails on demand: queue error codes for the next sends, take the whole API down (HTTP 503),
or expire the access token. Refresh tokens are single-use, as on the real platform.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class FakeZalo:
    app_id: str = "1234567890123456789"
    app_secret: str = "fake-app-secret"
    access_tokens: set[str] = field(default_factory=lambda: {"access-0"})
    refresh_tokens: set[str] = field(default_factory=lambda: {"refresh-0"})
    sent: list[dict[str, Any]] = field(default_factory=list)  # accepted messages, in order
    calls: list[dict[str, Any]] = field(default_factory=list)  # every call, accepted or not
    refreshes: list[dict[str, str]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # error codes answered to the next sends
    fail_at: dict[int, int] = field(default_factory=dict)  # call number (1-based) → error code answered to it
    down: bool = False
    delay: float = 0.0
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def expire_access_tokens(self) -> None:
        with self._lock:
            self.access_tokens.clear()

    def texts(self, user_id: str | None = None) -> list[str]:
        return [
            m["message"].get("text", "") for m in self.sent if user_id is None or m["recipient"]["user_id"] == user_id
        ]

    async def message_cs(self, request: Request) -> Response:
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        body = await request.json()
        token = request.headers.get("access_token", "")
        with self._lock:
            self.calls.append({"body": body, "access_token": token})
            if self.down:
                return Response("upstream down", status_code=503)
            if token not in self.access_tokens:
                return JSONResponse({"error": -216, "message": "Access token is invalid"})
            if self.fail_next or len(self.calls) in self.fail_at:
                code = self.fail_at.pop(len(self.calls), None) or self.fail_next.pop(0)
                return JSONResponse({"error": code, "message": f"fake error {code}"})
            if len(body.get("message", {}).get("text", "")) > 2000:
                return JSONResponse({"error": -201, "message": "text too long"})
            self.sent.append(body)
            message_id = f"mid-{next(self._ids)}"
        return JSONResponse({"error": 0, "message": "Success", "data": {"message_id": message_id, "user_id": "x"}})

    async def access_token(self, request: Request) -> Response:
        form = await request.form()
        refresh = str(form.get("refresh_token", ""))
        with self._lock:
            self.refreshes.append(
                {k: str(v) for k, v in form.items()} | {"secret_key": request.headers.get("secret_key", "")}
            )
            if self.down:
                return Response("upstream down", status_code=503)
            if request.headers.get("secret_key") != self.app_secret or str(form.get("app_id")) != self.app_id:
                return JSONResponse({"error": -14002, "error_name": "Invalid app", "error_description": "bad app"})
            if refresh not in self.refresh_tokens:
                return JSONResponse({"error": -14014, "error_name": "Invalid refresh token"})
            self.refresh_tokens.discard(refresh)  # single use
            n = len(self.refreshes)
            access, new_refresh = f"access-{n}", f"refresh-{n}"
            self.access_tokens = {access}
            self.refresh_tokens.add(new_refresh)
        return JSONResponse({"access_token": access, "refresh_token": new_refresh, "expires_in": "90000"})

    def asgi(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v3.0/oa/message/cs", self.message_cs, methods=["POST"]),
                Route("/v4/oa/access_token", self.access_token, methods=["POST"]),
            ]
        )
