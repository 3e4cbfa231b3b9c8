"""A thin typed client for the Zalo OA API on httpx: customer-service messages and the rotating token pair."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from channels.base import Credentials, DeliveryError, OutsideWindow, RecipientGone, TokenStore

DEFAULT_API_BASE = "https://openapi.zalo.me"
DEFAULT_OAUTH_BASE = "https://oauth.zaloapp.com"
DEFAULT_ZNS_BASE = "https://business.openapi.zalo.me"
CS_PATH = "/v3.0/oa/message/cs"
PROMOTION_PATH = "/v3.0/oa/message/promotion"  # "tin truyền thông": outside the window, within the OA's quota
ZNS_PATH = "/message/template"  # Zalo Notification Service: a pre-approved template, addressed by phone number
TOKEN_ERRORS = {-216, -220}  # invalid / expired access token: refresh and retry once
REFRESH_MARGIN_SECONDS = 120

# Errors that will not go away by retrying the same message: recorded (in Vietnamese) for staff to see.
PERMANENT_ERRORS = {
    -230: "Không gửi được: người dân chưa nhắn cho OA trong 7 ngày qua (ngoài khung thời gian được phép trả lời).",
    -213: "Không gửi được: người dân chưa quan tâm (follow) OA hoặc đã bỏ quan tâm.",
    -201: "Không gửi được: Zalo từ chối nội dung tin nhắn (tham số không hợp lệ).",
}
OUTSIDE_WINDOW = -230
NOT_FOLLOWER = -213
# ZNS errors (sources disagree on some codes: the text of the error is recorded with it). Permanent for this phone.
ZNS_PERMANENT_ERRORS = {
    -108: "Số điện thoại không hợp lệ với ZNS.",
    -118: "Số điện thoại chưa có tài khoản Zalo hoặc tài khoản bị khóa.",
    -119: "Tài khoản Zalo của người dân không nhận được tin ZNS.",
    -124: "Mã truy cập ZNS không hợp lệ.",
    -131: "Mẫu ZNS chưa được duyệt hoặc không tồn tại.",
    -132: "Tham số mẫu ZNS không hợp lệ.",
    -139: "Người dân đã từ chối nhận tin ZNS.",
}
ZNS_TOKEN_INVALID = -124  # ZNS's own code for a rejected access token: refreshed and retried once
ZNS_QUOTA_EXCEEDED = {-144: "OA đã hết hạn mức gửi ZNS trong ngày."}
RATE_LIMITED = -32

_refresh_locks: dict[int, asyncio.Lock] = {}


class ZaloApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code
        self.message = message


class ZaloClient:
    def __init__(self, http: httpx.AsyncClient, credentials: Credentials, tokens: TokenStore | None) -> None:
        self._http = http
        self._credentials = credentials
        self._tokens = tokens
        config = credentials.config
        self._api_base = str(config.get("api_base") or DEFAULT_API_BASE).rstrip("/")
        self._oauth_base = str(config.get("oauth_base") or DEFAULT_OAUTH_BASE).rstrip("/")
        self._zns_base = str(config.get("zns_base") or DEFAULT_ZNS_BASE).rstrip("/")

    async def send_cs(self, body: dict[str, Any]) -> str | None:
        """POST one customer-service message; refresh the token and retry once on -216/-220."""
        return await self._send(f"{self._api_base}{CS_PATH}", body)

    async def send_promotion(self, body: dict[str, Any]) -> str | None:
        """POST one promotion ("truyền thông") message: allowed outside the window, counted against the quota."""
        return await self._send(f"{self._api_base}{PROMOTION_PATH}", body)

    async def send_zns(self, *, phone: str, template_id: str, template_data: dict[str, str], tracking_id: str) -> str:
        """POST one ZNS template message to a phone number (84xxxxxxxxx); returns ZNS's msg_id."""
        body = {"phone": phone, "template_id": template_id, "template_data": template_data, "tracking_id": tracking_id}
        message_id = await self._send(f"{self._zns_base}{ZNS_PATH}", body, id_key="msg_id", zns=True)
        return message_id or ""

    async def _send(
        self, url: str, body: dict[str, Any], *, id_key: str = "message_id", zns: bool = False
    ) -> str | None:
        if self._token_expiring():
            await self.refresh()
        try:
            return await self._post_message(body, url=url, id_key=id_key)
        except ZaloApiError as exc:
            if exc.code not in TOKEN_ERRORS and not (zns and exc.code == ZNS_TOKEN_INVALID):
                raise (self._zns_error(exc) if zns else self._delivery_error(exc)) from exc
        await self.refresh(rejected=self._credentials.access_token)
        try:
            return await self._post_message(body, url=url, id_key=id_key)
        except ZaloApiError as exc:
            raise (self._zns_error(exc) if zns else self._delivery_error(exc)) from exc

    def _token_expiring(self) -> bool:
        expires = self._credentials.access_token_expires_at
        return not self._credentials.access_token or (
            expires is not None and time.time() >= expires - REFRESH_MARGIN_SECONDS
        )

    async def _post_message(self, body: dict[str, Any], *, url: str, id_key: str) -> str | None:
        try:
            response = await self._http.post(
                url,
                json=body,
                headers={"access_token": self._credentials.access_token or ""},
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Không kết nối được Zalo: {type(exc).__name__}", retryable=True) from exc
        data = _json(response)
        code = _error_code(data)
        if code != 0:
            raise ZaloApiError(code, str(data.get("message", "")))
        message_id = (data.get("data") or {}).get(id_key)
        return None if message_id is None else str(message_id)

    @staticmethod
    def _delivery_error(exc: ZaloApiError) -> DeliveryError:
        if exc.code == NOT_FOLLOWER:
            return RecipientGone(f"{PERMANENT_ERRORS[exc.code]} (mã {exc.code})")
        if exc.code == OUTSIDE_WINDOW:  # the gateway may take the next route (promotion, ZNS)
            return OutsideWindow(f"{PERMANENT_ERRORS[exc.code]} (mã {exc.code})", retryable=False)
        if exc.code in PERMANENT_ERRORS:
            return DeliveryError(f"{PERMANENT_ERRORS[exc.code]} (mã {exc.code})", retryable=False)
        if exc.code == RATE_LIMITED:
            return DeliveryError("Zalo giới hạn tần suất gửi (mã -32); sẽ gửi lại sau.", retryable=True, retry_after=60)
        if exc.code in TOKEN_ERRORS:
            return DeliveryError(
                f"Mã truy cập Zalo vẫn bị từ chối sau khi làm mới (mã {exc.code}).", retryable=True, retry_after=300
            )
        return DeliveryError(f"Zalo trả lỗi {exc.code}: {exc.message}", retryable=True)

    @staticmethod
    def _zns_error(exc: ZaloApiError) -> DeliveryError:
        if exc.code in ZNS_PERMANENT_ERRORS:
            return DeliveryError(f"ZNS: {ZNS_PERMANENT_ERRORS[exc.code]} (mã {exc.code})", retryable=False)
        if exc.code in ZNS_QUOTA_EXCEEDED:
            reason = f"ZNS: {ZNS_QUOTA_EXCEEDED[exc.code]} (mã {exc.code}); sẽ gửi lại sau."
            return DeliveryError(reason, retryable=True, retry_after=3600)
        return ZaloClient._delivery_error(exc)

    async def refresh(self, *, rejected: str | None = None) -> None:
        """Exchange the single-use refresh token; the new pair is committed before the new access token is used."""
        credentials = self._credentials
        lock = _refresh_locks.setdefault(credentials.account_id, asyncio.Lock())
        async with lock:
            if self._tokens is not None:
                await self._tokens.reload(credentials)
            # Someone else rotated while we waited: their access token is new, use it.
            if credentials.access_token and credentials.access_token != rejected and not self._token_expiring():
                return
            if not credentials.refresh_token:
                raise DeliveryError("Chưa có refresh token Zalo: cần kết nối lại OA.", retryable=True, retry_after=300)
            data = await self._request_tokens(credentials)
            access, refresh = str(data.get("access_token") or ""), str(data.get("refresh_token") or "")
            if not access or not refresh:
                reason = "Zalo không cấp mã truy cập mới: cần kết nối lại OA."
                raise DeliveryError(reason, retryable=True, retry_after=300)
            expires_in = int(str(data.get("expires_in") or "90000"))
            if self._tokens is not None:
                await self._tokens.rotate(
                    credentials, access_token=access, refresh_token=refresh, expires_in=expires_in
                )
            else:
                credentials.access_token, credentials.refresh_token = access, refresh
                credentials.access_token_expires_at = time.time() + expires_in

    async def _request_tokens(self, credentials: Credentials) -> dict[str, Any]:
        try:
            response = await self._http.post(
                f"{self._oauth_base}/v4/oa/access_token",
                data={
                    "refresh_token": credentials.refresh_token or "",
                    "app_id": str(credentials.config.get("app_id", "")),
                    "grant_type": "refresh_token",
                },
                headers={"secret_key": credentials.secrets.get("app_secret", "")},
            )
        except httpx.HTTPError as exc:
            reason = f"Không kết nối được máy chủ cấp mã Zalo: {type(exc).__name__}"
            raise DeliveryError(reason, retryable=True) from exc
        data = _json(response)
        if _error_code(data) != 0:
            raise DeliveryError(
                f"Làm mới mã truy cập Zalo thất bại (mã {_error_code(data)}): cần kết nối lại OA.",
                retryable=True,
                retry_after=300,
            )
        return data


def _json(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryError(f"Zalo trả HTTP {response.status_code}", retryable=True)
    try:
        data = response.json()
    except ValueError as exc:
        raise DeliveryError(f"Zalo trả dữ liệu không đọc được (HTTP {response.status_code})", retryable=True) from exc
    if not isinstance(data, dict):
        raise DeliveryError("Zalo trả dữ liệu không đúng dạng", retryable=True)
    return data


def _error_code(data: dict[str, Any]) -> int:
    try:
        return int(data.get("error", 0) or 0)
    except (TypeError, ValueError):
        return -1
