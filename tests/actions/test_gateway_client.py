"""actions/gateway.py: filing a case survives a gateway process that dies mid-request, and only when that is safe.

A fake gateway (a real aiohttp server) drops the first filing request without an answer, as a SIGKILLed worker does.
With the turn's ``turn_id`` the gateway files once however often it is asked, so the client asks again; without it
the client must not guess, and reports the failure. A refusal (4xx) is final."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from actions.gateway import Gateway, GatewayError

CASE = {"code": "PA-2026-000001", "status": "new"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@contextlib.asynccontextmanager
async def _gateway(handler: Handler) -> AsyncIterator[Gateway]:
    app = web.Application()
    app.router.add_post("/api/v1/internal/cases", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = Gateway(f"http://127.0.0.1:{port}", "token", timeout=5)
    try:
        yield client
    finally:
        await client.aclose()
        await runner.cleanup()


async def _file(payload: dict[str, Any], *, first_dropped: bool = True, status: int = 201) -> tuple[Any, int]:
    seen = 0

    async def create(request: web.Request) -> web.StreamResponse:
        nonlocal seen
        seen += 1
        await request.json()
        if first_dropped and seen == 1:  # the worker dies with the request in hand: no answer at all
            assert request.transport is not None
            request.transport.abort()
        return web.json_response(CASE if status < 400 else {"error": {"code": "x"}}, status=status)

    async with _gateway(create) as client:
        try:
            return await client.create_case(payload), seen
        except GatewayError as exc:
            return exc, seen


def test_a_filing_with_its_turn_is_asked_again_after_a_dropped_request() -> None:
    assert asyncio.run(_file({"kind": "report", "turn_id": "inbox-7"})) == (CASE, 2)


def test_a_filing_without_a_turn_is_not_guessed_again() -> None:
    outcome, seen = asyncio.run(_file({"kind": "report"}))
    assert seen == 1 and isinstance(outcome, GatewayError)


@pytest.mark.parametrize("status", [404, 409, 422])
def test_a_refusal_is_final(status: int) -> None:
    outcome, seen = asyncio.run(_file({"kind": "report", "turn_id": "inbox-8"}, first_dropped=False, status=status))
    assert seen == 1 and isinstance(outcome, GatewayError) and outcome.status == status
