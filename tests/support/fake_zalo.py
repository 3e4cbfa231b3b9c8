"""A local fake of the Zalo OA API (customer-service and promotion messages, OAuth token refresh) and of ZNS
(template messages by phone number), speaking their wire formats; ``zns_base`` and ``api_base`` may both point here.

It records every call and fails on demand: queue error codes for the next sends, take the whole API down (HTTP 503),
or expire the access token. Refresh tokens are single-use, as on the real platform.

As strict as we know the real API to be (issue #31): a button message carries only ``buttons`` in its template
payload, as Zalo's SDKs send it (a ``"template_type": "button"`` is refused, −201); every button has a known type and
that type's payload; users can be made unreachable with the window/policy codes (−217, −227, −232, −234, −244);
ZNS templates are registered with their parameters' types and a value over its type's limit (−1121), missing (−1122)
or in the wrong format (−1124) is refused; the user detail endpoint serves profiles. The limits here are written out
independently of ``channels/zalo/zns.py``, so a wrong limit there makes a test fail.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
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
    unreachable: dict[str, int] = field(default_factory=dict)  # user → policy code (−217 blocked, −227 banned …)
    promotions: list[dict[str, Any]] = field(default_factory=list)
    # template id → {parameter: type} (Zalo Cloud's parameter types, see ZNS_TYPE_RULES); a list means all "label"
    zns_templates: dict[str, Any] = field(default_factory=dict)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # user → user detail data
    profile_calls: list[str] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # uploaded file token → {name, size}
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
            user = body.get("recipient", {}).get("user_id")
            if user in self.unreachable:
                code = self.unreachable[user]
                return JSONResponse({"error": code, "message": POLICY_MESSAGES.get(code, f"policy {code}")})
            if len(body.get("message", {}).get("text", "")) > 2000:
                return JSONResponse({"error": -201, "message": "text is invalid!"})
            problem = self._attachment_problem(body.get("message", {}).get("attachment"))
            if problem:
                return JSONResponse({"error": -201, "message": problem})
            self.sent.append(body)
            message_id = f"mid-{next(self._ids)}"
        return JSONResponse({"error": 0, "message": "Success", "data": {"message_id": message_id, "user_id": "x"}})

    def _attachment_problem(self, attachment: Any) -> str | None:
        """Why Zalo would refuse this attachment (−201 "<field> is invalid!"), None if it is acceptable."""
        if attachment is None:
            return None
        if not isinstance(attachment, dict):
            return "attachment is invalid!"
        if attachment.get("type") == "file":
            token = (attachment.get("payload") or {}).get("token")
            return None if token in self.files else "token is invalid!"
        payload = attachment.get("payload")
        if attachment.get("type") != "template" or not isinstance(payload, dict):
            return "attachment.type is invalid!"
        if "buttons" in payload and "template_type" not in payload:
            return _buttons_problem(payload["buttons"], self.max_buttons)
        if payload.get("template_type") == "media":
            elements = payload.get("elements") or []
            ok = len(elements) == 1 and elements[0].get("media_type") in ("image", "gif") and elements[0].get("url")
            return None if ok else "elements is invalid!"
        # "button" is no template_type of the customer-service API (the SDKs never send it)
        return "template_type is invalid!"

    async def user_detail(self, request: Request) -> Response:
        """``GET /v3.0/oa/user/detail?data={"user_id": …}``: the profile of a user of the OA."""
        token = request.headers.get("access_token", "")
        try:
            user = str(json.loads(request.query_params.get("data", "")).get("user_id", ""))
        except (ValueError, AttributeError):
            user = ""
        with self._lock:
            if self.down:
                return Response("upstream down", status_code=503)
            if token not in self.access_tokens:
                return JSONResponse({"error": -216, "message": "Access token is invalid"})
            self.profile_calls.append(user)  # kept apart from `calls` (the sends)
            profile = self.profiles.get(user)
        if profile is None:
            return JSONResponse({"error": -201, "message": "user_id is invalid!"})
        data = {"user_id": user, "user_id_by_app": "", "user_is_follower": True, **profile}
        return JSONResponse({"error": 0, "message": "Success", "data": data})

    async def upload_file(self, request: Request) -> Response:
        """``POST /v2.0/oa/upload/file`` (multipart ``file``): PDF/DOC/DOCX/CSV up to 5 MB → a token."""
        form = await request.form()
        upload = form.get("file")
        with self._lock:
            self.calls.append({"upload_file": getattr(upload, "filename", None)})
            if request.headers.get("access_token", "") not in self.access_tokens:
                return JSONResponse({"error": -216, "message": "Access token is invalid"})
        if upload is None or isinstance(upload, str):
            return JSONResponse({"error": -201, "message": "file is invalid!"})
        content = await upload.read()
        name = upload.filename or ""
        if not name.lower().endswith((".pdf", ".doc", ".docx", ".csv")) or len(content) > 5 * 1024 * 1024:
            return JSONResponse({"error": -210, "message": "Parameter exceeds allowable limit"})
        with self._lock:
            token = f"file-{next(self._ids)}"
            self.files[token] = {"name": name, "size": len(content)}
        return JSONResponse({"error": 0, "message": "Success", "data": {"token": token}})

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
            user = (body.get("recipient") or {}).get("user_id")
            if user in self.unreachable:  # blocked, banned, restricted: promotions are refused too
                code = self.unreachable[user]
                return JSONResponse({"error": code, "message": POLICY_MESSAGES.get(code, f"policy {code}")})
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
            registered = self.zns_templates[template_id]
            types = {p: "label" for p in registered} if isinstance(registered, list) else dict(registered)
            problem = _zns_data_problem(data, types)
            if problem is not None:
                return JSONResponse({"error": problem[0], "message": problem[1]})
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
                Route("/v3.0/oa/user/detail", self.user_detail, methods=["GET"]),
                Route("/v2.0/oa/upload/file", self.upload_file, methods=["POST"]),
            ]
        )

    def buttons(self, user_id: str | None = None) -> list[list[dict[str, str]]]:
        """The button lists sent (one per message that had buttons), in order."""
        found = []
        for m in self.sent:
            if user_id is not None and m["recipient"]["user_id"] != user_id:
                continue
            payload = (m["message"].get("attachment") or {}).get("payload") or {}
            if "buttons" in payload and "template_type" not in payload:
                found.append(list(payload["buttons"]))
        return found


POLICY_MESSAGES = {
    -217: "User has blocked invitation from OA",
    -227: "User is banned or has been inactive for more than 45 days",
    -230: "User has not interacted with the OA in the past 7 days",
    -232: "User has not interacted with the OA",
    -234: "This message cannot be sent at night (10:00PM - 6:00AM)",
    -244: "User has restricted this message type from your OA",
}
BUTTON_TYPES = {"oa.open.url", "oa.query.show", "oa.query.hide", "oa.open.sms", "oa.open.phone"}


def _buttons_problem(buttons: Any, limit: int) -> str | None:
    """A button list as the SDKs build it: 1–``limit`` buttons, each a title, a known type and that type's payload."""
    if not isinstance(buttons, list) or not buttons or len(buttons) > limit:
        return "buttons is invalid!"
    for button in buttons:
        kind, payload = button.get("type"), button.get("payload")
        title = button.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 100 or kind not in BUTTON_TYPES:
            return "buttons is invalid!"
        if kind in ("oa.query.show", "oa.query.hide") and not (isinstance(payload, str) and payload):
            return "buttons.payload is invalid!"
        if kind == "oa.open.url" and not (isinstance(payload, dict) and str(payload.get("url", "")).startswith("http")):
            return "buttons.payload.url is invalid!"
        if kind == "oa.open.phone" and not (isinstance(payload, dict) and payload.get("phone_code")):
            return "buttons.payload.phone_code is invalid!"
    return None


