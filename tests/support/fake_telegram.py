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
    # Telegram's bulk limit: about 30 messages a second to different chats; above it, 429 with retry_after.
    rate_limit: float | None = None
    rate_limited: int = 0
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> content, served by getFile + /file/bot…
    _recent: list[float] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def keyboards(self, chat_id: str | int | None = None) -> list[list[dict[str, str]]]:
        """The inline keyboards sent (buttons flattened, one list per message that had one), in order."""
        found = []
        for m in self.sent:
            if chat_id is not None and str(m.get("chat_id")) != str(chat_id):
                continue
            markup = m.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            if isinstance(markup, dict) and markup.get("inline_keyboard"):
                found.append([button for row in markup["inline_keyboard"] for button in row])
        return found

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
            if name in ("sendMessage", "sendPhoto") and self.rate_limit is not None:
                now = time.monotonic()
                self._recent = [t for t in self._recent if now - t < 1.0]
                if len(self._recent) >= self.rate_limit:
                    self.rate_limited += 1
                    description = "Too Many Requests: retry after 1"
                    body_429 = {
                        "ok": False,
                        "error_code": 429,
                        "description": description,
                        "parameters": {"retry_after": 1},
                    }
                    return JSONResponse(body_429, status_code=429)
                self._recent.append(now)
            if name in ("sendMessage", "sendPhoto") and self.fail_next:
                code, description, parameters = self.fail_next.pop(0)
                body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
                if parameters:
                    body["parameters"] = parameters
                return JSONResponse(body, status_code=code)
            if name == "sendMessage":
                refused = _keyboard_error(params.get("reply_markup"))
                if refused:
                    return JSONResponse({"ok": False, "error_code": 400, "description": refused}, status_code=400)
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
            if name == "getFile":
                file_id = str(params.get("file_id", ""))
                if file_id not in self.files:
                    body = {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
                    return JSONResponse(body, status_code=400)
                path = f"photos/{file_id}.jpg"
                result = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(self.files[file_id])}
                return JSONResponse({"ok": True, "result": {**result, "file_path": path}})
            if name == "answerCallbackQuery":
                return JSONResponse({"ok": True, "result": True})
            if name == "getUpdates":
                offset = int(params.get("offset") or 0)
                pending = [u for u in self.updates if u["update_id"] >= offset]
                return JSONResponse({"ok": True, "result": pending})
        return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)

    async def file(self, request: Request) -> Response:
        token, path = request.path_params["token"], request.path_params["path"]
        file_id = path.rsplit("/", 1)[-1].removesuffix(".jpg")
        if token != self.token or file_id not in self.files:
            return Response("Not Found", status_code=404)
        return Response(self.files[file_id], media_type="image/jpeg")

    def asgi(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/bot{token}/{method}", self.method, methods=["POST", "GET"]),
                Route("/file/bot{token}/{path:path}", self.file, methods=["GET"]),
            ]
        )


def _keyboard_error(markup: Any) -> str | None:
    """Telegram's limits on an inline keyboard: at most 100 buttons, 8 a row, callback data 1-64 bytes."""
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if sum(len(row) for row in rows) > 100 or any(len(row) > 8 for row in rows):
        return "Bad Request: too many buttons"
    for row in rows:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                return "Bad Request: BUTTON_DATA_INVALID"
    return None
