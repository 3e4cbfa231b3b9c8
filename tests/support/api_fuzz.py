"""Schemathesis over the gateway's own /openapi.json, operation by operation with plain Hypothesis
(schemathesis' pytest loader does not support pytest 9 yet): no generated input may get a 5xx, and documented
responses must match their schemas."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.tokens import issue_token
from api.db import transaction
from api.staff.service import find_staff_by_login

# What is checked is the status and the schema, not speed (benchmarks measure that): with schemathesis' default
# 10 s read timeout, one call stalled by a loaded CI machine would fail as "flaky" with no 5xx behind it.
CALL_TIMEOUT_SECONDS = 60


def admin_token(app: FastAPI) -> str:
    with transaction(app.state.sessionmaker) as session:
        admin = find_staff_by_login(session, login="admin")
        assert admin is not None
        admin.must_change_password = False  # the seeded one-time password counts as changed: fuzz every route
        return issue_token(session, staff=admin, name="schemathesis")[1]


def fuzz_operations(
    app: FastAPI,
    *,
    include: str,
    exclude: str,
    headers_for: Callable[[Any], dict[str, str]],
    max_examples: int,
    report_name: str,
) -> tuple[int, list[str]]:
    """Returns (operations exercised, failures); the failures are also written to a report file for reading."""
    api = (
        schemathesis.openapi.from_asgi("/openapi.json", _streams_end_after_their_first_chunk(app))
        .include(path_regex=include)
        .exclude(path_regex=exclude)
    )
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            _fuzz(operation, headers_for=headers_for, max_examples=max_examples)
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {_describe(exc)[:3000]}")
    if failures:
        report = Path(os.environ.get("XASO_SCHEMATHESIS_REPORT", f"/tmp/xaso-schemathesis-{report_name}.txt"))
        report.write_text("\n\n".join(failures), encoding="utf-8")
    return operations, failures


def _fuzz(operation: Any, *, headers_for: Callable[[Any], dict[str, str]], max_examples: int) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=max_examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        response = case.call(headers=headers_for(case), timeout=CALL_TIMEOUT_SECONDS)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    check()


def _streams_end_after_their_first_chunk(app: ASGIApp) -> ASGIApp:
    """An event stream (the web chat's) never ends by itself, and an idle one sends only comments, which schemathesis
    does not count as events: it would be read until the call's timeout. What the fuzzer checks is the status and the
    headers, so its response ends with the stream's first chunk; the client then disconnects, as a browser does."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        streaming = ended = False

        async def first_chunk_only(message: Message) -> None:
            nonlocal streaming, ended
            if ended:
                return
            if message["type"] == "http.response.start":
                types = [value for name, value in message.get("headers", []) if name.lower() == b"content-type"]
                streaming = any(value.startswith(b"text/event-stream") for value in types)
            elif streaming and message["type"] == "http.response.body" and message.get("more_body"):
                message, ended = {**message, "more_body": False}, True
            await send(message)

        await app(scope, receive, first_chunk_only)

    return wrapped


def _describe(exc: BaseException) -> str:
    """The failure and, for Hypothesis' flaky or multiple-failure groups, what each attempt actually saw."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, BaseExceptionGroup):
        text += "".join(f"\n  - {_describe(inner)}" for inner in exc.exceptions)
    return text
