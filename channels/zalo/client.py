"""A thin typed client for the Zalo OA API on httpx: customer-service, promotion and ZNS messages, the user detail
endpoint, and the rotating token pair. What each error code means: ``channels/zalo/errors.py``."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from channels.base import Credentials, DeliveryError, Profile, TokenStore
from channels.zalo.errors import delivery_error, is_token_error

DEFAULT_API_BASE = "https://openapi.zalo.me"
DEFAULT_OAUTH_BASE = "https://oauth.zaloapp.com"
DEFAULT_ZNS_BASE = "https://business.openapi.zalo.me"
CS_PATH = "/v3.0/oa/message/cs"
PROMOTION_PATH = "/v3.0/oa/message/promotion"  # "tin truyền thông": outside the window, within the OA's quota
ZNS_PATH = "/message/template"  # Zalo Notification Service: a pre-approved template, addressed by phone number
USER_DETAIL_PATH = "/v3.0/oa/user/detail"  # GET ?data={"user_id": …}: display name and avatar of a user of the OA
# Documents: uploaded first (multipart "file"), then sent by the token as {"type": "file", "payload": {"token"}}
# (Zalo's Java SDK v3/UploadFile + SendFileCSMessage, .NET SDK sendFileToUserIdV3). Tokens expire after 7 days.
UPLOAD_FILE_PATH = "/v2.0/oa/upload/file"
FILE_TYPES = (".pdf", ".doc", ".docx", ".csv")
FILE_MAX_BYTES = 5 * 1024 * 1024
REFRESH_MARGIN_SECONDS = 120
PROFILE_TIMEOUT_SECONDS = 5.0

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
        data = await self._call("POST", url, json_body=body, zns=zns)
        message_id = (data.get("data") or {}).get(id_key)
        return None if message_id is None else str(message_id)

    async def user_detail(self, user_id: str) -> Profile | None:
        """The user's display name and avatar as the OA sees them (None when Zalo gives no name)."""
        params = {"data": json.dumps({"user_id": user_id})}
        data = await self._call("GET", f"{self._api_base}{USER_DETAIL_PATH}", params=params)
        raw = data.get("data")
        detail: dict[str, Any] = raw if isinstance(raw, dict) else {}
        name = str(detail.get("display_name") or "").strip()
        raw_avatars = detail.get("avatars")
        avatars: dict[str, Any] = raw_avatars if isinstance(raw_avatars, dict) else {}
        avatar = str(detail.get("avatar") or avatars.get("240") or avatars.get("120") or "") or None
        return Profile(display_name=name, avatar_url=avatar) if name else None

    async def send_file(self, user_id: str, *, name: str, content: bytes) -> str | None:
        """Upload a document (PDF, DOC, DOCX, CSV up to 5 MB) and send it to the user as a customer-service message."""
        if not name.lower().endswith(FILE_TYPES) or not content or len(content) > FILE_MAX_BYTES:
            reason = f"Zalo chỉ nhận tệp PDF, DOC, DOCX, CSV đến 5 MB; không gửi được '{name}' ({len(content)} byte)."
            raise DeliveryError(reason, retryable=False)
        uploaded = await self._call("POST", f"{self._api_base}{UPLOAD_FILE_PATH}", files={"file": (name, content)})
        token = str((uploaded.get("data") or {}).get("token") or "")
        if not token:
            raise DeliveryError("Zalo không trả mã tệp sau khi tải lên.", retryable=True)
        attachment = {"type": "file", "payload": {"token": token}}
        return await self.send_cs({"recipient": {"user_id": user_id}, "message": {"attachment": attachment}})

    async def _call(
        self,
        method: str,
        url: str,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        zns: bool = False,
    ) -> dict[str, Any]:
        """One API call: the token refreshed first when it is about to expire, and once more (with one retry) when
        Zalo refuses it; any other error code becomes the outcome its table entry says (``errors.py``)."""
        if self._token_expiring():
            await self.refresh()
        for attempt in (1, 2):
            data = await self._request(method, url, json_body=json_body, params=params, files=files)
            code = _error_code(data)
            if code == 0:
                return data
            if attempt == 1 and is_token_error(code, zns=zns):
                await self.refresh(rejected=self._credentials.access_token)
                continue
            gone = self._credentials.config.get("not_follower_unsubscribes", True) is not False
            raise delivery_error(code, str(data.get("message", "")), zns=zns, not_follower_is_gone=gone)
        raise AssertionError("unreachable")

    def _token_expiring(self) -> bool:
        expires = self._credentials.access_token_expires_at
        return not self._credentials.access_token or (
            expires is not None and time.time() >= expires - REFRESH_MARGIN_SECONDS
        )

    async def _request(
        self,
        method: str,
        url: str,
        *,
        json_body: dict[str, Any] | None,
        params: dict[str, str] | None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> dict[str, Any]:
        try:
            response = await self._http.request(
                method,
                url,
                json=json_body,
                params=params,
                files=files,
                headers={"access_token": self._credentials.access_token or ""},
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Không kết nối được Zalo: {type(exc).__name__}", retryable=True) from exc
        return _json(response)

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