# Zalo Cloud's ZNS parameter types: maximum length and, for some, the format of the value.
ZNS_TYPE_RULES: dict[str, tuple[int, str | None]] = {
    "customer_name": (30, None),
    "phone": (15, r"(\+?84|0)\d{9,10}"),
    "address": (200, None),
    "code": (30, None),
    "label": (30, None),
    "status": (30, None),
    "contact": (50, None),
    "salutation": (5, None),
    "product": (200, None),
    "quantity": (20, r"\d+([.,]\d+)?"),
    "time": (20, None),  # checked by _zns_time
    "otp": (10, r"\d+"),
    "url": (200, r"https?://\S+"),
    "currency": (12, r"[1-9]\d*"),
    "transfer_note": (90, r"[^@\[\]^_!\"•#$%¥&'()*+,€\-./:;{|<}=~>?]+"),
}


def _zns_time(value: str) -> bool:
    for fmt, pattern in (
        ("%H:%M:%S", r"\d\d:\d\d:\d\d"),
        ("%H:%M", r"\d\d:\d\d"),
        ("%H:%M:%S %d/%m/%Y", r"\d\d:\d\d:\d\d \d\d/\d\d/\d{4}"),
        ("%H:%M %d/%m/%Y", r"\d\d:\d\d \d\d/\d\d/\d{4}"),
        ("%d/%m/%Y", r"\d\d/\d\d/\d{4}"),
        ("%m/%Y", r"\d\d/\d{4}"),
    ):
        if re.fullmatch(pattern, value):
            try:
                datetime.strptime(value, fmt)
                return True
            except ValueError:
                return False
    return False


def _zns_data_problem(data: Any, types: dict[str, str]) -> tuple[int, str] | None:
    if not isinstance(data, dict) or not data:
        return -111, "Template data is empty"
    missing = [p for p in types if not str(data.get(p) or "")]
    if missing:
        return -1122, f"Missing param: {missing[0]}"
    if set(data) - set(types):
        return -132, "Param is invalid"
    for name, kind in types.items():
        value = str(data[name])
        limit, pattern = ZNS_TYPE_RULES[kind]
        if len(value) > limit:
            return -1121, f"Param {name} exceeds max length {limit}"
        if kind == "time" and not _zns_time(value):
            return -1124, f"Param {name} has invalid format"
        if pattern is not None and not re.fullmatch(pattern, value):
            return -1124, f"Param {name} has invalid format"
    return None
