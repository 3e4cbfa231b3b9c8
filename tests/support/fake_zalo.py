"""A local fake of the Zalo OA API (customer-service and promotion messages, OAuth token refresh) and of ZNS
(template messages by phone number), speaking their wire formats; ``zns_base`` and ``api_base`` may both point here.

It records every call and fails on demand: queue error codes for the next sends, take the whole API down (HTTP 503),
or expire the access token. Refresh tokens are single-use, as on the real platform.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
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
    # Zalo's rules for reaching a user: -230 outside the interaction window (users listed here), promotion messages
    # within a quota, ZNS templates by phone (templates registered here: id → parameter names).
    outside_window: set[str] = field(default_factory=set)
    promotions: list[dict[str, Any]] = field(default_factory=list)
    zns_templates: dict[str, list[str]] = field(default_factory=dict)
    zns_sent: list[dict[str, Any]] = field(default_factory=list)
    zns_daily_quota: int = 500
    zns_refused: set[str] = field(default_factory=set)  # phones whose owner refused ZNS (-139)
    zns_no_account: set[str] = field(default_factory=set)  # phones without a Zalo account (-118)
    # Requests per second above which the API answers -32 (None: no limit); checked over a sliding second.
    rate_limit: float | None = None
    rate_limited: int = 0
    _recent: list[float] = field(default_factory=list)
    max_buttons: int = 5  # a button template's limit, as we understand Zalo's (docs are vague): more is refused
    url: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _over_rate(self) -> bool:
        """Called under the lock: whether this request exceeds the configured rate."""
        if self.rate_limit is None:
            return False
        now = time.monotonic()
        self._recent = [t for t in self._recent if now - t < 1.0]
        if len(self._recent) >= self.rate_limit:
            self.rate_limited += 1
            return True
        self._recent.append(now)
        return False

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
            if self._over_rate():
                return JSONResponse({"error": -32, "message": "Request exceeds rate limit"})
            if body.get("recipient", {}).get("user_id") in self.outside_window:
                return JSONResponse({"error": -230, "message": "User has not interacted with the OA in 7 days"})
            if len(body.get("message", {}).get("text", "")) > 2000:
                return JSONResponse({"error": -201, "message": "text too long"})
            buttons = ((body.get("message", {}).get("attachment") or {}).get("payload") or {}).get("buttons") or []
            if len(buttons) > self.max_buttons:
                return JSONResponse({"error": -201, "message": "too many buttons"})
            self.sent.append(body)
            message_id = f"mid-{next(self._ids)}"
        return JSONResponse({"error": 0, "message": "Success", "data": {"message_id": message_id, "user_id": "x"}})

    async def message_promotion(self, request: Request) -> Response:
        """``/v3.0/oa/message/promotion``: a promotion template to a follower (the OA's quota is the gateway's job)."""
        body = await request.json()
        with self._lock:
            self.calls.append({"body": body, "access_token": request.headers.get("access_token", "")})
            if self.down:
                return Response("upstream down", status_code=503)
            if request.headers.get("access_token", "") not in self.access_tokens:
                return JSONResponse({"error": -216, "message": "Access token is invalid"})
            if self._over_rate():
                return JSONResponse({"error": -32, "message": "Request exceeds rate limit"})
            payload = ((body.get("message") or {}).get("attachment") or {}).get("payload") or {}
            if payload.get("template_type") != "promotion" or not payload.get("elements"):
                return JSONResponse({"error": -201, "message": "Invalid promotion template"})
            self.promotions.append(body)
            message_id = f"promo-{next(self._ids)}"
        return JSONResponse({"error": 0, "message": "Success", "data": {"message_id": message_id}})

    async def zns_template(self, request: Request) -> Response:
        """ZNS ``POST /message/template``: a registered template with all its parameters, to a phone 84xxxxxxxxx."""
        body = await request.json()
        phone, template_id = str(body.get("phone", "")), str(body.get("template_id", ""))
        data = body.get("template_data") if isinstance(body.get("template_data"), dict) else None
        with self._lock:
            self.calls.append({"zns": body, "access_token": request.headers.get("access_token", "")})
            if self.down:
                return Response("upstream down", status_code=503)
            if request.headers.get("access_token", "") not in self.access_tokens:
                return JSONResponse({"error": -124, "message": "Access token is invalid"})
            if self._over_rate():
                return JSONResponse({"error": -32, "message": "Request exceeds rate limit"})
            if not re.fullmatch(r"84\d{9}", phone):
                return JSONResponse({"error": -108, "message": "Phone number is invalid"})
            if template_id not in self.zns_templates:
                return JSONResponse({"error": -131, "message": "Template is not approved"})
            params = self.zns_templates[template_id]
            if data is None or set(data) != set(params) or any(len(str(v)) > 100 for v in data.values()):
                return JSONResponse({"error": -132, "message": "Template data is invalid"})
            if phone in self.zns_no_account:
                return JSONResponse({"error": -118, "message": "Zalo account does not exist"})
            if phone in self.zns_refused:
                return JSONResponse({"error": -139, "message": "User refused to receive ZNS"})
            if len(self.zns_sent) >= self.zns_daily_quota:
                return JSONResponse({"error": -144, "message": "OA has exceeded daily quota"})
            self.zns_sent.append(body)
            remaining = self.zns_daily_quota - len(self.zns_sent)
            msg_id = f"zns-{next(self._ids)}"
        quota = {"dailyQuota": str(self.zns_daily_quota), "remainingQuota": str(remaining)}
        result = {"msg_id": msg_id, "sent_time": str(int(time.time() * 1000)), "quota": quota}
        return JSONResponse({"error": 0, "message": "Success", "data": result})

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
                Route("/v3.0/oa/message/promotion", self.message_promotion, methods=["POST"]),
                Route("/message/template", self.zns_template, methods=["POST"]),
            ]
        )

    def buttons(self, user_id: str | None = None) -> list[list[dict[str, str]]]:
        """The button lists sent (one per message that had buttons), in order."""
        found = []
        for m in self.sent:
            if user_id is not None and m["recipient"]["user_id"] != user_id:
                continue
            payload = (m["message"].get("attachment") or {}).get("payload") or {}
            if payload.get("template_type") == "button":
                found.append(list(payload["buttons"]))
        return found
