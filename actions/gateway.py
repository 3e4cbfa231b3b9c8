"""HTTP client for the gateway's API, created lazily (one per event loop) from XASO_GATEWAY_URL and XASO_SERVICE_TOKEN.

Actions never touch the database: cases are created and read through ``/api/v1/internal/cases`` with the service token,
commune data comes from the public ``/api/v1/communes/{slug}`` (cached for a minute: it changes rarely).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any, Dict, List, Optional, Text, Tuple

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8000"
COMMUNE_TTL_SECONDS = 60.0
CREATE_RETRY_PAUSES = (0.5, 1.5)


class GatewayError(Exception):
    """The gateway could not be reached or refused the request."""

    def __init__(self, message: Text, status: Optional[int] = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class GatewayNotFound(GatewayError):
    """404: the thing does not exist, or does not belong to this citizen."""


class Gateway:
    def __init__(self, base_url: Text, token: Text, *, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=2.0)
        self._sessions: Dict[int, aiohttp.ClientSession] = {}
        self._communes: Dict[Text, Tuple[float, Dict[Text, Any]]] = {}

    def _session(self) -> aiohttp.ClientSession:
        # aiohttp sessions are bound to the loop that created them; tests run several loops in one process.
        loop = asyncio.get_running_loop()
        session = self._sessions.get(id(loop))
        if session is None or session.closed:
            session = aiohttp.ClientSession(timeout=self._timeout, headers={"Authorization": f"Bearer {self._token}"})
            self._sessions[id(loop)] = session
        return session

    async def aclose(self) -> None:
        """Close the current loop's session (tests end a loop per test; the server keeps one for its lifetime)."""
        session = self._sessions.pop(id(asyncio.get_running_loop()), None)
        if session is not None:
            await session.close()

    async def request(
        self, method: Text, path: Text, *, json: Any = None, params: Optional[Dict[Text, Any]] = None
    ) -> Any:
        url = f"{self.base_url}{path}"
        try:
            async with self._session().request(method, url, json=json, params=params) as response:
                body = await response.json(content_type=None) if response.content_length != 0 else None
                if response.status == 404:
                    raise GatewayNotFound(f"{method} {path}: 404", status=404, body=body)
                if response.status >= 400:
                    raise GatewayError(f"{method} {path}: {response.status} {body}", status=response.status, body=body)
                return body
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise GatewayError(f"{method} {path}: {exc!r}") from exc

    async def create_case(self, payload: Dict[Text, Any]) -> Dict[Text, Any]:
        """File a case. With the turn's ``turn_id`` the gateway files it once however often it is asked, so a request
        that got no answer (a gateway process died mid-request, a timeout) or a 5xx is asked again, twice at most."""
        pauses = CREATE_RETRY_PAUSES if payload.get("turn_id") else ()
        for pause in (*pauses, None):
            try:
                result: Dict[Text, Any] = await self.request("POST", "/api/v1/internal/cases", json=payload)
                return result
            except GatewayError as exc:
                if pause is None or (exc.status is not None and exc.status < 500):
                    raise
                logger.warning("filing a case again in %.1f s: %s", pause, exc)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    async def get_case(self, code: Text, *, conversation_id: Text) -> Dict[Text, Any]:
        result: Dict[Text, Any] = await self.request(
            "GET", f"/api/v1/internal/cases/{code}", params={"conversation_id": conversation_id}
        )
        return result

    async def list_cases(self, *, conversation_id: Text) -> List[Dict[Text, Any]]:
        body = await self.request("GET", "/api/v1/internal/cases", params={"conversation_id": conversation_id})
        if isinstance(body, dict):
            body = body.get("items") or body.get("cases") or []
        return list(body or [])

    async def dossier(self, code: Text, *, conversation_id: Text) -> Dict[Text, Any]:
        """A one-stop dossier's status by its code (non-personal fields, and the text to show)."""
        result: Dict[Text, Any] = await self.request(
            "GET", f"/api/v1/internal/dossiers/{code}", params={"conversation_id": conversation_id}
        )
        return result

    async def my_dossiers(self, *, conversation_id: Text) -> Dict[Text, Any]:
        """Dossiers filed with the phone the channel knows, or the question asking for the code."""
        result: Dict[Text, Any] = await self.request(
            "GET", "/api/v1/internal/dossiers", params={"conversation_id": conversation_id}
        )
        return result

    async def watch_dossier(self, code: Text, *, conversation_id: Text) -> Dict[Text, Any]:
        result: Dict[Text, Any] = await self.request(
            "POST", f"/api/v1/internal/dossiers/{code}/watch", json={"conversation_id": conversation_id}
        )
        return result

    async def classify_emergency(self, text: Text) -> Dict[Text, Any]:
        """The gateway's emergency verdict for ``text`` (api/safety/): emergency, situation, reason, suspect."""
        result: Dict[Text, Any] = await self.request("POST", "/api/v1/internal/safety/classify", json={"text": text})
        return result

    async def commune(self, slug: Text) -> Optional[Dict[Text, Any]]:
        """The commune's public data, or None when the gateway is unavailable (callers fall back to defaults)."""
        cached = self._communes.get(slug)
        if cached and time.monotonic() - cached[0] < COMMUNE_TTL_SECONDS:
            return cached[1]
        try:
            data: Dict[Text, Any] = await self.request("GET", f"/api/v1/communes/{slug}")
        except GatewayError as exc:
            logger.warning("commune %s unavailable: %s", slug, exc)
            return cached[1] if cached else None
        self._communes[slug] = (time.monotonic(), data)
        return data


_gateway: Optional[Gateway] = None


def gateway() -> Gateway:
    """The process-wide client, built on first use from the environment."""
    global _gateway
    if _gateway is None:
        _gateway = Gateway(
            os.environ.get("XASO_GATEWAY_URL", DEFAULT_URL),
            os.environ.get("XASO_SERVICE_TOKEN", "dev-service-token"),
            timeout=float(os.environ.get("XASO_GATEWAY_TIMEOUT", "5")),
        )
    return _gateway


def reset_gateway() -> None:
    """Forget the client so the next call reads the environment again (tests point it at their own gateway)."""
    global _gateway
    _gateway = None
