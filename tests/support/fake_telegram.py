"""A local fake of the Telegram Bot API (the methods we call) in its wire format; records calls, fails on demand."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-token"
    sent: list[dict[str, Any]] = field(default_factory=list)  # accepted sendMessage/sendPhoto calls
    calls: list[dict[str, Any]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)  # served by getUpdates
    fail_next: list[tuple[int, str, dict[str, Any] | None]] = field(default_factory=list)
    down: bool = False
    delay: float = 0.0
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def texts(self, chat_id: str | int | None = None) -> list[str]:
        return [m.get("text", "") for m in self.sent if chat_id is None or str(m.get("chat_id")) == str(chat_id)]

    async def _params(self, request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").startswith("application/json"):
            return dict(await request.json())
        form = await request.form()
        params: dict[str, Any] = {}
        for key, value in form.items():
            text = str(value)
            try:
                params[key] = json.loads(text) if text[:1] in "[{" else text
            except ValueError:
                params[key] = text
        return params

    def _message(self, chat_id: Any, **extra: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private"},
            "from": {"id": 1, "is_bot": True, "first_name": "Xa So"},
            **extra,
        }

    async def method(self, request: Request) -> Response:
        token, name = request.path_params["token"], request.path_params["method"]
        if self.delay:
            await asyncio.sleep(self.delay)
        params = await self._params(request)
        with self._lock:
            self.calls.append({"method": name, "params": params})
            if token != self.token:
                return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
            if self.down:
                return Response("Bad Gateway", status_code=502)
            if name in ("sendMessage", "sendPhoto") and self.fail_next:
                code, description, parameters = self.fail_next.pop(0)
                body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
                if parameters:
                    body["parameters"] = parameters
                return JSONResponse(body, status_code=code)
            if name == "sendMessage":
                self.sent.append(params)
                return JSONResponse({"ok": True, "result": self._message(params["chat_id"], text=params["text"])})
            if name == "sendPhoto":
                self.sent.append(params)
                photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 10, "height": 10}]
                return JSONResponse({"ok": True, "result": self._message(params["chat_id"], photo=photo)})
            if name == "setWebhook":
                self.webhook = params
                return JSONResponse({"ok": True, "result": True, "description": "Webhook was set"})
            if name == "deleteWebhook":
                self.webhook = {}
                return JSONResponse({"ok": True, "result": True})
            if name == "getMe":
                bot = {"id": 123456, "is_bot": True, "first_name": "Xa So", "username": "xaso_test_bot"}
                return JSONResponse({"ok": True, "result": bot})
            if name == "answerCallbackQuery":
                return JSONResponse({"ok": True, "result": True})
            if name == "getUpdates":
                offset = int(params.get("offset") or 0)
                pending = [u for u in self.updates if u["update_id"] >= offset]
                return JSONResponse({"ok": True, "result": pending})
        return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)

    def asgi(self) -> Starlette:
        return Starlette(routes=[Route("/bot{token}/{method}", self.method, methods=["POST", "GET"])])
