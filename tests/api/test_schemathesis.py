"""Property-based API testing with schemathesis against /openapi.json: no input makes the gateway answer 5xx,
and documented responses match their schemas. Bounded: a few examples per operation."""

from __future__ import annotations

import os
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
from tests.support.gateway_fixtures import TEST_SERVICE_TOKEN

# Case management's part of the API (other parts test their own routes the same way).
MINE = r"^/(api/v1/(auth|staff|departments|cases|routing-rules|citizens|internal)|open311)"
# Logging out would end the run's own session; every other operation is exercised.
SKIP = r"^/api/v1/auth/logout$"


def _admin_token(app: FastAPI) -> str:
    # A fresh token per call: a generated request may legitimately revoke tokens or reset the admin's password.
    with transaction(app.state.sessionmaker) as session:
        admin = find_staff_by_login(session, login="admin")
        assert admin is not None
        return issue_token(session, staff=admin, name="schemathesis")[1]


def test_no_server_errors(app: FastAPI) -> None:
    # Operation by operation with plain Hypothesis (schemathesis' pytest loader does not support pytest 9 yet).
    api = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=MINE).exclude(path_regex=SKIP)
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=int(os.environ.get("XASO_SCHEMATHESIS_EXAMPLES", "15")),
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            internal = case.path.startswith("/api/v1/internal")
            token = TEST_SERVICE_TOKEN if internal else _admin_token(app)
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations >= 25
    if failures:
        Path(os.environ.get("XASO_SCHEMATHESIS_REPORT", "/tmp/xaso-schemathesis.txt")).write_text("\n\n".join(failures))
    assert not failures, "\n\n".join(f.splitlines()[0] for f in failures)
