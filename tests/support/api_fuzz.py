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

from api.auth.tokens import issue_token
from api.db import transaction
from api.staff.service import find_staff_by_login


def admin_token(app: FastAPI) -> str:
    with transaction(app.state.sessionmaker) as session:
        admin = find_staff_by_login(session, login="admin")
        assert admin is not None
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
    api = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=include).exclude(path_regex=exclude)
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=max_examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call(headers=headers_for(case))
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    if failures:
        report = Path(os.environ.get("XASO_SCHEMATHESIS_REPORT", f"/tmp/xaso-schemathesis-{report_name}.txt"))
        report.write_text("\n\n".join(failures), encoding="utf-8")
    return operations, failures
