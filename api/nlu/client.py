"""Thin async client for the Rasa server's HTTP API (created once per app, keeps its connections alive).

Rasa serves every request on one event loop, and a saturated Rasa server (Sanic) keeps serving its busy keep-alive
connections while a request on a freshly opened connection waits: with 50 conversations at once some turns waited
seconds while others went round again and again. So the gateway keeps at most ``max_concurrency`` turns inside Rasa
and queues the rest here, first come first served; the few connections it needs stay open and warm.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from api.errors import UpstreamUnavailable


class RasaClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0, max_concurrency: int = 6) -> None:
        self._token = token
        self._timeout = timeout
        self._max_concurrency = max_concurrency
        self._gates: dict[int, asyncio.Semaphore] = {}  # one per event loop (tests run several)
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=2.0),
            limits=httpx.Limits(max_keepalive_connections=max_concurrency + 4, max_connections=max_concurrency + 8),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def _gate(self) -> asyncio.Semaphore:
        loop_id = id(asyncio.get_running_loop())
        gate = self._gates.get(loop_id)
        if gate is None:
            gate = self._gates[loop_id] = asyncio.Semaphore(self._max_concurrency)
        return gate

    async def _queued_request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A turn or parse: waits its turn (FIFO) for one of the ``max_concurrency`` slots, at most ``timeout``."""
        gate = self._gate()
        try:
            async with asyncio.timeout(self._timeout):
                await gate.acquire()
        except TimeoutError:
            raise UpstreamUnavailable(
                "Máy chủ hội thoại (Rasa) đang quá tải, vui lòng thử lại sau.", code="rasa_unavailable"
            ) from None
        try:
            return await self._request(method, path, **kwargs)
        finally:
            gate.release()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        params = {**kwargs.pop("params", {}), "token": self._token}
        try:
            response = await self._http.request(method, path, params=params, **kwargs)
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(
                "Máy chủ hội thoại (Rasa) không phản hồi, vui lòng thử lại sau.", code="rasa_unavailable"
            ) from exc
        if response.status_code >= 500 or response.status_code in (401, 403):
            raise UpstreamUnavailable(
                f"Máy chủ hội thoại (Rasa) trả lỗi {response.status_code}.", code="rasa_unavailable"
            )
        return response

    async def parse(self, text: str) -> dict[str, Any]:
        response = await self._queued_request("POST", "/model/parse", json={"text": text})
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def send_message(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """Run one turn through Rasa's REST channel and return the bot's replies."""
        response = await self._queued_request(
            "POST",
            "/webhooks/rest/webhook",
            json={"sender": sender, "message": message, "metadata": metadata},
        )
        response.raise_for_status()
        replies: list[dict[str, Any]] = response.json()
        return replies

    async def is_up(self) -> bool:
        try:
            response = await self._http.get("/status", params={"token": self._token}, timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200
