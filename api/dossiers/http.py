"""One GET with a timeout and a bounded number of retries, shared by the HTTP adapters (httpx)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from api.dossiers.source import SourceUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpPolicy:
    timeout: float = 5.0  # seconds for one attempt
    retries: int = 2  # further attempts after a timeout, a refused connection or a 5xx
    backoff: float = 0.3  # seconds before the first retry, doubled each time


async def get_json(
    url: str,
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    policy: HttpPolicy,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Any | None:
    """The decoded JSON body, None on 404; SourceUnavailable after the last failed attempt."""
    last = "no attempt"
    async with httpx.AsyncClient(timeout=policy.timeout, transport=transport, follow_redirects=False) as client:
        for attempt in range(policy.retries + 1):
            if attempt:
                await asyncio.sleep(policy.backoff * 2 ** (attempt - 1))
            try:
                response = await client.get(url, params=params, headers=headers, auth=auth)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code == 404:
                return None
            if response.status_code >= 500 or response.status_code == 429:
                last = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                raise SourceUnavailable(f"HTTP {response.status_code} từ {url}", status=response.status_code)  # refused
            try:
                return response.json()
            except ValueError as exc:
                raise SourceUnavailable(f"không đọc được JSON từ {url}") from exc
    log.warning("dossier source %s unavailable: %s", url, last)
    raise SourceUnavailable(last)
