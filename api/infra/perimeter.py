"""The gateway's outer edge: a body-size cap on every route, and production mode's refusal of built-in secrets.

Both are plain ASGI/start-up checks so they hold for every router, including ones added later (docs/security.md).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.config import Settings
from api.errors import error_body

# The development defaults in api/config.py: fine on a laptop, fatal on a server.
BUILT_IN_SECRETS = ("rasa_token", "service_token", "secret_key")
MIN_SECRET_LENGTH = 16
TOO_LARGE = "Dữ liệu gửi lên quá lớn."


class InsecureConfiguration(RuntimeError):
    """Production mode with a built-in or weak secret, or with a test-only opt-out switched on."""


def insecure_settings(settings: Settings) -> list[str]:
    """What production mode refuses in these settings (empty: fine)."""
    problems = []
    for name in BUILT_IN_SECRETS:
        value = getattr(settings, name).get_secret_value()
        default = type(settings).model_fields[name].default.get_secret_value()
        if value == default:
            problems.append(f"XASO_{name.upper()} vẫn là giá trị mặc định có sẵn trong mã nguồn")
        elif len(value) < MIN_SECRET_LENGTH:
            problems.append(f"XASO_{name.upper()} quá ngắn (tối thiểu {MIN_SECRET_LENGTH} ký tự)")
    secrets_key = settings.secrets_key.get_secret_value()
    if not secrets_key:
        problems.append("XASO_SECRETS_KEY chưa đặt (khóa mã hóa bí mật kênh Zalo/Telegram)")
    elif len(secrets_key) < MIN_SECRET_LENGTH:
        problems.append(f"XASO_SECRETS_KEY quá ngắn (tối thiểu {MIN_SECRET_LENGTH} ký tự)")
    if settings.outbound_allow_private:
        problems.append("XASO_OUTBOUND_ALLOW_PRIVATE chỉ dùng cho kiểm thử")
    return problems


def refuse_insecure_production(settings: Settings) -> None:
    if settings.env != "production":
        return
    problems = insecure_settings(settings)
    if problems:
        raise InsecureConfiguration(
            "XASO_ENV=production: không khởi động vì cấu hình không an toàn: "
            + "; ".join(problems)
            + ". Đặt bí mật ngẫu nhiên trong .env (xaso run tạo sẵn) hoặc biến môi trường."
        )


class BodySizeLimit:
    """Refuse request bodies over the cap: by Content-Length up front, or while streaming (chunked bodies).

    Multipart bodies (photo uploads) get ``upload_bytes``; everything else ``max_bytes``. The streaming case raises
    FastAPI's ``HTTPException(413)`` from ``receive``, which FastAPI passes through and api/errors.py answers.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes

    def _limit(self, scope: Scope) -> int:
        for name, value in scope.get("headers", []):
            if name == b"content-type" and value.lower().startswith(b"multipart/form-data"):
                return self.upload_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, 413 if declared.isdigit() else 400)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(status_code=413, detail=TOO_LARGE)
            return message

        await self.app(scope, limited_receive, send)


async def _too_large(send: Send, status: int) -> None:
    body: dict[str, Any] = (
        error_body("payload_too_large", TOO_LARGE)
        if status == 413
        else error_body("bad_request", "Content-Length không hợp lệ.")
    )
    payload = json.dumps(body, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
