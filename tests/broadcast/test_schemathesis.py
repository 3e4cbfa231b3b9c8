"""Property-based testing of the broadcast API from /openapi.json: no input makes it answer 5xx, and documented
responses match their schemas. Bounded: a few examples per operation; feed refresh is left out (it would fetch
whatever URL was generated)."""

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

MINE = r"^/api/v1/(bulletins|broadcast)"
SKIP = r"/refresh$"


def _admin_token(app: FastAPI) -> str:
    with transaction(app.state.sessionmaker) as session:
        admin = find_staff_by_login(session, login="admin")
        assert admin is not None
        return issue_token(session, staff=admin, name="schemathesis")[1]


def test_no_server_errors(broadcast_app: FastAPI) -> None:
    api = schemathesis.openapi.from_asgi("/openapi.json", broadcast_app).include(path_regex=MINE)
    api = api.exclude(path_regex=SKIP)
    token = _admin_token(broadcast_app)
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations >= 15
    if failures:
        report = Path(os.environ.get("XASO_SCHEMATHESIS_REPORT", "/tmp/xaso-schemathesis-broadcast.txt"))
        report.write_text("\n\n".join(failures), encoding="utf-8")
    assert not failures, "\n\n".join(f.splitlines()[0] for f in failures)
