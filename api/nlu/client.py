"""Thin async client for the Rasa server's HTTP API (created once per app, keeps its connections alive)."""

from __future__ import annotations

from typing import Any

import httpx

from api.errors import UpstreamUnavailable


class RasaClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0) -> None:
        self._token = token
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=2.0),
            limits=httpx.Limits(max_keepalive_connections=50, max_connections=100),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

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
        response = await self._request("POST", "/model/parse", json={"text": text})
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def send_message(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """Run one turn through Rasa's REST channel and return the bot's replies."""
        response = await self._request(
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
